"""/api/v1: early-warning signals (MT1) — one, in bulk (10,000 rows a request), through
the signed webhook for systems without tokens, and a customer's signals, newest first.

The bulk routes read their JSON body themselves and check each row with the intake's
own checks (one Pydantic model per row would cost more than storing it); the schema
they accept is documented all the same."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status as Reply
from pydantic import AwareDatetime, StringConstraints

from ladder.api.auth import actor_of
from ladder.api.http import responses
from ladder.api.schemas import Cursor, ErrorOut, ValidationErrorOut
from ladder.delivery.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from ladder.errors import Invalid, NotFound
from ladder.health import intake
from ladder.health.models import Signal, SignalKind
from ladder.health.queries import SIGNAL_COLUMNS, customer_signals
from ladder.signals.hooks import ORGANIZATION_HEADER, HookRefused, accept_hook
from ladder.tenancy.actors import Actor

router = Router(tags=["signals"])

MAX_ROWS = 10_000
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


# --- schemas ---------------------------------------------------------------------------


class SignalIn(Schema):
    customer_id: Id
    kind: SignalKind
    occurred_at: AwareDatetime = Field(
        description="when it happened, with its UTC offset; at most an hour ahead of ours"
    )
    source: Annotated[str, StringConstraints(min_length=1, max_length=intake.MAX_SOURCE)] = Field(
        description="the system it comes from, e.g. billing"
    )
    source_id: Annotated[str, StringConstraints(min_length=1, max_length=intake.MAX_SOURCE_ID)] = (
        Field(description="its id in that system: a repeated (source, source_id) is ignored")
    )
    value: Annotated[Decimal, Field(max_digits=18, decimal_places=4)] | None = Field(
        default=None, description="a number the signal carries (days past due, an NPS score…)"
    )
    note: Annotated[str, StringConstraints(max_length=intake.MAX_NOTE)] = ""


class SignalOut(Schema):
    id: int
    customer_id: int
    kind: str
    occurred_at: dt.datetime
    source: str
    source_id: str
    value: str | None = Field(description="decimal as a string, or null")
    note: str
    received_at: dt.datetime
    processed_at: dt.datetime | None = Field(
        description="when the worker ran the playbook's rules and the score for it"
    )
    duplicate: bool = Field(
        default=False, description="true: the signal was stored before, this one was ignored"
    )


class SignalPageOut(Schema):
    items: list[SignalOut]
    next_cursor: str | None = Field(
        description="pass as ?cursor= for the next page; null at the end"
    )


class BulkIn(Schema):
    rows: list[SignalIn] = Field(max_length=MAX_ROWS)


class RowErrorOut(Schema):
    row: int = Field(description="the row's index in `rows`, from 0")
    field: str
    message: str


class BulkOut(Schema):
    created: int
    duplicates: int = Field(description="rows whose (source, source_id) was already stored")
    rejected: int = Field(description="rows refused; `errors` says why")
    errors: list[RowErrorOut]


def _body_doc(description: str) -> dict[str, Any]:
    schema = BulkIn.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    # Any row is accepted and a bad one reported in `errors` (with 200), so the schema
    # says a row is a SignalIn or anything else.
    rows = schema["properties"]["rows"]
    rows["items"] = {
        "anyOf": [rows["items"], {}],
        "description": "a signal (SignalIn); a row that is not one is listed in `errors`",
    }
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
    }


def _signal_out(signal: Signal | dict[str, Any], *, duplicate: bool = False) -> SignalOut:
    row: dict[str, Any] = (
        signal if isinstance(signal, dict) else {k: getattr(signal, k) for k in SIGNAL_COLUMNS}
    )
    value = row["value"]
    return SignalOut(
        id=row["id"],
        customer_id=row["customer_id"],
        kind=row["kind"],
        occurred_at=row["occurred_at"],
        source=row["source"],
        source_id=row["source_id"],
        value=str(value) if value is not None else None,
        note=row["note"],
        received_at=row["received_at"],
        processed_at=row["processed_at"],
        duplicate=duplicate,
    )


def _rows(body: bytes) -> list[Any]:
    """The rows of a bulk body, checked only for shape; the intake checks each row."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Invalid.field("body", _("is not JSON")) from None
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise Invalid.field("rows", _("is required: a list of signals"))
    rows: list[Any] = data["rows"]
    if len(rows) > MAX_ROWS:
        raise Invalid.field("rows", _("has more than %(max)s rows") % {"max": MAX_ROWS})
    return rows


