"""Use cases of programs: recording delivered sessions (one by one, or a CSV file of
them) and editing a program's owner, tutor, payment, class start and status.

Every session goes through :func:`_add_session`, which keeps ``Program.delivered`` equal
to the sum of the program's sessions; every change of ``delivered`` goes through
:func:`_announce`, which writes ``sessions.recorded`` on the timeline of each of the
customer's open cases and lets their rules react (ED3 feedback duties and ED4 lesson
clocks count delivered lessons)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TypedDict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ladder.cases.actions import record
from ladder.cases.events import CaseEvent
from ladder.cases.models import Case
from ladder.cases.states import OPEN
from ladder.customers.models import Program, ProgramStatus, Session
from ladder.errors import FieldError, Invalid, NotFound, StaleVersion
from ladder.playbooks import engine
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization, Staff
from ladder.tenancy.permissions import Permission

MAX_NOTE = 500
MAX_SOURCE_ID = 100
# A session is delivered, not planned: a clock a little fast on the sender's side is
# forgiven, a session next week is refused.
FUTURE_SLACK = dt.timedelta(minutes=5)
MAX_IMPORT_ROWS = 100_000


@dataclass(frozen=True)
class Recorded:
    """A session and whether this call stored it (False: its source id was known)."""

    session: Session
    created: bool


def _locked_program(actor: Actor, program_id: int) -> Program:
    program = (
        Program.objects.select_for_update()
        .select_related("customer")
        .filter(customer__organization=actor.organization, pk=program_id)
        .first()
    )
    if program is None:
        raise NotFound("program")
    return program


def _plausible(value: dt.datetime) -> bool:
    """Years a desk can mean; the extremes would not survive conversion to UTC."""
    return 1970 <= value.year <= 2999


def _check_session(
    *, held_at: dt.datetime, units: Decimal, note: str, source_id: str, now: dt.datetime
) -> list[FieldError]:
    errors: list[FieldError] = []
    if held_at.tzinfo is None or held_at.utcoffset() is None:
        errors.append(FieldError("held_at", _("needs a time zone offset, e.g. +08:00 or Z")))
    elif not _plausible(held_at):
        errors.append(FieldError("held_at", _("is not between 1970 and 2999")))
    elif held_at > now + FUTURE_SLACK:
        errors.append(FieldError("held_at", _("is in the future")))
    if not units.is_finite() or units <= 0:
        errors.append(FieldError("units", _("must be more than 0")))
    elif units != units.quantize(Decimal("0.01")) or units >= Decimal("10000"):
        errors.append(FieldError("units", _("must be below 10000 with at most two decimals")))
    if len(note) > MAX_NOTE:
        errors.append(
            FieldError("note", _("is longer than %(limit)s characters") % {"limit": MAX_NOTE})
        )
    if len(source_id) > MAX_SOURCE_ID:
        errors.append(
            FieldError(
                "source_id", _("is longer than %(limit)s characters") % {"limit": MAX_SOURCE_ID}
            )
        )
    return errors


def _beyond_purchase(program: Program, units: Decimal) -> Invalid:
    return Invalid.field(
        "units",
        _("would bring %(program)s to %(delivered)s delivered, beyond the %(purchased)s purchased")
        % {
            "program": program.name,
            "delivered": program.delivered + units,
            "purchased": program.purchased,
        },
    )


def _add_session(
    program: Program,
    *,
    actor: Actor,
    held_at: dt.datetime,
    units: Decimal,
    note: str,
    source_id: str,
    now: dt.datetime,
) -> Recorded:
    """Stores one checked session on a locked program and moves ``delivered`` (the
    caller announces the change once it has added all of its sessions)."""
    if source_id:
        known = Session.objects.filter(program=program, source_id=source_id).first()
        if known is not None:
            return Recorded(known, created=False)
    if program.delivered + units > program.purchased:
        raise _beyond_purchase(program, units)
    session = Session.objects.create(
        program=program,
        held_at=held_at,
        units=units,
        note=note,
        source_id=source_id,
        recorded_by=actor.staff,
        recorded_at=now,
    )
    program.delivered += units
    return Recorded(session, created=True)


def _announce(program: Program, *, before: Decimal, actor: Actor, at: dt.datetime) -> None:
    """Saves the program's new ``delivered`` and tells the customer's open cases."""
    if program.delivered == before:
        return
    Program.objects.filter(pk=program.pk).update(delivered=program.delivered)
    cases = (
        Case.objects.select_for_update()
        .filter(customer_id=program.customer_id, status__in=list(OPEN))
        .select_related("organization", "customer")
        .order_by("pk")
    )
    for case in cases:
        record(
            case=case,
            actor=actor,
            kind="sessions.recorded",
            at=at,
            data={"program": program.name, "from": str(before), "to": str(program.delivered)},
        )
        engine.on_case_event(
            CaseEvent(
                case=case,
                trigger="sessions.recorded",
                actor=actor,
                at=at,
                data={"delivered": str(program.delivered)},
            )
        )


def record_session(
    *,
    actor: Actor,
    program_id: int,
    held_at: dt.datetime,
    units: Decimal,
    note: str = "",
    source_id: str = "",
) -> Recorded:
    """Records one delivered session (TD3, ED1). A source id the program already has
    returns that session and changes nothing."""
    actor.require(Permission.CUSTOMER_EDIT)
    now = timezone.now()
    note, source_id = note.strip(), source_id.strip()
    errors = _check_session(held_at=held_at, units=units, note=note, source_id=source_id, now=now)
    with transaction.atomic(durable=True):
        program = _locked_program(actor, program_id)
        if errors:
            raise Invalid(errors)
        before = program.delivered
        result = _add_session(
            program,
            actor=actor,
            held_at=held_at,
            units=units,
            note=note,
            source_id=source_id,
            now=now,
        )
        _announce(program, before=before, actor=actor, at=now)
    return result


def bring_delivered_to(*, actor: Actor, program_id: int, delivered: Decimal) -> Program:
    """Records the sessions that bring a program to ``delivered`` in one entry (a count
    taken from the register rather than session by session). The count never goes
    down: a session is a fact, not a figure to overwrite."""
    actor.require(Permission.CUSTOMER_EDIT)
    now = timezone.now()
    with transaction.atomic(durable=True):
        program = _locked_program(actor, program_id)
        if delivered < program.delivered or delivered > program.purchased:
            raise Invalid.field(
                "delivered",
                _("must be between the %(delivered)s delivered and the %(purchased)s purchased")
                % {"delivered": program.delivered, "purchased": program.purchased},
            )
        if delivered == program.delivered:
            return program
        before = program.delivered
        _add_session(
            program,
            actor=actor,
            held_at=now,
            units=delivered - before,
            note=_("count brought to %(delivered)s") % {"delivered": delivered},
            source_id="",
            now=now,
        )
        _announce(program, before=before, actor=actor, at=now)
    return program


# --- CSV import ----------------------------------------------------------------------

COLUMNS = ("program_id", "held_at", "units", "note", "source_id")


@dataclass
class ImportReport:
    """What an import did: rows stored, rows whose source id was known, and each refused
    row with its line number in the file (the header is line 1)."""

    imported: int = 0
    duplicates: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    line: int
    program_id: int
    held_at: dt.datetime
    units: Decimal
    note: str
    source_id: str


def _parse_row(
    line: int, row: dict[str, str | None], zone: zoneinfo.ZoneInfo, now: dt.datetime
) -> _Row:
    """A row of the file, or Invalid naming the column. A time without an offset is the
    organization's local time (what a register exported from a spreadsheet says)."""
    raw = {k: (row.get(k) or "").strip() for k in COLUMNS}
    errors: list[FieldError] = []
    program_id = 0
    try:
        program_id = int(raw["program_id"])
    except ValueError:
        errors.append(FieldError("program_id", _("is not a number")))
    held_at = now
    try:
        held_at = dt.datetime.fromisoformat(raw["held_at"])
        if held_at.tzinfo is None:
            held_at = held_at.replace(tzinfo=zone)
    except ValueError:
        errors.append(FieldError("held_at", _("is not a date and time like 2026-03-02T18:00")))
    units = Decimal(0)
    try:
        units = Decimal(raw["units"])
    except InvalidOperation:
        errors.append(FieldError("units", _("is not a number")))
    if not errors:
        errors = _check_session(
            held_at=held_at, units=units, note=raw["note"], source_id=raw["source_id"], now=now
        )
    if errors:
        raise Invalid(errors)
    return _Row(line, program_id, held_at, units, raw["note"], raw["source_id"])


