"""Clocks: promises with a deadline (the 24-hour meeting MT6, tutor matching TD3, a
level change within 6 lessons ED4, same-day payout ED5). Time clocks count calendar or
business time and are paused while the case waits on the customer; lesson clocks count
delivered sessions. Warnings and breaches are deadlines the worker fires."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ladder.cases.models import Case
from ladder.customers.models import Program
from ladder.deadlines.actions import cancel_deadlines, schedule_deadline
from ladder.deadlines.models import Deadline
from ladder.deadlines.registry import deadline_handler
from ladder.playbooks import engine
from ladder.playbooks.format import ClockDef, parse_duration
from ladder.playbooks.models import Clock, ClockStatus
from ladder.tenancy.calendar import BusinessCalendar

WARNING = "clock.warning"
BREACH = "clock.breach"


def delivered_sessions(case: Case) -> Decimal:
    """Lessons delivered on the customer's current program (the latest term)."""
    program = Program.objects.filter(customer_id=case.customer_id).order_by("-term_start", "-id")
    delivered = program.values_list("delivered", flat=True).first()
    return delivered if delivered is not None else Decimal(0)


def _seconds(value: str | int) -> int:
    return int(parse_duration(str(value)).total_seconds())


def _elapsed(clock: Clock, calendar: BusinessCalendar, until: dt.datetime) -> int:
    if clock.running_since is None:
        return 0
    if clock.measure == "business":
        return int(calendar.between(clock.running_since, until).total_seconds())
    return int((until - clock.running_since).total_seconds())


def _instant_after(clock: Clock, calendar: BusinessCalendar, seconds: int) -> dt.datetime:
    """When ``seconds`` more of the clock's time will have passed since it resumed."""
    assert clock.running_since is not None
    span = dt.timedelta(seconds=max(seconds, 0))
    if clock.measure == "business":
        return calendar.add(clock.running_since, span)
    return clock.running_since + span


def _schedule(clock: Clock, spec: ClockDef, calendar: BusinessCalendar) -> None:
    """Puts the clock's warnings and breach on the deadline table."""
    assert clock.target_seconds is not None
    remaining = clock.target_seconds - clock.used_seconds
    clock.due_at = _instant_after(clock, calendar, remaining)
    for before in spec.warn_before:
        level = str(before)
        if level in clock.warned:
            continue
        left = remaining - _seconds(before)
        if left > 0:
            schedule_deadline(
                organization_id=clock.organization_id,
                kind=WARNING,
                target_id=clock.pk,
                due_at=_instant_after(clock, calendar, left),
                case_id=clock.case_id,
                payload={"level": level, "due_at": clock.due_at.isoformat()},
            )
    if clock.breached_at is None:
        schedule_deadline(
            organization_id=clock.organization_id,
            kind=BREACH,
            target_id=clock.pk,
            due_at=clock.due_at,
            case_id=clock.case_id,
            payload={"due_at": clock.due_at.isoformat()},
        )


def _unschedule(clock: Clock, at: dt.datetime) -> None:
    cancel_deadlines(kind=WARNING, target_id=clock.pk, at=at)
    cancel_deadlines(kind=BREACH, target_id=clock.pk, at=at)


def start_clock(run: engine.Run, name: str, rule: str) -> Clock:
    """Starts the clock, or restarts it from nothing if it ran before."""
    spec = run.book.clock(name)
    existing = Clock.objects.select_for_update().filter(case=run.case, name=name).first()
    if existing is not None:
        _unschedule(existing, run.at)
        existing.delete()
    clock = Clock(
        organization_id=run.case.organization_id,
        case=run.case,
        name=name,
        measure=spec.measure,
        status=ClockStatus.RUNNING,
        started_at=run.at,
        running_since=run.at,
        rule=rule,
    )
    if spec.measure == "sessions":
        clock.target_sessions = int(spec.target)
        clock.sessions_at_start = delivered_sessions(run.case)
        clock.save()
    else:
        clock.target_seconds = _seconds(spec.target)
        clock.save()
        _schedule(clock, spec, run.calendar)
        clock.save(update_fields=["due_at"])
    run.note(
        rule=rule,
        kind="clock.started",
        data={
            "clock": name,
            "label": run.text(spec.label),
            "measure": spec.measure,
            "due_at": clock.due_at.isoformat() if clock.due_at else None,
            "target_sessions": clock.target_sessions,
        },
    )
    return clock


def _running(run: engine.Run, name: str) -> Clock | None:
    return Clock.objects.select_for_update().filter(case=run.case, name=name).first()


def stop_clock(run: engine.Run, name: str, rule: str) -> None:
    clock = _running(run, name)
    if clock is None or clock.status == ClockStatus.STOPPED:
        return
    if clock.status == ClockStatus.RUNNING:
        clock.used_seconds += _elapsed(clock, run.calendar, run.at)
    clock.status = ClockStatus.STOPPED
    clock.running_since = None
    clock.stopped_at = run.at
    clock.save()
    _unschedule(clock, run.at)
    run.note(
        rule=rule, kind="clock.stopped", data={"clock": name, "met": clock.breached_at is None}
    )


