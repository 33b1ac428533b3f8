"""Signal intake (MT1): many rows in, each checked on its own, the good ones stored at
once. A bad row names its field and does not stop the others; a repeated
(source, source_id) is counted as a duplicate, within one batch and across batches.

On PostgreSQL the rows go through ``COPY`` into a temporary staging table and one
``INSERT … SELECT … ON CONFLICT DO NOTHING`` (the database counts what was new); on
SQLite through one ``executemany`` of ``INSERT … ON CONFLICT DO NOTHING`` per chunk.
Either way there is no model instance per row and one query checks every customer id
of the batch. Stored signals wait (``processed_at`` NULL) for the worker
(:mod:`ladder.health.processing`)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ladder.customers.models import Customer
from ladder.errors import Invalid
from ladder.health.models import Signal, SignalKind
from ladder.tenancy.actors import Actor
from ladder.tenancy.permissions import Permission

FIELDS = ("customer_id", "kind", "occurred_at", "source", "source_id", "value", "note")
REQUIRED = ("customer_id", "kind", "occurred_at", "source", "source_id")
MAX_SOURCE = 64
MAX_SOURCE_ID = 200
MAX_NOTE = 2_000
# How far ahead of the server's clock a signal may say it happened (clock skew).
MAX_AHEAD = dt.timedelta(hours=1)
# The model's numeric(18, 4): at most 14 digits before the point.
MAX_VALUE = Decimal(10) ** 14
FOUR_PLACES = Decimal("0.0001")
SQLITE_CHUNK = 5_000
KINDS = frozenset(SignalKind.values)
FIELD_SET = frozenset(FIELDS)


@dataclass(frozen=True)
class RowError:
    """One refused row: its number (the index in the batch, or the CSV line), the field
    and the reason."""

    row: int
    field: str
    message: str


@dataclass
class IngestResult:
    created: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({e.row for e in self.errors})


class _Row(NamedTuple):
    """A checked row, its fields in the order of ``_COLUMNS`` (COPY writes it as is)."""

    customer_id: int
    kind: str
    occurred_at: dt.datetime
    source: str
    source_id: str
    value: Decimal | None
    note: str


class _Bad(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _text(raw: Any, name: str, limit: int, *, required: bool) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise _Bad(name, _("must be text"))
    value = raw.strip()
    if required and not value:
        raise _Bad(name, _("is required"))
    if len(value) > limit:
        raise _Bad(name, _("is longer than %(limit)s characters") % {"limit": limit})
    if "\x00" in value:
        raise _Bad(name, _("must not contain NUL characters"))
    return value


def _customer_id(raw: Any) -> int:
    if isinstance(raw, bool):
        raise _Bad("customer_id", _("must be a customer id"))
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) <= 18:
        value = int(raw.strip())
    elif raw is None or raw == "":
        raise _Bad("customer_id", _("is required"))
    else:
        raise _Bad("customer_id", _("must be a customer id"))
    if not 1 <= value < 2**63:
        raise _Bad("customer_id", _("must be a customer id"))
    return value


def _occurred_at(raw: Any, latest: dt.datetime) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, str) and raw.strip():
        try:
            value = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            raise _Bad(
                "occurred_at", _("must be an ISO 8601 time, e.g. 2026-03-02T10:00:00+08:00")
            ) from None
    elif raw is None or raw == "":
        raise _Bad("occurred_at", _("is required"))
    else:
        raise _Bad("occurred_at", _("must be an ISO 8601 time, e.g. 2026-03-02T10:00:00+08:00"))
    if value.tzinfo is None or value.utcoffset() is None:
        raise _Bad("occurred_at", _("must include a UTC offset, e.g. +08:00 or Z"))
    if value > latest:
        raise _Bad("occurred_at", _("is in the future"))
    if value.year < 1971:
        raise _Bad("occurred_at", _("is before 1971"))
    return value.astimezone(dt.UTC)


def _value(raw: Any) -> Decimal | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise _Bad("value", _("must be a number"))
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise _Bad("value", _("must be a finite number"))
        raw = repr(raw)
    try:
        value = Decimal(raw.strip() if isinstance(raw, str) else raw)
    except (InvalidOperation, TypeError, ValueError):
        raise _Bad("value", _("must be a number")) from None
    if not value.is_finite():
        raise _Bad("value", _("must be a finite number"))
    if abs(value) >= MAX_VALUE:
        raise _Bad("value", _("must be less than 10^14 in size"))
    return value.quantize(FOUR_PLACES)


def _check(raw: Any, latest: dt.datetime) -> _Row:
    if not isinstance(raw, Mapping):
        raise _Bad("row", _("must be an object with the signal's fields"))
    if not FIELD_SET.issuperset(raw):
        unknown = next(name for name in raw if name not in FIELD_SET)
        raise _Bad(str(unknown), _("is not a field of a signal"))
    kind = raw.get("kind")
    if kind is None or kind == "":
        raise _Bad("kind", _("is required"))
    if kind not in KINDS:
        raise _Bad("kind", _("must be one of %(choices)s") % {"choices": ", ".join(SignalKind)})
    return _Row(
        customer_id=_customer_id(raw.get("customer_id")),
        kind=kind,
        occurred_at=_occurred_at(raw.get("occurred_at"), latest),
        source=_text(raw.get("source"), "source", MAX_SOURCE, required=True),
        source_id=_text(raw.get("source_id"), "source_id", MAX_SOURCE_ID, required=True),
        value=_value(raw.get("value")),
        note=_text(raw.get("note"), "note", MAX_NOTE, required=False),
    )


def _existing_customers(organization_id: int, ids: set[int]) -> set[int]:
    """The ids among ``ids`` that are the organization's customers: one query."""
    if not ids:
        return set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT id FROM customers_customer WHERE organization_id = %s AND id = ANY(%s)",
                [organization_id, sorted(ids)],
            )
            return {r[0] for r in cursor.fetchall()}
    found: set[int] = set()
    ordered = sorted(ids)
    for start in range(0, len(ordered), 10_000):
        chunk = ordered[start : start + 10_000]
        found.update(
            Customer.objects.filter(organization_id=organization_id, pk__in=chunk).values_list(
                "pk", flat=True
            )
        )
    return found


