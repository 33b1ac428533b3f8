"""/api/v1/programs: a program's sessions (TD3, ED1) and its owner, tutor, waiting-list
dates and status (ED2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.responses import Status as Reply
from pydantic import StringConstraints

from ladder.api.auth import actor_of
from ladder.api.http import IfMatch, etag, expected_version, responses
from ladder.api.schemas import Cursor, Id, Limit
from ladder.customers.models import Program, ProgramStatus, ProgramUnit, Session
from ladder.errors import StaleVersion
from ladder.programs import actions, queries
from ladder.programs.actions import ProgramEdit

router = Router(tags=["programs"])

Units = Annotated[Decimal, Field(max_digits=6, decimal_places=2)]


class SessionIn(Schema):
    held_at: dt.datetime = Field(description="when it was held, with its offset")
    units: Units = Field(description="lessons or hours delivered, e.g. 1 or 1.5")
    note: Annotated[str, StringConstraints(max_length=500)] = ""
    source_id: Annotated[str, StringConstraints(max_length=100)] = Field(
        "", description="the sender's id of the session; a repeated one is ignored"
    )


class SessionOut(Schema):
    id: int
    program_id: int
    held_at: dt.datetime
    units: str
    note: str
    source_id: str
    recorded_at: dt.datetime


class SessionPageOut(Schema):
    items: list[SessionOut]
    next_cursor: str | None


class ProgramDetailOut(Schema):
    id: int
    customer_id: int
    name: str
    unit: ProgramUnit
    status: ProgramStatus
    purchased: str
    delivered: str
    unused: str
    pace_behind: str | None = Field(
        description="planned minus delivered units, in percent of the purchase"
    )
    term_start: dt.date | None
    term_end: dt.date | None
    cohort: str
    owner_id: int | None
    tutor_id: int | None
    tutor_name: str
    paid_at: dt.datetime | None
    class_start: dt.date | None
    tutor_requested_at: dt.datetime | None
    tutor_matched_at: dt.datetime | None
    match_within_hours: int | None
    last_session_at: dt.datetime | None
    version: int


class ProgramPatch(Schema):
    owner_id: Id | None = None
    tutor_id: Id | None = None
    tutor_name: Annotated[str, StringConstraints(max_length=200)] | None = None
    status: ProgramStatus | None = None
    paid_at: dt.datetime | None = None
    class_start: dt.date | None = None
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    tutor_requested_at: dt.datetime | None = None
    tutor_matched_at: dt.datetime | None = None
    match_within_hours: Annotated[int, Field(ge=1, le=8760)] | None = None


def _units(value: Decimal) -> str:
    return f"{value:.2f}"


def session_out(s: Session) -> SessionOut:
    return SessionOut(
        id=s.pk,
        program_id=s.program_id,
        held_at=s.held_at,
        units=_units(s.units),
        note=s.note,
        source_id=s.source_id,
        recorded_at=s.recorded_at,
    )


def program_out(row: queries.ProgramRow) -> ProgramDetailOut:
    p: Program = row.program
    return ProgramDetailOut(
        id=p.pk,
        customer_id=p.customer_id,
        name=p.name,
        unit=ProgramUnit(p.unit),
        status=ProgramStatus(p.status),
        purchased=_units(p.purchased),
        delivered=_units(p.delivered),
        unused=_units(row.unused),
        pace_behind=str(row.pace_behind) if row.pace_behind is not None else None,
        term_start=p.term_start,
        term_end=p.term_end,
        cohort=p.cohort,
        owner_id=p.owner_id,
        tutor_id=p.tutor_id,
        tutor_name=p.tutor_name,
        paid_at=p.paid_at,
        class_start=p.class_start,
        tutor_requested_at=p.tutor_requested_at,
        tutor_matched_at=p.tutor_matched_at,
        match_within_hours=p.match_within_hours,
        last_session_at=row.last_session_at,
        version=p.version,
    )


@router.get(
    "/programs/{program_id}",
    response=responses({200: ProgramDetailOut}, 404),
    summary="Read a program, with its pace",
)
def get_program(request: HttpRequest, response: HttpResponse, program_id: int) -> Any:
    row = queries.get_program(organization=actor_of(request).organization, program_id=program_id)
    response["ETag"] = etag(row.program.version)
    return program_out(row)


@router.patch(
    "/programs/{program_id}",
    response=responses({200: ProgramDetailOut}, 403, 404, 412, 428),
    summary="Edit a program's owner, tutor, waiting-list dates or status",
)
def update_program(
    request: HttpRequest,
    response: HttpResponse,
    program_id: int,
    body: ProgramPatch,
    if_match: IfMatch = None,
) -> Any:
    version = expected_version(if_match)
    actor = actor_of(request)
    changes: dict[str, Any] = {k: getattr(body, k) for k in body.model_fields_set}
    if "tutor_name" in changes and changes["tutor_name"] is None:
        changes["tutor_name"] = ""
    if "status" in changes and changes["status"] is not None:
        changes["status"] = str(changes["status"])
    try:
        actions.update_program(
            actor=actor,
            program_id=program_id,
            expected_version=version,
            changes=ProgramEdit(**changes),  # type: ignore[typeddict-item]
        )
    except StaleVersion as exc:
        return Reply(412, {"detail": str(exc)})
    row = queries.get_program(organization=actor.organization, program_id=program_id)
    response["ETag"] = etag(row.program.version)
    return program_out(row)


@router.get(
    "/programs/{program_id}/sessions",
    response=responses({200: SessionPageOut}, 404),
    summary="List a program's sessions, newest first",
)
def list_sessions(
    request: HttpRequest,
    program_id: int,
    cursor: Cursor | None = None,
    limit: Limit = 50,
) -> SessionPageOut:
    page = queries.list_sessions(
        organization=actor_of(request).organization,
        program_id=program_id,
        cursor=cursor,
        limit=limit,
    )
    return SessionPageOut(items=[session_out(s) for s in page.items], next_cursor=page.next_cursor)


@router.post(
    "/programs/{program_id}/sessions",
    response=responses({201: SessionOut, 200: SessionOut}, 403, 404),
    summary="Record a delivered session",
    description="A `source_id` the program already has answers 200 with that session.",
)
def record_session(request: HttpRequest, program_id: int, body: SessionIn) -> Any:
    result = actions.record_session(
        actor=actor_of(request),
        program_id=program_id,
        held_at=body.held_at,
        units=body.units,
        note=body.note,
        source_id=body.source_id,
    )
    return Reply(201 if result.created else 200, session_out(result.session))
