"""Duties: what must be done again and again while a case is open. Daily structured
notes (MT7), contact on N consecutive business days before a resolution (MT6), course
feedback N times per so many lessons (ED3). Evidence is an interaction of the named
kind; a business day that closes without it makes the duty overdue."""

from __future__ import annotations

import datetime as dt

from ladder.cases.models import Case
from ladder.deadlines.actions import cancel_deadlines, schedule_deadline
from ladder.deadlines.models import Deadline
from ladder.deadlines.registry import deadline_handler
from ladder.playbooks import engine
from ladder.playbooks.clocks import delivered_sessions
from ladder.playbooks.format import DutyDef
from ladder.playbooks.models import Duty, DutyStatus
from ladder.tenancy.calendar import BusinessCalendar

DUE = "duty.due"


def _due_by(calendar: BusinessCalendar, after: dt.date) -> dt.datetime:
    """Close of business on the first business day after ``after``."""
    day = calendar.next_business_day(after)
    closing = calendar.close_of_business(day)
    assert closing is not None
    return closing


def _first_due(calendar: BusinessCalendar, at: dt.datetime) -> dt.datetime:
    """Close of business today if the desk is still to close today, else the next day's."""
    today = calendar.local_day(at)
    closing = calendar.close_of_business(today)
    if closing is not None and closing > at:
        return closing
    return _due_by(calendar, today)


def _set_due(duty: Duty, due_at: dt.datetime) -> None:
    duty.due_at = due_at
    schedule_deadline(
        organization_id=duty.organization_id,
        kind=DUE,
        target_id=duty.pk,
        due_at=due_at,
        case_id=duty.case_id,
        payload={"due_at": due_at.isoformat()},
    )


def start_duty(run: engine.Run, name: str, rule: str) -> Duty:
    spec = run.book.duty(name)
    existing = Duty.objects.select_for_update().filter(case=run.case, name=name).first()
    if existing is not None:
        cancel_deadlines(kind=DUE, target_id=existing.pk, at=run.at)
        existing.delete()
    duty = Duty.objects.create(
        organization_id=run.case.organization_id,
        case=run.case,
        name=name,
        kind=spec.kind,
        status=DutyStatus.ACTIVE,
        needed=spec.days if spec.kind == "consecutive_days" else spec.times,
        started_at=run.at,
        rule=rule,
    )
    if spec.kind == "per_sessions":
        duty.sessions_at_start = delivered_sessions(run.case)
        duty.save(update_fields=["sessions_at_start"])
    else:
        _set_due(duty, _first_due(run.calendar, run.at))
        duty.save(update_fields=["due_at"])
    run.note(
        rule=rule,
        kind="duty.started",
        data={"duty": name, "label": run.text(spec.label), "needed": duty.needed},
    )
    return duty


def _counts(spec: DutyDef, kind: str, outcome: str) -> bool:
    if kind != spec.evidence.interaction:
        return False
    return not spec.evidence.outcomes or outcome in spec.evidence.outcomes


def take_evidence(run: engine.Run) -> None:
    """An interaction was logged: the duties it fulfils move on."""
    kind = str(run.event.data.get("kind", ""))
    outcome = str(run.event.data.get("outcome", ""))
    duties = Duty.objects.select_for_update().filter(case=run.case, status=DutyStatus.ACTIVE)
    for duty in duties:
        spec = next((d for d in run.book.duties if d.name == duty.name), None)
        if spec is None or not _counts(spec, kind, outcome):
            continue
        today = run.calendar.local_day(run.at)
        if spec.kind == "per_sessions":
            duty.streak += 1
        elif duty.last_done_on == today:
            continue  # one a day is what counts
        elif (
            spec.kind == "consecutive_days"
            and duty.last_done_on is not None
            and (run.calendar.next_business_day(duty.last_done_on) != today)
        ):
            duty.streak = 1  # a gap: the count of consecutive days starts again
        else:
            duty.streak += 1
        duty.last_done_on = today
        duty.overdue_since = None
        if spec.kind != "per_sessions":
            cancel_deadlines(kind=DUE, target_id=duty.pk, at=run.at)
            _set_due(duty, _due_by(run.calendar, today))
        if spec.kind != "daily" and duty.streak >= duty.needed:
            duty.status = DutyStatus.DONE
            cancel_deadlines(kind=DUE, target_id=duty.pk, at=run.at)
            duty.due_at = None
        duty.save()
        run.note(
            rule=f"duty {duty.name}",
            kind="duty.done" if duty.status == DutyStatus.DONE else "duty.progressed",
            data={"duty": duty.name, "streak": duty.streak, "needed": duty.needed},
        )


def count_sessions(run: engine.Run) -> None:
    """ED3: a block of lessons that ends without its feedback makes the duty overdue;
    the next block starts counting afresh."""
    delivered = delivered_sessions(run.case)
    duties = Duty.objects.select_for_update().filter(
        case=run.case, kind="per_sessions", status=DutyStatus.ACTIVE
    )
    for duty in duties:
        spec = next((d for d in run.book.duties if d.name == duty.name), None)
        if spec is None or duty.sessions_at_start is None:
            continue
        while delivered - duty.sessions_at_start >= spec.sessions:
            if duty.streak < duty.needed:
                duty.missed += 1
                duty.overdue_since = duty.overdue_since or run.at
                engine.announce(
                    run.case,
                    "duty.overdue",
                    rule=f"duty {duty.name}",
                    at=run.at,
                    data={"duty": duty.name, "missed": duty.missed, "done": duty.streak},
                )
            duty.sessions_at_start += spec.sessions
            duty.streak = 0
        duty.save()


def end_duties(run: engine.Run) -> None:
    """A resolved or closed case owes nothing more."""
    for duty in Duty.objects.select_for_update().filter(case=run.case, status=DutyStatus.ACTIVE):
        cancel_deadlines(kind=DUE, target_id=duty.pk, at=run.at)
        duty.status = DutyStatus.ENDED
        duty.due_at = None
        duty.save(update_fields=["status", "due_at"])


@deadline_handler(DUE)
def fire_due_duties(deadlines: list[Deadline], now: dt.datetime) -> None:
    for deadline in deadlines:
        duty = (
            Duty.objects.select_for_update()
            .filter(pk=deadline.target_id, status=DutyStatus.ACTIVE)
            .first()
        )
        if duty is None or duty.due_at is None:
            deadline.mark_stale()
            continue
        if duty.due_at.isoformat() != deadline.payload.get("due_at"):
            deadline.mark_stale()
            continue
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("organization", "customer")
            .get(pk=duty.case_id)
        )
        calendar = BusinessCalendar.for_organization(case.organization)
        duty.missed += 1
        duty.overdue_since = duty.overdue_since or deadline.due_at
        if duty.kind == "consecutive_days":
            duty.streak = 0
        _set_due(duty, _due_by(calendar, calendar.local_day(deadline.due_at)))
        duty.save()
        engine.announce(
            case,
            "duty.overdue",
            rule=f"duty {duty.name}",
            at=now,
            data={"duty": duty.name, "missed": duty.missed},
        )
