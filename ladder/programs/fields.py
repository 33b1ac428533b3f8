"""What a playbook condition may read of a program (``program.<name>``): pure functions
of a program and the moment the rule runs, so that each is tested on its own. The app
registers them into ``ladder.playbooks.conditions.PROGRAM_FIELDS`` when it loads.

Pace (TD3 "unused purchased hours are watched"): a program with term dates is planned
to deliver its purchased units evenly from ``term_start`` to ``term_end``.
``planned_units`` is the share of the purchased units the calendar says should be
delivered by today; ``pace_behind`` is how far delivery lags it, in percent of the
purchased units (positive: behind plan; negative: ahead of it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ladder.customers.models import Program

PERCENT = Decimal("0.1")


@dataclass(frozen=True)
class Moment:
    """When a rule reads a program: the instant, and the date in the organization's
    time zone (days are counted in local dates)."""

    now: dt.datetime
    today: dt.date


def planned_units(program: Program, today: dt.date) -> Decimal | None:
    """The units an even pace would have delivered by ``today``; None without term
    dates."""
    start, end = program.term_start, program.term_end
    if start is None or end is None:
        return None
    if today <= start:
        return Decimal(0)
    total = (end - start).days
    if total <= 0 or today >= end:
        return program.purchased
    return program.purchased * Decimal((today - start).days) / Decimal(total)


def pace_behind(program: Program, today: dt.date) -> Decimal | None:
    """Planned minus delivered units, in percent of the purchased units, to one decimal
    (0 = on plan, 25 = a quarter of the purchase behind, negative = ahead)."""
    planned = planned_units(program, today)
    if planned is None or program.purchased <= 0:
        return None
    lag = (planned - program.delivered) * 100 / program.purchased
    return lag.quantize(PERCENT, rounding=ROUND_HALF_UP)


def unused(program: Program) -> Decimal:
    """Purchased units not delivered yet."""
    return max(program.purchased - program.delivered, Decimal(0))


def days_since_last_session(
    program: Program, today: dt.date, last_session: dt.date | None
) -> int | None:
    """Days since the last session; with none yet, days since the term started (a
    program that never began is interrupted from its first day). None before then."""
    since = last_session or program.term_start
    if since is None or since > today:
        return None
    return (today - since).days


def days_to_term_end(program: Program, today: dt.date) -> int | None:
    return (program.term_end - today).days if program.term_end is not None else None


def days_to_class_start(program: Program, today: dt.date) -> int | None:
    return (program.class_start - today).days if program.class_start is not None else None


def paid(program: Program) -> bool:
    return program.paid_at is not None


def tutor_matched(program: Program) -> bool:
    return program.tutor_matched_at is not None


def hours_waiting_for_tutor(program: Program, now: dt.datetime) -> int | None:
    """Whole hours since a tutor was requested, while none is matched; None when no
    tutor is awaited."""
    if program.tutor_requested_at is None or program.tutor_matched_at is not None:
        return None
    return max(int((now - program.tutor_requested_at).total_seconds() // 3600), 0)


def match_overdue(program: Program, now: dt.datetime) -> bool:
    """A tutor was requested, none is matched, and the promised time has passed (TD3)."""
    requested, promise = program.tutor_requested_at, program.match_within_hours
    if requested is None or promise is None or program.tutor_matched_at is not None:
        return False
    return now >= requested + dt.timedelta(hours=promise)
