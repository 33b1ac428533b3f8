"""Steps that reach outside Ladder: a chat channel for an escalation (MT3) and a
webhook. Both go through the outbox, delivered after commit and retried."""

from __future__ import annotations

from typing import Any

from ladder.delivery.actions import enqueue_delivery
from ladder.playbooks.engine import Run
from ladder.playbooks.format import ChatChannel, Webhook
from ladder.playbooks.steps import step


def _facts(run: Run) -> dict[str, Any]:
    customer = run.customer
    return {
        "account": customer.name,
        "mrr": str(customer.mrr) if customer.mrr else None,
        "link": customer.external_link,
        "reason": run.case.subject,
        "case": run.case.reference,
        "owner": str(run.case.owner) if run.case.owner_id else None,
        "severity": run.case.severity,
    }


@step("open_chat_channel")
def open_chat_channel(run: Run, spec: ChatChannel, rule: str) -> None:
    facts = _facts(run)
    payload: dict[str, Any] = {
        "channel": run.text(spec.name),
        "case_id": run.case.pk,
        **{name: facts[name] for name in spec.fields},
    }
    enqueue_delivery(
        organization_id=run.case.organization_id,
        channel="chat",
        idempotency_key=f"chat:{run.case.pk}:{rule}",
        case_id=run.case.pk,
        payload=payload,
    )
    run.note(rule=rule, kind="engine.chat_channel_requested", data=payload)


@step("post_webhook")
def post_webhook(run: Run, spec: Webhook, rule: str) -> None:
    payload = {
        "event": spec.event,
        "case_id": run.case.pk,
        "case": run.case.reference,
        "status": run.case.status,
        "customer_id": run.case.customer_id,
        "at": run.at.isoformat(),
    }
    enqueue_delivery(
        organization_id=run.case.organization_id,
        channel="webhook",
        idempotency_key=f"webhook:{run.case.pk}:{spec.event}:{run.at.isoformat()}",
        case_id=run.case.pk,
        payload=payload,
    )
    run.note(rule=rule, kind="engine.webhook_queued", data={"event": spec.event})