def ingest_signals(
    *,
    actor: Actor,
    rows: Sequence[Any],
    numbers: Sequence[int] | None = None,
    received_at: dt.datetime | None = None,
) -> IngestResult:
    """Checks every row and stores the good ones (MT1). ``numbers`` gives each row's
    number for the errors (the CSV line); by default its index in ``rows``. A row whose
    (source, source_id) the organization already has, or that an earlier row of the same
    batch carries, is a duplicate and is not stored again."""
    actor.require(Permission.SIGNAL_CREATE)
    org_id = actor.organization.pk
    now = received_at or timezone.now()
    latest = now + MAX_AHEAD
    result = IngestResult()
    good: list[tuple[int, _Row]] = []
    for index, raw in enumerate(rows):
        number = numbers[index] if numbers is not None else index
        try:
            good.append((number, _check(raw, latest)))
        except _Bad as bad:
            result.errors.append(RowError(number, bad.field, bad.message))
    known = _existing_customers(org_id, {row.customer_id for _, row in good})
    seen: set[tuple[str, str]] = set()
    fresh: list[_Row] = []
    for number, row in good:
        if row.customer_id not in known:
            result.errors.append(
                RowError(
                    number,
                    "customer_id",
                    _("no customer %(id)s in your organization") % {"id": row.customer_id},
                )
            )
            continue
        key = (row.source, row.source_id)
        if key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        fresh.append(row)
    result.errors.sort(key=lambda e: e.row)
    if fresh:
        with transaction.atomic(durable=True):
            if connection.vendor == "postgresql":
                created = _store_postgres(org_id, fresh, now)
            else:
                created = _store_sqlite(org_id, fresh, now)
        result.created = created
        result.duplicates += len(fresh) - created
    return result


STAGE = "health_signal_stage"
_COLUMNS = "customer_id, kind, occurred_at, source, source_id, value, note"
# Every path writes the same columns: the organization, a checked row, when received.
_INSERT = f"INSERT INTO health_signal (organization_id, {_COLUMNS}, received_at)"