def read_rows(text: str) -> Iterable[tuple[int, dict[str, str | None]]]:
    """The file's rows with their line numbers; Invalid if the header lacks a column."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS[:3] if c not in (reader.fieldnames or [])]
    if missing:
        raise Invalid.field(
            "file",
            _("the header lacks %(columns)s (expected %(expected)s)")
            % {"columns": ", ".join(missing), "expected": ",".join(COLUMNS)},
        )
    for row in reader:
        if reader.line_num - 1 > MAX_IMPORT_ROWS:
            raise Invalid.field(
                "file", _("has more than %(limit)s rows") % {"limit": MAX_IMPORT_ROWS}
            )
        yield reader.line_num, row


def import_sessions(*, actor: Actor, text: str) -> ImportReport:
    """Imports a CSV of sessions (``program_id,held_at,units,note,source_id``). A
    malformed row is reported with its line number and the other rows are imported;
    a source id already recorded on the program is skipped. Each program touched
    announces its new count once."""
    actor.require(Permission.CUSTOMER_EDIT)
    now = timezone.now()
    zone = zoneinfo.ZoneInfo(actor.organization.timezone)
    report = ImportReport()
    parsed: list[_Row] = []
    for line, raw in read_rows(text):
        try:
            parsed.append(_parse_row(line, raw, zone, now))
        except Invalid as exc:
            report.errors.append((line, str(exc)))
    with transaction.atomic(durable=True):
        ids = sorted({r.program_id for r in parsed})
        programs = {
            p.pk: p
            for p in Program.objects.select_for_update()
            .select_related("customer")
            .filter(customer__organization=actor.organization, pk__in=ids)
            .order_by("pk")
        }
        before = {pk: p.delivered for pk, p in programs.items()}
        known = set(
            Session.objects.filter(
                program_id__in=list(programs), source_id__in={r.source_id for r in parsed}
            )
            .exclude(source_id="")
            .values_list("program_id", "source_id")
        )
        sessions: list[Session] = []
        for row in parsed:
            program = programs.get(row.program_id)
            if program is None:
                report.errors.append(
                    (row.line, _("program_id: no program %(id)s") % {"id": row.program_id})
                )
                continue
            if row.source_id and (program.pk, row.source_id) in known:
                report.duplicates += 1
                continue
            if program.delivered + row.units > program.purchased:
                report.errors.append((row.line, str(_beyond_purchase(program, row.units))))
                continue
            if row.source_id:
                known.add((program.pk, row.source_id))
            program.delivered += row.units
            sessions.append(
                Session(
                    program=program,
                    held_at=row.held_at,
                    units=row.units,
                    note=row.note,
                    source_id=row.source_id,
                    recorded_by=actor.staff,
                    recorded_at=now,
                )
            )
        Session.objects.bulk_create(sessions, batch_size=1000)
        report.imported = len(sessions)
        for pk, program in programs.items():
            _announce(program, before=before[pk], actor=actor, at=now)
    report.errors.sort()
    return report


# --- editing a program ---------------------------------------------------------------


class ProgramEdit(TypedDict, total=False):
    """The editable fields of a program; a key that is present is a change."""

    owner_id: int | None
    tutor_id: int | None
    tutor_name: str
    status: str
    paid_at: dt.datetime | None
    class_start: dt.date | None
    term_start: dt.date | None
    term_end: dt.date | None
    tutor_requested_at: dt.datetime | None
    tutor_matched_at: dt.datetime | None
    match_within_hours: int | None


def _staff_in(org: Organization, staff_id: int, name: str) -> Staff:
    staff = Staff.objects.filter(organization=org, pk=staff_id).first()
    if staff is None:
        raise Invalid.field(
            name, _("no staff member %(id)s in your organization") % {"id": staff_id}
        )
    return staff


def _aware(value: dt.datetime | None, name: str, errors: list[FieldError]) -> None:
    if value is None:
        return
    if value.tzinfo is None or value.utcoffset() is None:
        errors.append(FieldError(name, _("needs a time zone offset, e.g. +08:00 or Z")))
    elif not _plausible(value):
        errors.append(FieldError(name, _("is not between 1970 and 2999")))


def update_program(
    *, actor: Actor, program_id: int, expected_version: int, changes: ProgramEdit
) -> Program:
    """Edits a program's owner (ED1 class teacher), tutor, waiting list dates (ED2),
    tutor matching (TD3), term and status."""
    actor.require(Permission.CUSTOMER_EDIT)
    org = actor.organization
    errors: list[FieldError] = []
    values: dict[str, object] = {}
    for name in ("paid_at", "tutor_requested_at", "tutor_matched_at"):
        if name in changes:
            _aware(changes[name], name, errors)
            values[name] = changes[name]
    if "status" in changes:
        if changes["status"] not in ProgramStatus.values:
            errors.append(
                FieldError(
                    "status",
                    _("must be one of %(choices)s") % {"choices": ", ".join(ProgramStatus.values)},
                )
            )
        values["status"] = changes["status"]
    if "tutor_name" in changes:
        if len(changes["tutor_name"]) > 200:
            errors.append(FieldError("tutor_name", _("is longer than 200 characters")))
        values["tutor_name"] = changes["tutor_name"].strip()
    if "match_within_hours" in changes:
        hours = changes["match_within_hours"]
        if hours is not None and not 0 < hours <= 24 * 365:
            errors.append(FieldError("match_within_hours", _("must be between 1 and 8760")))
        values["match_within_hours"] = hours
    for name in ("class_start", "term_start", "term_end"):
        if name in changes:
            values[name] = changes[name]  # type: ignore[literal-required]
    if errors:
        raise Invalid(errors)
    for name in ("owner_id", "tutor_id"):
        if name in changes:
            staff_id = changes[name]  # type: ignore[literal-required]
            values[name.removesuffix("_id")] = (
                _staff_in(org, staff_id, name) if staff_id is not None else None
            )
    with transaction.atomic(durable=True):
        program = _locked_program(actor, program_id)
        if program.version != expected_version:
            raise StaleVersion(expected=expected_version, current=program.version)
        for name, value in values.items():
            setattr(program, name, value)
        if program.term_start and program.term_end and program.term_end < program.term_start:
            raise Invalid.field("term_end", _("is before term_start"))
        if (
            program.tutor_requested_at
            and program.tutor_matched_at
            and program.tutor_matched_at < program.tutor_requested_at
        ):
            raise Invalid.field("tutor_matched_at", _("is before tutor_requested_at"))
        if not values:
            return program
        program.version += 1
        program.save(update_fields=[*values, "version"])
    return program
