"""The outbox and the in-app notifications.

A delivery is written in the caller's transaction and attempted after commit: first by
a django-tasks task (the quick path), and by ``deliver_due`` in every worker loop,
which retries failures with backoff and takes over deliveries whose worker died (its
claim ran out). Whichever path claims a delivery does so with a conditional UPDATE, so
one attempt runs at a time; the attempt's network call happens outside any
transaction, and its outcome is recorded after it, fenced by the attempt number."""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from ladder.delivery.models import (
    AttemptOutcome,
    Delivery,
    DeliveryAttempt,
    DeliveryChannel,
    DeliveryStatus,
    Integration,
    Notification,
)
from ladder.delivery.transports import Sent, transport_for
from ladder.errors import Invalid, NotFound
from ladder.tenancy.models import Staff
from ladder.timeutil import require_aware

logger = logging.getLogger(__name__)

MAX_ERROR = 2_000
MAX_BACKOFF_SECONDS = 6 * 3600
LIVE = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


# --- the outbox --------------------------------------------------------------------------


def enqueue_delivery(
    *,
    organization_id: int,
    channel: str,
    idempotency_key: str,
    case_id: int | None = None,
    to: str = "",
    subject: str = "",
    body: str = "",
    payload: dict[str, Any] | None = None,
) -> Delivery:
    """Records a delivery in the caller's transaction and has it attempted after
    commit. The same key again returns the row already recorded: no second delivery.
    A webhook or chat post without ``to`` goes to the organization's enabled
    integration of that kind; with none (or e-mail switched off) the delivery is
    recorded as skipped, saying why."""
    if channel not in DeliveryChannel.values:
        raise ValueError(f"unknown delivery channel {channel!r}")
    if not idempotency_key or len(idempotency_key) > 200:
        raise ValueError("an idempotency key of 1 to 200 characters is required")
    existing = Delivery.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    now = timezone.now()
    integration, to, skipped = _route(organization_id, channel, to)
    row = Delivery(
        organization_id=organization_id,
        case_id=case_id,
        integration=integration,
        channel=channel,
        to=to,
        subject=subject[:300],
        body=body,
        payload=payload or {},
        idempotency_key=idempotency_key,
        status=DeliveryStatus.SKIPPED if skipped else DeliveryStatus.PENDING,
        last_error=skipped,
        next_attempt_at=now,
        created_at=now,
    )
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        # Another transaction recorded the same key first: that one is the delivery.
        return Delivery.objects.get(idempotency_key=idempotency_key)
    if row.status == DeliveryStatus.PENDING:
        transaction.on_commit(partial(_enqueue_attempt, row.pk), robust=True)
    return row


def _route(organization_id: int, channel: str, to: str) -> tuple[Integration | None, str, str]:
    """The integration that signs it, the address, and the reason to skip it (or "")."""
    if channel == DeliveryChannel.EMAIL:
        if not to:
            raise ValueError("an e-mail delivery needs a `to` address")
        if not settings.LADDER_EMAIL_ENABLED:
            return None, to, "e-mail is off: LADDER_EMAIL_HOST is not set"
        return None, to, ""
    integration = Integration.objects.filter(
        organization_id=organization_id, kind=channel, enabled=True
    ).first()
    if integration is None:
        return None, to, f"no enabled {channel} integration is configured"
    return integration, to or integration.url, ""


def _enqueue_attempt(delivery_id: int) -> None:
    from ladder.delivery.tasks import attempt_delivery_task

    # If this fails the row is still in the outbox, and deliver_due attempts it.
    attempt_delivery_task.enqueue(delivery_id=delivery_id)


def attempt_delivery(*, delivery_id: int, worker: str = "", now: dt.datetime | None = None) -> str:
    """Attempts one delivery if it is due and nobody holds it; returns its status after
    (unchanged if it was not ours to attempt). What the django-tasks task runs: running
    it twice sends at most once, since the second finds it delivered or claimed."""
    at = now or timezone.now()
    with transaction.atomic(durable=True):
        claimed = _claim(Delivery.objects.filter(pk=delivery_id), at=at, worker=worker)
    if claimed is not None:
        _attempt(claimed, worker=worker)
    status: str = Delivery.objects.values_list("status", flat=True).get(pk=delivery_id)
    return status


def deliver_due(*, now: dt.datetime | None = None, limit: int = 100, worker: str = "") -> int:
    """Attempts up to ``limit`` due deliveries one after another: retries whose time has
    come, and deliveries whose worker died mid-attempt (their claim has run out).
    Returns how many it attempted. Each is claimed just before its own attempt, so its
    claim runs from its own start."""
    attempted = 0
    while attempted < limit:
        at = now or timezone.now()
        with transaction.atomic(durable=True):
            claimed = _claim(Delivery.objects.all(), at=at, worker=worker)
        if claimed is None:
            break
        _attempt(claimed, worker=worker)
        attempted += 1
    return attempted


