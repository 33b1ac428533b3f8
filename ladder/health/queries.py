"""Reads on signals."""

from __future__ import annotations

from typing import Any

from ladder.customers.models import Customer
from ladder.health.models import Signal
from ladder.paging import Page, keyset_rows
from ladder.tenancy.models import Organization

SIGNAL_COLUMNS = (
    "id",
    "customer_id",
    "kind",
    "occurred_at",
    "source",
    "source_id",
    "value",
    "note",
    "received_at",
    "processed_at",
)


def customer_signals(
    *, organization: Organization, customer_id: int, cursor: str | None, limit: int
) -> Page[dict[str, Any]] | None:
    """A page of the customer's signals, newest first; None when the customer is not
    the organization's."""
    if not Customer.objects.filter(organization=organization, pk=customer_id).exists():
        return None
    rows = Signal.objects.filter(organization=organization, customer_id=customer_id).values(
        *SIGNAL_COLUMNS
    )
    return keyset_rows(rows, order=["-occurred_at", "-id"], cursor=cursor, limit=limit)