def pause_clock(run: engine.Run, name: str, rule: str) -> None:
    clock = _running(run, name)
    if clock is None or clock.status != ClockStatus.RUNNING or clock.measure == "sessions":
        return
    clock.used_seconds += _elapsed(clock, run.calendar, run.at)
    clock.status = ClockStatus.PAUSED
    clock.running_since = None
    clock.save()
    _unschedule(clock, run.at)
    run.note(rule=rule, kind="clock.paused", data={"clock": name})


def resume_clock(run: engine.Run, name: str, rule: str) -> None:
    clock = _running(run, name)
    if clock is None or clock.status != ClockStatus.PAUSED:
        return
    clock.status = ClockStatus.RUNNING
    clock.running_since = run.at
    _schedule(clock, run.book.clock(name), run.calendar)
    clock.save()
    run.note(
        rule=rule,
        kind="clock.resumed",
        data={"clock": name, "due_at": clock.due_at.isoformat() if clock.due_at else None},
    )


def follow_status(run: engine.Run, status: str) -> None:
    """Pauses, resumes and stops the case's clocks as their definitions say."""
    for clock in Clock.objects.filter(case=run.case).exclude(status=ClockStatus.STOPPED):
        spec = next((c for c in run.book.clocks if c.name == clock.name), None)
        if spec is None:
            continue
        rule = f"clock {clock.name}"
        if status in spec.stop_when:
            stop_clock(run, clock.name, rule)
        elif status in spec.pause_when:
            pause_clock(run, clock.name, rule)
        elif clock.status == ClockStatus.PAUSED:
            resume_clock(run, clock.name, rule)


def count_sessions(run: engine.Run) -> None:
    """Lesson clocks warn and breach as lessons are delivered (ED4: 6 lessons)."""
    delivered = delivered_sessions(run.case)
    for clock in Clock.objects.select_for_update().filter(
        case=run.case, measure="sessions", status=ClockStatus.RUNNING
    ):
        assert clock.target_sessions is not None
        assert clock.sessions_at_start is not None
        spec = next((c for c in run.book.clocks if c.name == clock.name), None)
        if spec is None:
            continue
        used = delivered - clock.sessions_at_start
        left = clock.target_sessions - used
        for before in spec.warn_before:
            level = str(before)
            if left <= int(before) and level not in clock.warned and clock.breached_at is None:
                clock.warned = [*clock.warned, level]
                clock.save(update_fields=["warned"])
                _announce(
                    clock, run.case, "clock.warned", run.at, {"level": level, "left": str(left)}
                )
        if left <= 0 and clock.breached_at is None:
            clock.breached_at = run.at
            clock.save(update_fields=["breached_at"])
            _announce(clock, run.case, "clock.breached", run.at, {"used": str(used)})


def _announce(clock: Clock, case: Case, kind: str, at: dt.datetime, data: dict[str, str]) -> None:
    engine.announce(
        case, kind, rule=f"clock {clock.name}", at=at, data={"clock": clock.name, **data}
    )


def _live_clock(deadline: Deadline) -> Clock | None:
    """The clock a deadline was set for, if it still stands: running, with the same
    deadline (a pause or restart since then made this deadline stale)."""
    clock = (
        Clock.objects.select_for_update()
        .filter(pk=deadline.target_id, status=ClockStatus.RUNNING)
        .first()
    )
    if clock is None or clock.due_at is None:
        return None
    if clock.due_at.isoformat() != deadline.payload.get("due_at"):
        return None
    return clock


def _locked(clock: Clock) -> Case:
    """The clock's case, locked like a use case locks it before the engine acts on it."""
    case: Case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("organization", "customer")
        .get(pk=clock.case_id)
    )
    return case


@deadline_handler(WARNING)
def fire_warnings(deadlines: list[Deadline], now: dt.datetime) -> None:
    for deadline in deadlines:
        clock = _live_clock(deadline)
        level = str(deadline.payload.get("level"))
        if clock is None or level in clock.warned or clock.breached_at is not None:
            deadline.mark_stale()
            continue
        clock.warned = [*clock.warned, level]
        clock.save(update_fields=["warned"])
        _announce(clock, _locked(clock), "clock.warned", now, {"level": level})


@deadline_handler(BREACH)
def fire_breaches(deadlines: list[Deadline], now: dt.datetime) -> None:
    for deadline in deadlines:
        clock = _live_clock(deadline)
        if clock is None or clock.breached_at is not None:
            deadline.mark_stale()
            continue
        clock.breached_at = deadline.due_at
        clock.save(update_fields=["breached_at"])
        _announce(
            clock, _locked(clock), "clock.breached", now, {"due_at": deadline.due_at.isoformat()}
        )
