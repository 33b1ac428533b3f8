"""Scheduling, cancelling and firing deadlines.

Firing claims a batch of due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
several workers share the backlog without waiting on each other; SQLite has one writer
at a time and needs no lock), hands each kind's rows to its handler, and marks them
fired with one Firing row each, all in one transaction. The Firing's primary key is
the deadline, so a deadline that somehow came round again fails on the constraint and
its effect rolls back with it."""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ladder.deadlines.models import Deadline, Firing, Outcome
from ladder.deadlines.registry import handler_for
from ladder.timeutil import require_aware

logger = logging.getLogger(__name__)

MAX_ERROR = 2_000


class AlreadyFired(RuntimeError):
    """A deadline in the batch was fired or cancelled by someone else meanwhile."""


def schedule_deadline(
    *,
    organization_id: int,
    kind: str,
    target_id: int,
    due_at: dt.datetime,
    case_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Deadline:
    """Adds a deadline; runs inside the caller's transaction, so it exists exactly when
    the change that asked for it does."""
    if handler_for(kind) is None:
        raise ValueError(f"no handler is registered for deadline kind {kind!r}")
    return Deadline.objects.create(
        organization_id=organization_id,
        case_id=case_id,
        kind=kind,
        target_id=target_id,
        due_at=require_aware(due_at, "due_at"),
        payload=payload or {},
        created_at=timezone.now(),
    )


def cancel_deadlines(*, kind: str, target_id: int, at: dt.datetime) -> int:
    """Cancels the target's unfired deadlines of this kind and says how many. One that a
    worker is firing right now is not cancelled: on PostgreSQL the UPDATE waits for the
    firing transaction and then finds it fired."""
    return Deadline.objects.filter(
        kind=kind, target_id=target_id, fired_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=require_aware(at, "at"))


@dataclass
class BatchResult:
    """What one call of :func:`fire_batch` did."""

    claimed: int = 0
    applied: int = 0
    stale: int = 0
    failed: int = 0  # failed for good after the last attempt: marked fired, outcome failed
    retrying: int = 0  # failed this time, held back until retry_at

    @property
    def fired(self) -> int:
        return self.applied + self.stale + self.failed


def fire_due_deadlines(
    *, now: dt.datetime | None = None, limit: int = 500, worker: str = ""
) -> int:
    """Claims and fires one batch of due deadlines; returns how many fired (applied,
    stale, or failed for good). ``now`` is the wall clock unless given (the playbook
    simulator passes a virtual time)."""
    return fire_batch(now=now, limit=limit, worker=worker).fired


def fire_batch(
    *, now: dt.datetime | None = None, limit: int = 500, worker: str = ""
) -> BatchResult:
    at = now or timezone.now()
    result = BatchResult()
    with transaction.atomic(durable=True):
        rows = list(_due(at)[:limit])
        result.claimed = len(rows)
        for kind, group in _by_kind(rows).items():
            _fire_group(kind, group, at=at, virtual=now is not None, worker=worker, result=result)
    return result


def _due(at: dt.datetime) -> QuerySet[Deadline]:
    rows = Deadline.objects.filter(
        Q(retry_at__isnull=True) | Q(retry_at__lte=at),
        fired_at__isnull=True,
        cancelled_at__isnull=True,
        due_at__lte=at,
    ).order_by("due_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    return rows


def _by_kind(rows: Iterable[Deadline]) -> dict[str, list[Deadline]]:
    groups: dict[str, list[Deadline]] = {}
    for row in rows:
        groups.setdefault(row.kind, []).append(row)
    return groups


def _fire_group(
    kind: str,
    group: list[Deadline],
    *,
    at: dt.datetime,
    virtual: bool,
    worker: str,
    result: BatchResult,
) -> None:
    handler = handler_for(kind)
    if handler is None:
        for row in group:
            _record_failure(row, f"no handler is registered for kind {kind!r}", at, worker, result)
        return
    try:
        with transaction.atomic():
            handler(group, at)
            _mark_fired(group, at=at, virtual=virtual, worker=worker, result=result)
        return
    except Exception:
        logger.warning("deadline batch of %s failed; retrying row by row", kind, exc_info=True)
    # One row at a time, each in its own savepoint, so the bad ones do not hold back the rest.
    for row in group:
        row._outcome = Outcome.APPLIED
        try:
            with transaction.atomic():
                handler([row], at)
                _mark_fired([row], at=at, virtual=virtual, worker=worker, result=result)
        except Exception as exc:
            logger.exception("deadline %s (%s) failed", row.pk, kind)
            _record_failure(row, f"{type(exc).__name__}: {exc}", at, worker, result)


def _mark_fired(
    rows: list[Deadline], *, at: dt.datetime, virtual: bool, worker: str, result: BatchResult
) -> None:
    # With the wall clock, the firing time is when the effect was applied, not when the
    # batch was claimed: lateness is measured honestly.
    stamp = at if virtual else timezone.now()
    Firing.objects.bulk_create(
        [Firing(deadline_id=r.pk, fired_at=stamp, worker=worker, outcome=r.outcome) for r in rows]
    )
    updated = Deadline.objects.filter(
        pk__in=[r.pk for r in rows], fired_at__isnull=True, cancelled_at__isnull=True
    ).update(fired_at=stamp, fired_by=worker)
    if updated != len(rows):
        raise AlreadyFired(f"{len(rows) - updated} of {len(rows)} deadlines were taken meanwhile")
    for r in rows:
        r.fired_at = stamp
        r.fired_by = worker
        if r.outcome == Outcome.STALE:
            result.stale += 1
        else:
            result.applied += 1


def retry_delay(attempt: int) -> dt.timedelta:
    """Exponential backoff with full jitter in its upper half: base x 2^(n-1), capped."""
    base: int = settings.LADDER_DEADLINE_RETRY_SECONDS
    cap = 3600.0
    delay = min(cap, base * 2 ** (attempt - 1))
    return dt.timedelta(seconds=delay * random.uniform(0.5, 1.0))


def _record_failure(
    row: Deadline, error: str, at: dt.datetime, worker: str, result: BatchResult
) -> None:
    attempts = row.attempts + 1
    error = error[:MAX_ERROR]
    previous = Firing.objects.filter(deadline_id=row.pk).first()
    if previous is not None:
        # It fired before (the constraint refused a second firing): never apply it again,
        # only put the deadline back in step with its firing.
        Deadline.objects.filter(pk=row.pk).update(
            fired_at=previous.fired_at, fired_by=previous.worker, last_error=error
        )
        return
    if attempts >= settings.LADDER_DEADLINE_MAX_ATTEMPTS:
        Firing.objects.create(
            deadline_id=row.pk, fired_at=at, worker=worker, outcome=Outcome.FAILED
        )
        Deadline.objects.filter(pk=row.pk).update(
            fired_at=at, fired_by=worker, attempts=attempts, last_error=error, retry_at=None
        )
        result.failed += 1
        logger.error(
            "deadline %s (%s) failed for good after %s attempts", row.pk, row.kind, attempts
        )
        return
    Deadline.objects.filter(pk=row.pk).update(
        attempts=attempts, last_error=error, retry_at=at + retry_delay(attempts)
    )
    result.retrying += 1
