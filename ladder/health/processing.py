"""The worker's step for signals (MT1): takes stored, unprocessed signals in batches,
lets the active playbook's account rules hear each one (``signal.received``, and
``case.signal`` on the customer's open cases), recomputes the customers' health scores
(``ladder.health.score.recompute_customers``, which may fire ``health.changed``), and
marks the batch processed — all in one transaction, so a worker killed mid-batch
leaves the batch for the next one.

On PostgreSQL the batch is claimed with ``FOR UPDATE SKIP LOCKED``: two workers take
different signals. SQLite has one writer at a time; the claim is an UPDATE."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from ladder.health.models import Signal
from ladder.health.score import recompute_customers
from ladder.playbooks.accounts import AccountEvent, active_version, on_account_event
from ladder.playbooks.models import PlaybookVersion

logger = logging.getLogger("ladder.worker")


@dataclass(frozen=True)
class Processed:
    signals: int
    customers: int
    failed: int


def event_data(signal: Signal) -> dict[str, object]:
    """What a ``signal.received`` rule may read as ``event.*``."""
    return {
        "signal": signal.kind,
        "source": signal.source,
        "source_id": signal.source_id,
        "value": str(signal.value) if signal.value is not None else None,
        "note": signal.note,
        "occurred_at": signal.occurred_at.isoformat(),
    }


def process_signals(*, limit: int = 500, now: dt.datetime | None = None) -> Processed:
    """Processes at most ``limit`` unprocessed signals, oldest first. A signal whose
    rules fail is logged and marked processed all the same (its savepoint is rolled
    back), so one bad rule cannot hold the queue."""
    with transaction.atomic(durable=True):
        at = now or timezone.now()
        batch = _claim(limit, at)
        if not batch:
            return Processed(0, 0, 0)
        failed = 0
        # The active version, read once per organization in the batch.
        versions: dict[int, PlaybookVersion | None] = {}
        for signal in batch:
            org_id = signal.customer.organization_id
            if org_id not in versions:
                versions[org_id] = active_version(signal.customer)
            try:
                with transaction.atomic():
                    on_account_event(
                        AccountEvent(
                            customer=signal.customer,
                            trigger="signal.received",
                            at=at,
                            data=event_data(signal),
                        ),
                        version=versions[org_id],
                    )
            except Exception:
                failed += 1
                logger.exception("signal %s: its rules failed; marked processed", signal.pk)
        customers = {s.customer_id for s in batch}
        recompute_customers(customers, at=at)
        if connection.vendor == "postgresql":
            Signal.objects.filter(pk__in=[s.pk for s in batch]).update(processed_at=at)
        return Processed(len(batch), len(customers), failed)


def _claim(limit: int, at: dt.datetime) -> list[Signal]:
    pending = Signal.objects.filter(processed_at__isnull=True).order_by("id")
    related = Signal.objects.select_related("customer__organization").order_by("id")
    if connection.vendor == "postgresql":
        claim = related.filter(processed_at__isnull=True)
        return list(claim.select_for_update(skip_locked=True, of=("self",))[:limit])
    ids = list(pending.values_list("pk", flat=True)[:limit])
    # SQLite: the UPDATE takes the database's write lock; what it marked is ours.
    Signal.objects.filter(pk__in=ids, processed_at__isnull=True).update(processed_at=at)
    return list(related.filter(pk__in=ids, processed_at=at))
