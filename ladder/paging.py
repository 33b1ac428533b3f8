"""Keyset (cursor) paging shared by every list: no OFFSET and no COUNT, so a page deep
in a list costs what the first page costs. The cursor is opaque to clients."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import models

# Django 5.2 builds row-value comparisons for composite keys; no stubs ship for them.
from django.db.models.fields.tuple_lookups import (  # type: ignore[import-untyped]
    Tuple,
    TupleGreaterThan,
    TupleLessThan,
)

from ladder.errors import Invalid

M = TypeVar("M", bound=models.Model)
R = TypeVar("R")


@dataclass(frozen=True)
class Page(Generic[R]):
    items: list[R]
    next_cursor: str | None


def _dump(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, (int, str)):
        return value
    raise TypeError(f"cannot page on {type(value).__name__}")


def _load(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t"}:
        when = dt.datetime.fromisoformat(value["t"])
        if when.tzinfo is None:
            raise ValueError("naive datetime in cursor")
        return when
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return value
    raise ValueError("bad cursor value")


def encode_cursor(order: Sequence[str], row: models.Model | dict[str, Any]) -> str:
    get = row.get if isinstance(row, dict) else lambda col: getattr(row, col)
    values = [_dump(get(col.lstrip("-"))) for col in order]
    raw = json.dumps([list(order), values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order: Sequence[str]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_order, values = json.loads(raw)
        if cursor_order != list(order) or len(values) != len(order):
            raise ValueError("cursor for another order")
        return [_load(v) for v in values]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise Invalid.field(
            "cursor", "is not a cursor this list gave out (for this sort order)"
        ) from None


Q = TypeVar("Q", bound=models.QuerySet[Any, Any])


def _after_cursor(qs: Q, order: Sequence[str], cursor: str | None) -> Q:
    """``order`` lists columns all ascending or all descending, ending in a unique one."""
    descending = order[0].startswith("-")
    if any(col.startswith("-") != descending for col in order):
        raise ValueError("keyset order must have one direction")
    if cursor:
        values = decode_cursor(cursor, order)
        columns = [col.lstrip("-") for col in order]
        compare = TupleLessThan if descending else TupleGreaterThan
        qs = qs.filter(compare(Tuple(*columns), tuple(values)))
    return qs.order_by(*order)


def keyset_page(
    qs: models.QuerySet[M], *, order: Sequence[str], cursor: str | None, limit: int
) -> Page[M]:
    rows = list(_after_cursor(qs, order, cursor)[: limit + 1])
    items = rows[:limit]
    more = len(rows) > limit
    return Page(items=items, next_cursor=encode_cursor(order, items[-1]) if more else None)


def keyset_rows(
    qs: models.QuerySet[Any, dict[str, Any]],
    *,
    order: Sequence[str],
    cursor: str | None,
    limit: int,
) -> Page[dict[str, Any]]:
    """The same page as :func:`keyset_page`, as plain rows from ``.values()``: for the
    hot lists, where building model instances costs more than the query."""
    rows = list(_after_cursor(qs, order, cursor)[: limit + 1])
    items = rows[:limit]
    more = len(rows) > limit
    return Page(items=items, next_cursor=encode_cursor(order, items[-1]) if more else None)
