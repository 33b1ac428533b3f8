"""MT2: closing a case of a kind that needs churn codes without them is refused, with
the field ``churn_codes`` named. Registered with the cases app's transition check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from ladder.cases.states import Status
from ladder.churn.models import CaseChurnCodes
from ladder.churn.queries import required_kinds
from ladder.errors import FieldError

if TYPE_CHECKING:
    from ladder.cases.models import Case


def missing_churn_codes(case: Case, to_status: str) -> list[FieldError]:
    """Costs nothing but on a close: then two queries at most."""
    if to_status != Status.CLOSED:
        return []
    if case.kind not in required_kinds(organization_id=case.organization_id):
        return []
    if CaseChurnCodes.objects.filter(case_id=case.pk).exists():
        return []
    return [
        FieldError(
            "churn_codes",
            _(
                "Record the churn codes (category, reason and secondary reasons) before "
                "closing this case."
            ),
        )
    ]
