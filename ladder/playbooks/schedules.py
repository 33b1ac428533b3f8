"""Schedules: rules that run on a timetable (`when: schedule`), daily or weekly at a
local time of the organization, for every open case under the version that names them.
Each version's next tick is a deadline the worker fires; firing it runs the rules and
puts the following tick on the table. A version keeps ticking while it is active or
still has open cases, since cases run under the version they opened with."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db.models import Q

from ladder.cases.events import CaseEvent
from ladder.cases.models import Case
from ladder.cases.states import OPEN
from ladder.customers.models import Customer, Program
from ladder.deadlines.actions import schedule_deadline
from ladder.deadlines.models import Deadline
from ladder.deadlines.registry import deadline_handler
from ladder.playbooks import accounts, engine
from ladder.playbooks.format import ScheduleDef
from ladder.playbooks.library import playbook_of
from ladder.playbooks.models import CaseState, PlaybookVersion
from ladder.tenancy.actors import Actor

TICK = "schedule.tick"


def next_occurrence(
    spec: ScheduleDef, *, after: dt.datetime, zone: zoneinfo.ZoneInfo
) -> dt.datetime:
    """The first instant after ``after`` at which the schedule's local time comes round
    (on its weekday, for a weekly one). Wall-clock time: 09:00 stays 09:00 across DST."""
    local = after.astimezone(zone)
    day = local.date()
    for offset in range(0, 8 + 1):
        candidate_day = day + dt.timedelta(days=offset)
        if spec.every == "week" and candidate_day.weekday() != (spec.weekday or 0):
            continue
        candidate = dt.datetime.combine(candidate_day, spec.at, tzinfo=zone)
        if candidate > after:
            return candidate.astimezone(dt.UTC)
    raise AssertionError("a daily or weekly schedule comes round within eight days")


def _plan(version: PlaybookVersion, spec: ScheduleDef, after: dt.datetime) -> None:
    zone = zoneinfo.ZoneInfo(version.organization.timezone)
    due = next_occurrence(spec, after=after, zone=zone)
    schedule_deadline(
        organization_id=version.organization_id,
        kind=TICK,
        target_id=version.pk,
        due_at=due,
        payload={"schedule": spec.name, "due_at": due.isoformat()},
    )


def plan_schedules(version: PlaybookVersion, *, at: dt.datetime) -> None:
    """Puts the next tick of each of the version's schedules on the deadline table,
    unless it is there already (a version activated again)."""
    pending = set(
        Deadline.objects.filter(
            kind=TICK, target_id=version.pk, fired_at=None, cancelled_at=None
        ).values_list("payload__schedule", flat=True)
    )
    for spec in playbook_of(version).schedules:
        if spec.name not in pending:
            _plan(version, spec, at)


@deadline_handler(TICK)
def fire_ticks(deadlines: list[Deadline], now: dt.datetime) -> None:
    for deadline in deadlines:
        version = (
            PlaybookVersion.objects.select_related("organization")
            .filter(pk=deadline.target_id)
            .first()
        )
        name = str(deadline.payload.get("schedule", ""))
        spec = (
            next((s for s in playbook_of(version).schedules if s.name == name), None)
            if version
            else None
        )
        if version is None or spec is None:
            deadline.mark_stale()
            continue
        if spec.for_ == "cases":
            ran = _tick_cases(version, name, now)
        else:
            ran = _tick_accounts(version, spec, now)
        if version.is_active or ran:
            _plan(version, spec, deadline.due_at)


def _tick_cases(version: PlaybookVersion, name: str, now: dt.datetime) -> int:
    case_ids = CaseState.objects.filter(version=version).values_list("case_id", flat=True)
    cases = (
        Case.objects.select_for_update(of=("self",))
        .select_related("organization", "customer")
        .filter(pk__in=case_ids, status__in=list(OPEN))
        .order_by("pk")
    )
    actor = Actor.engine(version.organization, rule=f"{version.label}: schedule {name}")
    ran = 0
    for case in cases:
        engine.on_case_event(
            CaseEvent(case=case, trigger="schedule", actor=actor, at=now, data={"schedule": name})
        )
        ran += 1
    return ran


def _tick_accounts(version: PlaybookVersion, spec: ScheduleDef, now: dt.datetime) -> int:
    """A schedule for programs runs its rules once per running program (term not over
    yet, in the organization's zone); one for customers, once per customer. Only the
    active version watches accounts: they have no version of their own."""
    if not version.is_active:
        return 0
    data = {"schedule": spec.name}
    if spec.for_ == "programs":
        today = now.astimezone(zoneinfo.ZoneInfo(version.organization.timezone)).date()
        programs = (
            Program.objects.select_related("customer__organization")
            .filter(customer__organization_id=version.organization_id)
            .filter(Q(term_end__isnull=True) | Q(term_end__gte=today))
            .order_by("pk")
        )
        for program in programs:
            accounts.on_account_event(
                accounts.AccountEvent(
                    customer=program.customer,
                    trigger="schedule",
                    at=now,
                    data=data,
                    program=program,
                ),
                version=version,
            )
        return 0
    customers = Customer.objects.select_related("organization").filter(
        organization_id=version.organization_id
    )
    for customer in customers.order_by("pk"):
        accounts.on_account_event(
            accounts.AccountEvent(customer=customer, trigger="schedule", at=now, data=data),
            version=version,
        )
    return 0
