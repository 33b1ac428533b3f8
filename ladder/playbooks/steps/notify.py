from __future__ import annotations

from ladder.delivery.actions import enqueue_delivery, notify_staff
from ladder.playbooks import targets
from ladder.playbooks.accounts import AccountRun
from ladder.playbooks.engine import Run
from ladder.playbooks.format import Notify
from ladder.playbooks.steps import account_step, step


@step("notify")
def notify(run: Run, spec: Notify, rule: str) -> None:
    people = {s.pk: s for t in spec.to for s in targets.staff_for(t, run.case)}
    text = f"{run.case.reference}: {run.text(spec.text)}"
    if spec.channel == "in_app":
        notify_staff(
            organization_id=run.case.organization_id,
            staff_ids=sorted(people),
            text=text,
            at=run.at,
            case_id=run.case.pk,
        )
    else:
        for person in people.values():
            if not person.user.email:
                continue
            enqueue_delivery(
                organization_id=run.case.organization_id,
                channel="email",
                idempotency_key=f"notify:{run.case.pk}:{rule}:{person.pk}:{run.at.isoformat()}",
                case_id=run.case.pk,
                to=person.user.email,
                subject=text[:200],
                body=text,
            )
    run.note(
        rule=rule,
        kind="engine.notified",
        data={"to": [str(p) for p in people.values()], "channel": spec.channel, "text": text},
    )


@account_step("notify")
def notify_about_account(run: AccountRun, spec: Notify, rule: str) -> None:
    """In-app or e-mail word about the account to the people the rule names."""
    people = {
        s.pk: s for t in spec.to for s in targets.staff_for_account(t, run.customer, run.program)
    }
    text = f"{run.customer.name}: {run.text(spec.text)}"
    if spec.channel == "in_app":
        notify_staff(
            organization_id=run.customer.organization_id,
            staff_ids=sorted(people),
            text=text,
            at=run.at,
        )
    else:
        for person in people.values():
            if person.user.email:
                enqueue_delivery(
                    organization_id=run.customer.organization_id,
                    channel="email",
                    idempotency_key=(
                        f"notify:account:{run.customer.pk}:{rule}:{person.pk}:{run.at.isoformat()}"
                    ),
                    to=person.user.email,
                    subject=text[:200],
                    body=text,
                )
    run.decide(
        rule=rule,
        kind="notified",
        data={"to": [str(p) for p in people.values()], "channel": spec.channel, "text": text},
    )
