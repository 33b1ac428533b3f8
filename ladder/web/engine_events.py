"""How the case timeline words what the playbook engine and its use cases recorded: one
function per event kind (a registry, not an if-chain). The rule that decided is shown
beside each by the case page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

Title = Callable[[dict[str, Any]], str]
TITLES: dict[str, Title] = {}


def title(kind: str) -> Callable[[Title], Title]:
    def register(fn: Title) -> Title:
        TITLES[kind] = fn
        return fn

    return register


def _s(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


@title("case.escalation_requested")
def _escalation_requested(d: dict[str, Any]) -> str:
    return _("The customer asks for an escalation: %(reason)s") % {"reason": _s(d, "reason")}


@title("resolution.rejected")
def _resolution_rejected(d: dict[str, Any]) -> str:
    return _("The customer rejects the resolution: %(reason)s") % {"reason": _s(d, "reason")}


@title("case.answers_recorded")
def _answers(d: dict[str, Any]) -> str:
    answers = d.get("answers") if isinstance(d.get("answers"), dict) else {}
    assert isinstance(answers, dict)
    shown = "; ".join(f"{k}: {v}" for k, v in answers.items())
    return _("Recorded the answers: %(answers)s") % {"answers": shown}


@title("checklist.ticked")
def _ticked(d: dict[str, Any]) -> str:
    return _("Ticked “%(item)s” on the checklist %(checklist)s") % {
        "item": _s(d, "item"),
        "checklist": _s(d, "checklist"),
    }


@title("checklist.unticked")
def _unticked(d: dict[str, Any]) -> str:
    return _("Unticked “%(item)s” on the checklist %(checklist)s") % {
        "item": _s(d, "item"),
        "checklist": _s(d, "checklist"),
    }


@title("clock.started")
def _clock_started(d: dict[str, Any]) -> str:
    return _("Started the clock “%(clock)s”") % {"clock": _s(d, "label") or _s(d, "clock")}


@title("clock.warned")
def _clock_warned(d: dict[str, Any]) -> str:
    return _("The clock %(clock)s is running out (%(level)s left)") % {
        "clock": _s(d, "clock"),
        "level": _s(d, "level"),
    }


@title("clock.breached")
def _clock_breached(d: dict[str, Any]) -> str:
    return _("The clock %(clock)s is breached") % {"clock": _s(d, "clock")}


@title("clock.paused")
def _clock_paused(d: dict[str, Any]) -> str:
    return _("Paused the clock %(clock)s") % {"clock": _s(d, "clock")}


@title("clock.resumed")
def _clock_resumed(d: dict[str, Any]) -> str:
    return _("Resumed the clock %(clock)s") % {"clock": _s(d, "clock")}


@title("clock.stopped")
def _clock_stopped(d: dict[str, Any]) -> str:
    if d.get("met"):
        return _("Stopped the clock %(clock)s: the promise was kept") % {"clock": _s(d, "clock")}
    return _("Stopped the clock %(clock)s after its breach") % {"clock": _s(d, "clock")}


@title("duty.started")
def _duty_started(d: dict[str, Any]) -> str:
    return _("Started the duty “%(duty)s”") % {"duty": _s(d, "label") or _s(d, "duty")}


@title("duty.progressed")
def _duty_progressed(d: dict[str, Any]) -> str:
    return _("The duty %(duty)s moved on: %(done)s of %(needed)s") % {
        "duty": _s(d, "duty"),
        "done": _s(d, "streak"),
        "needed": _s(d, "needed"),
    }


@title("duty.done")
def _duty_done(d: dict[str, Any]) -> str:
    return _("The duty %(duty)s is done") % {"duty": _s(d, "duty")}


@title("duty.overdue")
def _duty_overdue(d: dict[str, Any]) -> str:
    return _("The duty %(duty)s is overdue (missed %(missed)s times)") % {
        "duty": _s(d, "duty"),
        "missed": _s(d, "missed"),
    }


@title("approval.requested")
def _approval_requested(d: dict[str, Any]) -> str:
    return _("Asked the %(role)s role to approve %(approval)s (%(amount)s)") % {
        "role": _s(d, "approver"),
        "approval": _s(d, "approval"),
        "amount": _s(d, "amount") or "—",
    }


@title("approval.first_approved")
def _approval_first(d: dict[str, Any]) -> str:
    return _("Approved %(approval)s; the %(role)s role decides next") % {
        "approval": _s(d, "approval"),
        "role": _s(d, "next"),
    }


@title("approval.approved")
def _approved(d: dict[str, Any]) -> str:
    return _("Approved %(approval)s") % {"approval": _s(d, "approval")}


@title("approval.denied")
def _denied(d: dict[str, Any]) -> str:
    return _("Denied %(approval)s: %(reason)s") % {
        "approval": _s(d, "approval"),
        "reason": _s(d, "reason"),
    }


@title("handoff.ringing")
def _ringing(d: dict[str, Any]) -> str:
    alerted = d.get("alerted") if isinstance(d.get("alerted"), list) else []
    assert isinstance(alerted, list)
    return _("Live handoff: ringing the %(skill)s skill (alerted: %(who)s)") % {
        "skill": _s(d, "skill"),
        "who": ", ".join(str(a) for a in alerted) or _("nobody available"),
    }


@title("handoff.unanswered")
def _unanswered(d: dict[str, Any]) -> str:
    return _("Live handoff: nobody of the %(skill)s skill accepted in time") % {
        "skill": _s(d, "skill")
    }


@title("handoff.fallback")
def _fallback(d: dict[str, Any]) -> str:
    return _("Live handoff: nobody accepted; the fallback follows")


@title("handoff.accepted")
def _accepted(d: dict[str, Any]) -> str:
    return _("Live handoff accepted by %(who)s") % {"who": _s(d, "by")}


@title("engine.requirement_added")
def _requirement(d: dict[str, Any]) -> str:
    return _("Required before %(statuses)s: %(message)s") % {
        "statuses": ", ".join(str(s) for s in d.get("before", []) or []),
        "message": _s(d, "message"),
    }


@title("engine.informed")
def _informed(d: dict[str, Any]) -> str:
    return _("Informed %(who)s") % {"who": ", ".join(str(s) for s in d.get("to", []) or [])}


@title("engine.notified")
def _notified(d: dict[str, Any]) -> str:
    return _("Notified %(who)s: %(text)s") % {
        "who": ", ".join(str(s) for s in d.get("to", []) or []),
        "text": _s(d, "text"),
    }


@title("engine.nobody_available")
def _nobody(d: dict[str, Any]) -> str:
    return _("Nobody was available to take it")


@title("engine.review_listed")
def _review(d: dict[str, Any]) -> str:
    return _("Put on the review list %(list)s") % {"list": _s(d, "list")}


@title("engine.step_refused")
def _refused(d: dict[str, Any]) -> str:
    return _("The playbook could not take a step: %(reason)s") % {"reason": _s(d, "reason")}


@title("engine.loop_stopped")
def _loop(d: dict[str, Any]) -> str:
    return _("The playbook stopped a chain of rules that went too deep")


@title("sessions.recorded")
def _sessions(d: dict[str, Any]) -> str:
    return _("Lessons delivered on %(program)s: %(from)s → %(to)s") % {
        "program": _s(d, "program"),
        "from": _s(d, "from"),
        "to": _s(d, "to"),
    }
