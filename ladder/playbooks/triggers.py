"""What narrows a trigger: a rule's ``with:`` keys, per trigger. A rule runs when the
event's trigger is the rule's ``when`` and every ``with`` key matches the event."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ladder.cases.events import CaseEvent
    from ladder.playbooks.accounts import AccountEvent
    from ladder.playbooks.format import Rule

# trigger → the `with:` keys it accepts, each matched against the event's data key.
FILTERS: dict[str, dict[str, str]] = {
    "case.created": {"kind": "kind", "channel": "channel"},
    "case.status_changed": {"to": "to", "from": "from"},
    "case.field_changed": {"field": "field"},
    "case.escalation_requested": {},
    "case.escalated": {"to_tier": "to_tier"},
    "resolution.rejected": {},
    "interaction.logged": {"kind": "kind", "outcome": "outcome"},
    "sessions.recorded": {},
    "clock.warned": {"clock": "clock"},
    "clock.breached": {"clock": "clock"},
    "duty.overdue": {"duty": "duty"},
    "approval.decided": {"approval": "approval", "decision": "decision"},
    "handoff.unanswered": {"handoff": "handoff"},
    "signal.received": {"signal": "signal"},
    "health.changed": {"band": "to_band"},
    "case.signal": {"signal": "signal"},
    "schedule": {"schedule": "schedule"},
    "survey.answered": {"band": "band"},
    "refund.paid": {},
}


def matches(rule: Rule, event: CaseEvent | AccountEvent) -> bool:
    keys = FILTERS.get(rule.when, {})
    for key, wanted in rule.with_.items():
        if key not in keys:
            return False
        case = getattr(event, "case", None)
        if rule.when == "case.created" and case is not None:
            # A new case's kind and channel are on the case itself.
            actual = getattr(case, key)
        else:
            actual = event.data.get(keys[key], "")
        if str(actual) != str(wanted):
            return False
    return True
