"""The customer fields this app adds to ``ladder.playbooks.conditions.CUSTOMER_FIELDS``
(MT1), for case rules and account rules alike:

- ``customer.health_score``: the score as last computed (0–100), empty before the
  account's first signal;
- ``customer.health_band``: ``green``, ``amber`` or ``red`` (empty likewise);
- ``customer.signals_<kind>_30d``: how many signals of that kind the customer had in
  the 30 days up to the event, e.g. ``customer.signals_past_due_30d``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from ladder.health.models import HealthScore, Signal, SignalKind
from ladder.playbooks.conditions import CUSTOMER_FIELDS, Subject

WINDOW = dt.timedelta(days=30)


def _score(run: Subject) -> HealthScore | None:
    return HealthScore.objects.filter(customer_id=run.customer.pk).first()


def _health_score(run: Subject) -> int | None:
    row = _score(run)
    return row.score if row is not None else None


def _health_band(run: Subject) -> str:
    row = _score(run)
    return str(row.band) if row is not None else ""


def _recent(kind: str) -> Callable[[Subject], int]:
    def count(run: Subject) -> int:
        at: dt.datetime = getattr(run, "at", None) or timezone.now()
        return Signal.objects.filter(
            customer_id=run.customer.pk,
            kind=kind,
            occurred_at__gt=at - WINDOW,
            occurred_at__lte=at,
        ).count()

    return count


READERS: dict[str, Callable[[Subject], Any]] = {
    "health_score": _health_score,
    "health_band": _health_band,
    **{f"signals_{kind}_30d": _recent(kind) for kind in SignalKind.values},
}


def register() -> None:
    CUSTOMER_FIELDS.update(READERS)
