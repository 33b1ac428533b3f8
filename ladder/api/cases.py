"""/api/v1/cases: the case list, one case, its actions, interactions and timeline."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Response
from ninja.responses import Status as Reply

from ladder.api.auth import actor_of
from ladder.api.http import (
    IdempotencyKeyHeader,
    IfMatch,
    etag,
    expected_version,
    idempotent,
    responses,
)
from ladder.api.schemas import (
    AssignIn,
    CaseIn,
    CaseOut,
    CasePageOut,
    CasePatch,
    Cursor,
    EscalateIn,
    InteractionIn,
    InteractionOut,
    InteractionPageOut,
    Limit,
    StaleCaseOut,
    TimelinePageOut,
    TransitionIn,
    case_out,
    case_row_out,
    interaction_out,
    timeline_event_out,
)
from ladder.cases import actions, queries
from ladder.cases.actions import CaseEdit
from ladder.cases.models import Case, Kind
from ladder.cases.states import Status
from ladder.errors import StaleVersion

router = Router(tags=["cases"])


class CaseListQuery(Schema):
    status: Status | None = None
    tier: Annotated[int, Field(ge=1, le=32)] | None = None
    owner_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    team_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    kind: Kind | None = None
    category: Annotated[str, Field(max_length=100)] | None = None
    customer_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    unowned: bool = False
    q: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="text search: reference, subject, description, customer name"
    )
    sort: queries.SortName = "-created_at"
    cursor: Cursor | None = None
    limit: Limit = 50


def _stale(case_id: int, request: HttpRequest, exc: StaleVersion) -> Reply[StaleCaseOut]:
    current = queries.get_case(organization=actor_of(request).organization, case_id=case_id)
    return Reply(412, StaleCaseOut(detail=str(exc), current=case_out(current)))


def _reply(response: HttpResponse, case: Case, status: int = 200) -> Reply[CaseOut]:
    response["ETag"] = etag(case.version)
    return Reply(status, case_out(case))


@router.get("/cases", response=responses({200: CasePageOut}), summary="List cases")
def list_cases(request: HttpRequest, params: Query[CaseListQuery]) -> HttpResponse:
    """Cases of your organization, newest first by default, a page at a time. Follow
    `next_cursor` for the next page; there is no total count."""
    page = queries.list_case_rows(
        organization=actor_of(request).organization,
        filters=queries.CaseFilters(
            status=params.status,
            tier=params.tier,
            owner_id=params.owner_id,
            team_id=params.team_id,
            kind=params.kind,
            category=params.category,
            customer_id=params.customer_id,
            unowned=params.unowned,
            q=params.q,
        ),
        sort=params.sort,
        cursor=params.cursor,
        limit=params.limit,
    )
    # Rendered without a second validation pass; the shape is CasePageOut.
    return Response(
        {"items": [case_row_out(r) for r in page.items], "next_cursor": page.next_cursor}
    )


@router.post("/cases", response=responses({201: CaseOut}, 403, 409), summary="Create a case")
def create_case(
    request: HttpRequest,
    response: HttpResponse,
    body: CaseIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Reply[Any]:
    def run() -> Reply[CaseOut]:
        case = actions.create_case(
            actor=actor_of(request),
            customer_id=body.customer_id,
            kind=body.kind,
            channel=body.channel,
            subject=body.subject,
            description=body.description,
            request_type=body.request_type,
            category=body.category,
            severity=body.severity,
            money_at_stake=body.money_at_stake.to_money("money_at_stake")
            if body.money_at_stake
            else None,
            owner_id=body.owner_id,
            team_id=body.team_id,
        )
        return _reply(response, case, 201)

    return idempotent(request, idempotency_key, body, run, response)


@router.get("/cases/{case_id}", response=responses({200: CaseOut}, 404), summary="Read a case")
def get_case(request: HttpRequest, response: HttpResponse, case_id: int) -> Reply[CaseOut]:
    """The case with its `version`; the `ETag` header carries the same version for
    `If-Match` on updates."""
    case = queries.get_case(organization=actor_of(request).organization, case_id=case_id)
    return _reply(response, case)


@router.patch(
    "/cases/{case_id}",
    response=responses({200: CaseOut, 412: StaleCaseOut}, 403, 404, 428),
    summary="Edit a case's fields",
)
def update_case(
    request: HttpRequest,
    response: HttpResponse,
    case_id: int,
    body: CasePatch,
    if_match: IfMatch = None,
) -> Reply[Any]:
    """Send only the fields to change, with `If-Match`. A stale version gets 412 and
    the case as it is now."""
    version = expected_version(if_match)
    given = body.model_dump(exclude_unset=True)
    changes: CaseEdit = {}
    for field in given:
        if field == "money_at_stake":
            money = body.money_at_stake
            changes["money_at_stake"] = money.to_money(field) if money is not None else None
        else:
            value = getattr(body, field)
            if value is None:
                from ladder.errors import Invalid

                raise Invalid.field(field, "cannot be null")
            changes[field] = value  # type: ignore[literal-required]
    try:
        case = actions.update_case(
            actor=actor_of(request), case_id=case_id, expected_version=version, changes=changes
        )
    except StaleVersion as exc:
        return _stale(case_id, request, exc)
    return _reply(response, queries.get_case(organization=case.organization, case_id=case.pk))


@router.post(
    "/cases/{case_id}/transition",
    response=responses({200: CaseOut, 412: StaleCaseOut}, 403, 404, 409, 428),
    summary="Change a case's status",
)
def transition_case(
    request: HttpRequest,
    response: HttpResponse,
    case_id: int,
    body: TransitionIn,
    if_match: IfMatch = None,
) -> Reply[Any]:
    """Moves the case along the state machine. A move the machine does not allow gets
    409 naming the current status and the allowed ones."""
    version = expected_version(if_match)
    try:
        case = actions.transition_case(
            actor=actor_of(request),
            case_id=case_id,
            expected_version=version,
            to=body.to,
            note=body.note,
        )
    except StaleVersion as exc:
        return _stale(case_id, request, exc)
    return _reply(response, queries.get_case(organization=case.organization, case_id=case.pk))


@router.post(
    "/cases/{case_id}/assign",
    response=responses({200: CaseOut, 412: StaleCaseOut}, 403, 404, 428),
    summary="Assign a case to an owner and a team",
)
def assign_case(
    request: HttpRequest,
    response: HttpResponse,
    case_id: int,
    body: AssignIn,
    if_match: IfMatch = None,
) -> Reply[Any]:
    version = expected_version(if_match)
    actor = actor_of(request)
    current = queries.get_case(organization=actor.organization, case_id=case_id)
    given = body.model_fields_set
    try:
        case = actions.assign_case(
            actor=actor,
            case_id=case_id,
            expected_version=version,
            owner_id=body.owner_id if "owner_id" in given else current.owner_id,
            team_id=body.team_id if "team_id" in given else current.team_id,
        )
    except StaleVersion as exc:
        return _stale(case_id, request, exc)
    return _reply(response, queries.get_case(organization=case.organization, case_id=case.pk))


@router.post(
    "/cases/{case_id}/escalate",
    response=responses({200: CaseOut, 412: StaleCaseOut}, 403, 404, 409, 428),
    summary="Escalate a case to a higher tier with a handoff summary",
)
def escalate_case(
    request: HttpRequest,
    response: HttpResponse,
    case_id: int,
    body: EscalateIn,
    if_match: IfMatch = None,
) -> Reply[Any]:
    """IN1: the handoff summary — the details and the source of the dispute — goes on
    the timeline with the escalation."""
    version = expected_version(if_match)
    try:
        case = actions.escalate_case(
            actor=actor_of(request),
            case_id=case_id,
            expected_version=version,
            details=body.details,
            source_of_dispute=body.source_of_dispute,
            to_tier=body.to_tier,
            owner_id=body.owner_id,
            team_id=body.team_id,
        )
    except StaleVersion as exc:
        return _stale(case_id, request, exc)
    return _reply(response, queries.get_case(organization=case.organization, case_id=case.pk))


@router.get(
    "/cases/{case_id}/interactions",
    response=responses({200: InteractionPageOut}, 404),
    summary="List a case's interactions",
)
def list_interactions(
    request: HttpRequest,
    case_id: int,
    cursor: Cursor | None = None,
    limit: Limit = 100,
) -> InteractionPageOut:
    page = queries.case_interactions(
        organization=actor_of(request).organization, case_id=case_id, cursor=cursor, limit=limit
    )
    return InteractionPageOut(
        items=[interaction_out(i) for i in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/cases/{case_id}/interactions",
    response=responses({201: InteractionOut}, 403, 404, 409),
    summary="Log a call, e-mail, meeting, chat, note or contact attempt",
)
def log_interaction(
    request: HttpRequest,
    case_id: int,
    body: InteractionIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Reply[Any]:
    def run() -> Reply[InteractionOut]:
        interaction = actions.log_interaction(
            actor=actor_of(request),
            case_id=case_id,
            kind=body.kind,
            direction=body.direction,
            body=body.body,
            outcome=body.outcome or "",
            occurred_at=body.occurred_at,
        )
        return Reply(201, interaction_out(interaction))

    return idempotent(request, idempotency_key, body, run)


@router.get(
    "/cases/{case_id}/timeline",
    response=responses({200: TimelinePageOut}, 404),
    summary="Read a case's timeline",
)
def timeline(
    request: HttpRequest,
    case_id: int,
    cursor: Cursor | None = None,
    limit: Limit = 100,
) -> TimelinePageOut:
    """Every change to the case, oldest first: who, when, which field from what to what.
    Append-only: nothing edits or deletes an entry."""
    page = queries.case_timeline(
        organization=actor_of(request).organization, case_id=case_id, cursor=cursor, limit=limit
    )
    return TimelinePageOut(
        items=[timeline_event_out(e) for e in page.items], next_cursor=page.next_cursor
    )
