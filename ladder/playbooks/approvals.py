"""Approvals (MT5: accounting approves the resolution offer; ED5: the principal
approves refunds). Above the playbook's limit a second role decides after the first.
A decision runs the approval's on_approved / on_denied actions and the rules on
approval.decided."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ladder.cases.states import Status
from ladder.delivery.actions import notify_staff
from ladder.playbooks import engine, targets
from ladder.playbooks.format import ApprovalDef, Target
from ladder.playbooks.models import Approval, ApprovalStatus


def _alert(run: engine.Run, approval: Approval, role: str, spec: ApprovalDef) -> None:
    people = targets.staff_for(Target(role=role), run.case)
    text = _("Approval needed: %(what)s on %(case)s (%(amount)s)") % {
        "what": run.text(spec.label),
        "case": run.case.reference,
        "amount": approval.amount if approval.amount is not None else "—",
    }
    notify_staff(
        organization_id=run.case.organization_id,
        staff_ids=[p.pk for p in people],
        text=text,
        at=run.at,
        case_id=run.case.pk,
    )


def request(run: engine.Run, name: str, rule: str) -> Approval:
    spec = run.book.approval(name)
    Approval.objects.filter(case=run.case, name=name, status=ApprovalStatus.PENDING).update(
        status=ApprovalStatus.DENIED, reason=_("replaced by a new request"), decided_at=run.at
    )
    approval = Approval.objects.create(
        organization_id=run.case.organization_id,
        case=run.case,
        name=name,
        amount=run.case.money_at_stake,
        approver_role=spec.approver,
        second_role=spec.second_approver or "",
        requested_at=run.at,
        rule=rule,
    )
    _alert(run, approval, spec.approver, spec)
    run.note(
        rule=rule,
        kind="approval.requested",
        data={
            "approval_id": approval.pk,
            "approval": name,
            "approver": spec.approver,
            "amount": str(approval.amount) if approval.amount is not None else None,
        },
    )
    from ladder.playbooks.steps.status import set_status

    if run.case.status == Status.NEW:
        set_status(run, Status.IN_PROGRESS, rule)
    if run.case.status == Status.IN_PROGRESS:
        set_status(run, Status.AWAITING_APPROVAL, rule)
    return approval


def needs_second(approval: Approval, spec: ApprovalDef) -> bool:
    return (
        spec.second_approver is not None
        and spec.second_above is not None
        and approval.amount is not None
        and approval.amount.amount > spec.second_above
    )


def alert_second(run: engine.Run, approval: Approval, spec: ApprovalDef) -> None:
    assert spec.second_approver is not None
    _alert(run, approval, spec.second_approver, spec)
