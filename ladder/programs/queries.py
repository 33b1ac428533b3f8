"""Reads of programs shared by the API, the customer page and the rules: a program with
its pace (see ``ladder.programs.fields``) and its sessions."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone

from ladder.customers.models import Customer, Program, Session
from ladder.errors import NotFound
from ladder.paging import Page, keyset_page
from ladder.programs import fields
from ladder.tenancy.models import Organization


@dataclass(frozen=True)
class ProgramRow:
    program: Program
    unused: Decimal
    planned: Decimal | None
    pace_behind: Decimal | None
    last_session_at: dt.datetime | None
    days_since_last_session: int | None


def local_today(organization: Organization, now: dt.datetime | None = None) -> dt.date:
    """Today's date in the organization's time zone."""
    at = now or timezone.now()
    return at.astimezone(zoneinfo.ZoneInfo(organization.timezone)).date()


def _row(program: Program, last: dt.datetime | None, today: dt.date, zone: str) -> ProgramRow:
    last_day = last.astimezone(zoneinfo.ZoneInfo(zone)).date() if last else None
    return ProgramRow(
        program=program,
        unused=fields.unused(program),
        planned=fields.planned_units(program, today),
        pace_behind=fields.pace_behind(program, today),
        last_session_at=last,
        days_since_last_session=fields.days_since_last_session(program, today, last_day),
    )


def programs_of(*, organization: Organization, customer: Customer) -> list[ProgramRow]:
    """The customer's programs with their pace, in one query."""
    today = local_today(organization)
    programs = (
        Program.objects.filter(customer=customer, customer__organization=organization)
        .select_related("owner", "tutor")
        .annotate(last_session_at=Max("sessions__held_at"))
        .order_by("term_start", "id")
    )
    return [_row(p, p.last_session_at, today, organization.timezone) for p in programs]


def get_program(*, organization: Organization, program_id: int) -> ProgramRow:
    program = (
        Program.objects.filter(customer__organization=organization, pk=program_id)
        .annotate(last_session_at=Max("sessions__held_at"))
        .first()
    )
    if program is None:
        raise NotFound("program")
    return _row(
        program,
        program.last_session_at,
        local_today(organization),
        organization.timezone,
    )


def list_sessions(
    *, organization: Organization, program_id: int, cursor: str | None, limit: int
) -> Page[Session]:
    if not Program.objects.filter(customer__organization=organization, pk=program_id).exists():
        raise NotFound("program")
    qs = Session.objects.filter(program_id=program_id)
    return keyset_page(qs, order=("-held_at", "-id"), cursor=cursor, limit=limit)


def last_session_day(program: Program, zone: zoneinfo.ZoneInfo) -> dt.date | None:
    """The local date of the program's latest session (one query)."""
    last = Session.objects.filter(program=program).aggregate(last=Max("held_at"))["last"]
    return last.astimezone(zone).date() if last is not None else None