def _bulk(actor: Actor, body: bytes) -> BulkOut:
    result = intake.ingest_signals(actor=actor, rows=_rows(body))
    return BulkOut(
        created=result.created,
        duplicates=result.duplicates,
        rejected=result.rejected,
        errors=[RowErrorOut(row=e.row, field=e.field, message=e.message) for e in result.errors],
    )


# --- routes ------------------------------------------------------------------------------


@router.post(
    "/signals",
    response=responses({201: SignalOut, 200: SignalOut}, 403),
    summary="Record a signal",
)
def post_signal(request: HttpRequest, body: SignalIn) -> Reply[SignalOut]:
    """MT1. 201 with the stored signal; 200 with `duplicate: true` and the signal stored
    before when the organization already has this (source, source_id). The worker then
    runs the active playbook's `signal.received` rules and recomputes the health score.
    Another organization's customer is refused (422 naming `customer_id`)."""
    row = body.model_dump()
    row["kind"] = body.kind.value
    signal, created = intake.record_signal(actor=actor_of(request), row=row)
    if created:
        return Reply(201, _signal_out(signal))
    return Reply(200, _signal_out(signal, duplicate=True))


@router.post(
    "/signals/bulk",
    # 413: a body over LADDER_BULK_BODY_MAX (ladder/api/large_bodies.py).
    response=responses({200: BulkOut, 413: ErrorOut}, 403),
    summary="Record up to 10,000 signals",
    openapi_extra=_body_doc("`{rows: [signal, …]}`, at most 10,000 rows"),
)
def post_signals_bulk(request: HttpRequest) -> BulkOut:
    """MT1. Each row is checked on its own: a bad row is listed in `errors` with its
    index, field and reason, and the good rows are stored. A (source, source_id) the
    organization has, or that an earlier row carries, counts as a duplicate. 422 only
    when the body is not `{rows: [...]}` or has more than 10,000 rows."""
    return _bulk(actor_of(request), request.body)


@router.post(
    "/hooks/signals",
    auth=None,
    response={200: BulkOut, 400: ErrorOut, 401: ErrorOut, 413: ErrorOut, 422: ValidationErrorOut},
    summary="Signed webhook: record up to 10,000 signals",
    openapi_extra={
        **_body_doc("the same body as `POST /signals/bulk`"),
        "parameters": [
            {
                "in": "header",
                "name": name,
                "required": True,
                "schema": {"type": "string"},
                "description": description,
            }
            for name, description in (
                (ORGANIZATION_HEADER, "the organization's slug"),
                (TIMESTAMP_HEADER, "Unix seconds; at most 5 minutes from our clock"),
                (
                    SIGNATURE_HEADER,
                    '"sha256=" + hex HMAC-SHA256 of "<timestamp>.<body>" with the '
                    "organization's hook secret (`ladder signals hook-secret ORG`)",
                ),
            )
        ],
    },
)
def post_signals_hook(request: HttpRequest) -> Reply[Any]:
    """MT1, for systems without API tokens: the bulk body, signed with the
    organization's hook secret. Unsigned, a stale timestamp, a wrong signature or a
    signature already accepted (a replay): 401."""
    try:
        org = accept_hook(
            slug=request.headers.get(ORGANIZATION_HEADER, ""),
            timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
            signature=request.headers.get(SIGNATURE_HEADER, ""),
            body=request.body,
        )
    except HookRefused as refused:
        return Reply(401, ErrorOut(detail=str(refused)))
    return Reply(200, _bulk(Actor.engine(org, rule="signal webhook"), request.body))


@router.get(
    "/customers/{customer_id}/signals",
    response=responses({200: SignalPageOut}, 404),
    summary="A customer's signals",
)
def list_customer_signals(
    request: HttpRequest,
    customer_id: Id,
    cursor: Cursor | None = None,
    limit: Annotated[int, Field(ge=1, le=200)] = 50,
) -> SignalPageOut:
    """Newest first (by when they happened), with whether the worker has processed
    each one."""
    page = customer_signals(
        organization=actor_of(request).organization,
        customer_id=customer_id,
        cursor=cursor,
        limit=limit,
    )
    if page is None:
        raise NotFound("customer")
    return SignalPageOut(items=[_signal_out(s) for s in page.items], next_cursor=page.next_cursor)