def _store_postgres(organization_id: int, rows: Iterable[_Row], now: dt.datetime) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} ("
            " customer_id bigint NOT NULL, kind varchar(32) NOT NULL,"
            " occurred_at timestamptz NOT NULL, source varchar(64) NOT NULL,"
            " source_id varchar(200) NOT NULL, value numeric(18, 4), note text NOT NULL"
            ") ON COMMIT DELETE ROWS"
        )
        raw = cursor.cursor
        with raw.copy(f"COPY {STAGE} ({_COLUMNS}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)
        cursor.execute(
            f"{_INSERT} SELECT %s, {_COLUMNS}, %s FROM {STAGE}"  # noqa: S608
            # One order for every batch: two batches that share keys then wait on each
            # other in the same order, and never deadlock.
            " ORDER BY source, source_id"
            " ON CONFLICT (organization_id, source, source_id) DO NOTHING",
            [organization_id, now],
        )
        created: int = cursor.rowcount
        # ON COMMIT DELETE ROWS empties the stage; a caller's outer transaction (tests)
        # may not commit between two batches, so empty it now.
        cursor.execute(f"TRUNCATE {STAGE}")
        return created


def _store_sqlite(organization_id: int, rows: Sequence[_Row], now: dt.datetime) -> int:
    ops = connection.ops
    received = ops.adapt_datetimefield_value(now)
    created = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), SQLITE_CHUNK):
            params = [
                (
                    organization_id,
                    r.customer_id,
                    r.kind,
                    ops.adapt_datetimefield_value(r.occurred_at),
                    r.source,
                    r.source_id,
                    ops.adapt_decimalfield_value(r.value, 18, 4),
                    r.note,
                    received,
                )
                for r in rows[start : start + SQLITE_CHUNK]
            ]
            cursor.executemany(
                f"{_INSERT} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (organization_id, source, source_id) DO NOTHING",
                params,
            )
            created += cursor.rowcount
    return created


def record_signal(*, actor: Actor, row: Mapping[str, Any]) -> tuple[Signal, bool]:
    """One signal (the API's single POST): the stored signal and True, or — when the
    organization already has its (source, source_id) — the one stored before and
    False. A bad field is refused with :class:`~ladder.errors.Invalid` naming it."""
    actor.require(Permission.SIGNAL_CREATE)
    org = actor.organization
    now = timezone.now()
    try:
        checked = _check(row, now + MAX_AHEAD)
    except _Bad as bad:
        raise Invalid.field(bad.field, bad.message) from None
    ops = connection.ops
    with connection.cursor() as cursor:
        # One statement checks the customer is the organization's, stores the signal
        # and skips a repeat: the common case costs one round trip, no transaction.
        cursor.execute(
            f"{_INSERT} SELECT organization_id, id, %s, %s, %s, %s, %s, %s, %s"  # noqa: S608
            " FROM customers_customer"
            " WHERE id = %s AND organization_id = %s"
            " ON CONFLICT (organization_id, source, source_id) DO NOTHING RETURNING id",
            [
                checked.kind,
                ops.adapt_datetimefield_value(checked.occurred_at),
                checked.source,
                checked.source_id,
                ops.adapt_decimalfield_value(checked.value, 18, 4),
                checked.note,
                ops.adapt_datetimefield_value(now),
                checked.customer_id,
                org.pk,
            ],
        )
        inserted = cursor.fetchone()
    if inserted is not None:
        signal = Signal(
            id=inserted[0],
            organization=org,
            customer_id=checked.customer_id,
            kind=checked.kind,
            occurred_at=checked.occurred_at,
            source=checked.source,
            source_id=checked.source_id,
            value=checked.value,
            note=checked.note,
            received_at=now,
        )
        signal._state.adding = False
        return signal, True
    stored = Signal.objects.filter(
        organization=org, source=checked.source, source_id=checked.source_id
    ).first()
    if stored is None:
        raise Invalid.field(
            "customer_id",
            _("no customer %(id)s in your organization") % {"id": checked.customer_id},
        )
    return stored, False
