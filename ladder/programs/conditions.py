"""The program fields this app adds to ``ladder.playbooks.conditions.PROGRAM_FIELDS``:
the watchers' vocabulary (TD3 pace, interruption and tutor matching, ED2 waiting list,
ED9 renewal window). Each reads one program at the instant of the schedule's tick,
through the pure functions of :mod:`ladder.programs.fields`; days are counted in the
organization's local dates."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from ladder.playbooks.conditions import PROGRAM_FIELDS, ProgramAt
from ladder.programs import fields
from ladder.programs.queries import last_session_day


def _zone(p: ProgramAt) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(p.program.customer.organization.timezone)


def _today(p: ProgramAt) -> Any:
    return p.at.astimezone(_zone(p)).date()


def _days_since_last_session(p: ProgramAt) -> int | None:
    return fields.days_since_last_session(
        p.program, _today(p), last_session_day(p.program, _zone(p))
    )


READERS: dict[str, Callable[[ProgramAt], Any]] = {
    "status": lambda p: p.program.status,
    "pace_behind": lambda p: fields.pace_behind(p.program, _today(p)),
    "planned": lambda p: fields.planned_units(p.program, _today(p)),
    "unused": lambda p: fields.unused(p.program),
    "days_since_last_session": _days_since_last_session,
    "days_to_term_end": lambda p: fields.days_to_term_end(p.program, _today(p)),
    "days_to_class_start": lambda p: fields.days_to_class_start(p.program, _today(p)),
    "paid": lambda p: fields.paid(p.program),
    "tutor_matched": lambda p: fields.tutor_matched(p.program),
    "hours_waiting_for_tutor": lambda p: fields.hours_waiting_for_tutor(p.program, p.at),
    "match_overdue": lambda p: fields.match_overdue(p.program, p.at),
    "has_owner": lambda p: p.program.owner_id is not None,
}


def register() -> None:
    PROGRAM_FIELDS.update(READERS)
