"""``refuse_request``: eligibility as a playbook rule (ED5: a refund may be asked for
within the first 6 delivered lessons). The request stays a case; its retention record
says it is ineligible, with the rule and the reason, and the case's owner is told."""

from __future__ import annotations

from ladder.delivery.actions import notify_staff
from ladder.playbooks.engine import Run
from ladder.playbooks.format import RefuseRequest
from ladder.playbooks.steps import step
from ladder.retention.actions import refuse_request


@step("refuse_request")
def refuse(run: Run, spec: RefuseRequest, rule: str) -> None:
    message = run.text(spec.reason)
    refuse_request(case=run.case, actor=run.actor(rule), rule=rule, message=message, at=run.at)
    if run.case.owner_id is not None:
        notify_staff(
            organization_id=run.case.organization_id,
            staff_ids=[run.case.owner_id],
            text=f"{run.case.reference}: {message}",
            at=run.at,
            case_id=run.case.pk,
        )
