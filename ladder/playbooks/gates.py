"""What the playbook requires before a case may change status: fields a rule asked for
(TD1, MT2), checklists (ED6), duties (MT6). Registered with the cases app's
transition check; each unmet requirement is a field error in the rule's own words."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ladder.cases.models import Case
from ladder.errors import FieldError
from ladder.playbooks.engine import state_of
from ladder.playbooks.library import playbook_of
from ladder.playbooks.models import CaseState, Duty, DutyStatus


def _is_set(case: Case, state: CaseState, field: str) -> bool:
    scope, _dot, name = field.partition(".")
    if scope == "answers":
        value = state.answers.get(name)
    else:
        value = getattr(case, name if scope == "case" else field, None)
    return value not in (None, "", [], {})


def unmet(case: Case, to_status: str) -> list[FieldError]:
    state = state_of(case)
    if state is None:
        return []
    book = playbook_of(state.version)
    language = str(case.organization.locale)
    errors: list[FieldError] = []
    for requirement in state.requirements:
        if to_status not in requirement["before"]:
            continue
        for field in requirement["fields"]:
            if not _is_set(case, state, field):
                errors.append(FieldError(field.removeprefix("case."), requirement["message"]))
    for checklist in book.checklists:
        if to_status not in checklist.before:
            continue
        ticked = state.checklist.get(checklist.name, {})
        missing = [item for item in checklist.items if item.key not in ticked]
        if missing:
            errors.append(
                FieldError(
                    f"checklist.{checklist.name}",
                    _("%(checklist)s: still to do: %(items)s")
                    % {
                        "checklist": checklist.label.get(language),
                        "items": ", ".join(i.label.get(language) for i in missing),
                    },
                )
            )
    specs = {d.name: d for d in book.duties}
    for duty in Duty.objects.filter(case=case).exclude(status=DutyStatus.DONE):
        spec = specs.get(duty.name)
        if spec is None or to_status not in spec.before:
            continue
        errors.append(
            FieldError(
                f"duties.{duty.name}",
                _("%(duty)s is not done yet (%(done)s of %(needed)s)")
                % {"duty": spec.label.get(language), "done": duty.streak, "needed": duty.needed},
            )
        )
    return errors