def _claim(candidates: Any, *, at: dt.datetime, worker: str) -> Delivery | None:
    due = candidates.filter(status__in=LIVE, next_attempt_at__lte=at).order_by(
        "next_attempt_at", "id"
    )
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True)
    row: Delivery | None = due.first()
    if row is None:
        return None
    lease = at + dt.timedelta(seconds=settings.LADDER_DELIVERY_CLAIM_SECONDS)
    updated = Delivery.objects.filter(
        pk=row.pk, status__in=LIVE, attempts=row.attempts, next_attempt_at__lte=at
    ).update(
        status=DeliveryStatus.SENDING,
        attempts=F("attempts") + 1,
        claimed_until=lease,
        next_attempt_at=lease,
        claimed_by=worker,
    )
    if updated != 1:
        return None  # someone else claimed it between our read and our write (SQLite)
    row.refresh_from_db()
    return row


def _attempt(delivery: Delivery, *, worker: str) -> None:
    started = timezone.now()
    if delivery.attempts > settings.LADDER_DELIVERY_MAX_ATTEMPTS:
        # Only reached by taking over a claim that ran out on the last attempt.
        sent = Sent(AttemptOutcome.PERMANENT, None, "gave up: the last attempt's worker died")
    else:
        try:
            sent = transport_for(delivery.channel)(delivery)
        except Exception as exc:  # a bug in a transport: retried, and recorded
            logger.exception("delivery %s: the %s transport failed", delivery.pk, delivery.channel)
            sent = Sent(AttemptOutcome.RETRY, None, f"{type(exc).__name__}: {exc}")
    _record(delivery, sent, started=started, worker=worker)


def backoff(attempt: int, *, retry_after: float | None = None) -> dt.timedelta:
    """The wait before the next attempt: base x 2^(n-1) capped at six hours, with jitter
    in its upper half, and never sooner than the receiver's Retry-After."""
    base: int = settings.LADDER_DELIVERY_BACKOFF_SECONDS
    delay = min(MAX_BACKOFF_SECONDS, base * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_BACKOFF_SECONDS))
    return dt.timedelta(seconds=delay)


def _record(delivery: Delivery, sent: Sent, *, started: dt.datetime, worker: str) -> None:
    now = timezone.now()
    error = sent.error[:MAX_ERROR]
    number = delivery.attempts
    with transaction.atomic(durable=True):
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            worker=worker,
            started_at=started,
            finished_at=now,
            outcome=sent.outcome,
            status_code=sent.status_code,
            error=error,
        )
        live = Delivery.objects.filter(pk=delivery.pk, status__in=LIVE)
        if sent.outcome == AttemptOutcome.DELIVERED:
            # Delivered is delivered, whoever holds the claim now.
            live.update(
                status=DeliveryStatus.DELIVERED, delivered_at=now, claimed_until=None, last_error=""
            )
            return
        # A failure counts only while the claim is still ours (nobody took it over).
        ours = live.filter(attempts=number)
        if (
            sent.outcome == AttemptOutcome.PERMANENT
            or number >= settings.LADDER_DELIVERY_MAX_ATTEMPTS
        ):
            ours.update(status=DeliveryStatus.FAILED, claimed_until=None, last_error=error)
            logger.warning("delivery %s failed for good: %s", delivery.pk, error)
            return
        ours.update(
            status=DeliveryStatus.PENDING,
            next_attempt_at=now + backoff(number, retry_after=sent.retry_after),
            claimed_until=None,
            last_error=error,
        )


# --- in-app notifications ----------------------------------------------------------------


def notify_staff(
    *,
    organization_id: int,
    staff_ids: Iterable[int],
    text: str,
    at: dt.datetime,
    case_id: int | None = None,
) -> list[Notification]:
    """One notification to each of these staff members (once each, even if listed
    twice); inside the caller's transaction. Staff of another organization are refused."""
    wanted = sorted(set(staff_ids))
    found = set(
        Staff.objects.filter(organization_id=organization_id, pk__in=wanted).values_list(
            "pk", flat=True
        )
    )
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise Invalid.field("staff_ids", f"no staff members {missing} in this organization")
    at = require_aware(at, "at")
    return Notification.objects.bulk_create(
        [
            Notification(
                organization_id=organization_id,
                staff_id=pk,
                case_id=case_id,
                text=text,
                created_at=at,
            )
            for pk in wanted
        ]
    )


def mark_notification_read(*, staff_id: int, notification_id: int, at: dt.datetime) -> Notification:
    """Marks a staff member's own notification read; reading it again changes nothing."""
    with transaction.atomic(durable=True):
        note = (
            Notification.objects.select_for_update()
            .filter(pk=notification_id, staff_id=staff_id)
            .first()
        )
        if note is None:
            raise NotFound("notification")
        if note.read_at is None:
            note.read_at = require_aware(at, "at")
            Notification.objects.filter(pk=note.pk).update(read_at=note.read_at)
    return note
