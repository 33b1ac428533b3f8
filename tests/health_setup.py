"""Signals for the health tests, written as the intake writes them (the intake has its own
tests in tests/test_signals_*.py; these tests need signals of a known age)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from ladder.customers.models import Customer
from ladder.health.models import Signal

_ids = itertools.count(1)


def add_signal(
    customer: Customer,
    kind: str,
    occurred_at: dt.datetime,
    *,
    source: str = "tests",
    value: Decimal | None = None,
    note: str = "",
) -> Signal:
    signal: Signal = Signal.objects.create(
        organization_id=customer.organization_id,
        customer=customer,
        kind=kind,
        occurred_at=occurred_at,
        source=source,
        source_id=f"signal-{next(_ids)}",
        value=value,
        note=note,
        received_at=occurred_at,
        processed_at=occurred_at,
    )
    return signal
