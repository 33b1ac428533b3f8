"""The delivery outbox (issue 5 engine): one delivery per idempotency key, retries
with backoff, permanent failures, reclaiming an expired claim, e-mail to a real SMTP
server and webhooks to a real HTTP endpoint that checks the signature, and in-app
notifications. On SQLite and on PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ladder.delivery import actions
from ladder.delivery.models import (
    AttemptOutcome,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Integration,
    Notification,
)
from ladder.delivery.signing import sign, verify_signature
from ladder.delivery.transports.email import DELIVERY_HEADER, message_id
from ladder.delivery.transports.http import classify
from ladder.errors import Invalid, NotFound
from tests.conftest import Org, new_case
from tests.worker_app.peers import Endpoint, Mailbox, http_endpoint, smtp_server

SECRET = "s3cret-for-tests"


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    with http_endpoint(SECRET) as e:
        yield e


@pytest.fixture
def webhook(acme: Org, endpoint: Endpoint) -> Integration:
    return Integration.objects.create(
        organization=acme.org, kind="webhook", url=endpoint.url, secret=SECRET
    )


@pytest.fixture
def mailbox(settings: Any) -> Iterator[Mailbox]:
    with smtp_server() as (port, box):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        settings.LADDER_EMAIL_ENABLED = True
        yield box


def later(seconds: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)


def webhook_delivery(o: Org, key: str = "case-1-escalated") -> Delivery:
    return actions.enqueue_delivery(
        organization_id=o.org.pk,
        channel="webhook",
        idempotency_key=key,
        subject="Case escalated",
        body="ACME-000001 went to tier 2",
        payload={"event": "case.escalated"},
    )


def test_enqueueing_the_same_key_twice_records_one_delivery(
    acme: Org, webhook: Integration, django_capture_on_commit_callbacks: Any
) -> None:
    """issue 5 engine: same idempotency key → the existing row, one task enqueued."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = webhook_delivery(acme)
        again = webhook_delivery(acme)
    assert first.pk == again.pk
    assert Delivery.objects.count() == 1
    assert len(callbacks) == 1
    assert DBTaskResult.objects.count() == 1
    assert first.to == webhook.url
    assert first.status == DeliveryStatus.PENDING


def test_a_webhook_is_signed_and_delivered_with_its_key(
    acme: Org, webhook: Integration, endpoint: Endpoint
) -> None:
    """issue 5 engine: HMAC-signed JSON with Idempotency-Key; 2xx = delivered."""
    case = new_case(acme)
    d = actions.enqueue_delivery(
        organization_id=acme.org.pk,
        channel="webhook",
        idempotency_key="k-signed",
        case_id=case.pk,
        payload={"event": "case.escalated", "tier": 2},
    )
    assert actions.deliver_due(worker="w1") == 1
    d.refresh_from_db()
    assert d.status == DeliveryStatus.DELIVERED
    assert d.delivered_at is not None
    [received] = endpoint.requests
    assert received.signed
    assert received.key == "k-signed"
    assert received.body["payload"] == {"event": "case.escalated", "tier": 2}
    assert received.body["case_id"] == case.pk
    [attempt] = DeliveryAttempt.objects.filter(delivery=d)
    assert (attempt.number, attempt.outcome, attempt.status_code) == (1, "delivered", 200)


def test_failures_are_retried_with_backoff_until_delivered(
    acme: Org, webhook: Integration, endpoint: Endpoint, settings: Any
) -> None:
    """issue 5 engine: 5xx and 429 are retried after a growing, jittered delay;
    every attempt's outcome is recorded."""
    settings.LADDER_DELIVERY_BACKOFF_SECONDS = 10
    endpoint.fail_first = 2
    d = webhook_delivery(acme)
    assert actions.deliver_due() == 1
    d.refresh_from_db()
    assert (d.status, d.attempts) == (DeliveryStatus.PENDING, 1)
    assert "HTTP 503" in d.last_error
    first_wait = (d.next_attempt_at - timezone.now()).total_seconds()
    assert 4 <= first_wait <= 10
    assert actions.deliver_due() == 0  # not yet due
    attempted = actions.deliver_due(now=later(11))
    d.refresh_from_db()
    assert attempted == 1, (d.status, d.attempts, d.next_attempt_at, timezone.now())
    second_wait = (d.next_attempt_at - timezone.now()).total_seconds()
    assert 9 <= second_wait <= 20
    assert actions.deliver_due(now=later(21)) == 1
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_error) == (DeliveryStatus.DELIVERED, 3, "")
    outcomes = list(DeliveryAttempt.objects.filter(delivery=d).values_list("outcome", flat=True))
    assert outcomes == ["retry", "retry", "delivered"]
    assert endpoint.keys() == [d.idempotency_key] * 3


def test_the_backoff_doubles_with_jitter_and_is_capped() -> None:
    """issue 5 engine: base x 2^(n-1) x [0.5, 1], at most six hours, never sooner than
    the receiver's Retry-After."""
    for attempt in range(1, 20):
        wait = actions.backoff(attempt).total_seconds()
        ceiling = min(actions.MAX_BACKOFF_SECONDS, 30 * 2 ** (attempt - 1))
        assert ceiling / 2 <= wait <= ceiling
    assert actions.backoff(1, retry_after=120).total_seconds() >= 120


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "delivered"),
        (204, "delivered"),
        (400, "permanent"),
        (404, "permanent"),
        (410, "permanent"),
        (408, "retry"),
        (429, "retry"),
        (500, "retry"),
        (503, "retry"),
        (302, "retry"),
    ],
)
def test_http_statuses_are_classified(status: int, outcome: str) -> None:
    """issue 5 engine: 2xx delivered, 4xx permanent except 408/429, else retry."""
    assert classify(status) == outcome


def test_a_4xx_answer_fails_the_delivery_permanently(
    acme: Org, webhook: Integration, endpoint: Endpoint
) -> None:
    """issue 5 engine: a 4xx (not 408/429) is not retried."""
    endpoint.fail_first, endpoint.fail_status = 1, 410
    d = webhook_delivery(acme)
    actions.deliver_due()
    d.refresh_from_db()
    assert (d.status, d.attempts) == (DeliveryStatus.FAILED, 1)
    assert "HTTP 410" in d.last_error
    assert actions.deliver_due(now=later(3600 * 24)) == 0


def test_the_last_attempt_fails_for_good(
    acme: Org, webhook: Integration, endpoint: Endpoint, settings: Any
) -> None:
    """issue 5 engine: after LADDER_DELIVERY_MAX_ATTEMPTS, no more retries."""
    settings.LADDER_DELIVERY_MAX_ATTEMPTS = 2
    endpoint.fail_first = 5
    d = webhook_delivery(acme)
    actions.deliver_due()
    actions.deliver_due(now=later(3600))
    d.refresh_from_db()
    assert (d.status, d.attempts) == (DeliveryStatus.FAILED, 2)
    assert actions.deliver_due(now=later(3600 * 24)) == 0
    assert len(endpoint.requests) == 2


def test_an_expired_claim_is_taken_over(
    acme: Org, webhook: Integration, endpoint: Endpoint, settings: Any
) -> None:
    """issue 5 engine: a worker that claimed a delivery and died (no outcome recorded)
    loses it when the claim runs out; the next worker delivers it with the same key."""
    settings.LADDER_DELIVERY_CLAIM_SECONDS = 60
    d = webhook_delivery(acme)
    from django.db.models import QuerySet

    qs: QuerySet[Delivery] = Delivery.objects.filter(pk=d.pk)
    claimed = actions._claim(qs, at=timezone.now(), worker="dead")  # …and then it died
    assert claimed is not None
    d.refresh_from_db()
    assert (d.status, d.claimed_by) == (DeliveryStatus.SENDING, "dead")
    assert actions.deliver_due(now=later(59), worker="alive") == 0  # still held
    assert actions.deliver_due(now=later(61), worker="alive") == 1
    d.refresh_from_db()
    assert (d.status, d.attempts, d.claimed_by) == (DeliveryStatus.DELIVERED, 2, "alive")
    assert endpoint.keys() == [d.idempotency_key]


def test_a_late_failure_from_a_worker_that_lost_its_claim_changes_nothing(
    acme: Org, webhook: Integration
) -> None:
    """issue 5 engine: outcomes are fenced by the attempt number: a worker whose claim
    was taken over cannot reset the delivery that the new claimant holds."""
    d = webhook_delivery(acme)
    slow = actions._claim(Delivery.objects.filter(pk=d.pk), at=timezone.now(), worker="slow")
    assert slow is not None
    Delivery.objects.filter(pk=d.pk).update(attempts=2, claimed_by="new")  # taken over
    from ladder.delivery.transports import Sent

    actions._record(
        slow, Sent(AttemptOutcome.RETRY, 503, "late"), started=timezone.now(), worker="slow"
    )
    d.refresh_from_db()
    assert (d.status, d.attempts, d.claimed_by) == (DeliveryStatus.SENDING, 2, "new")


def test_running_the_attempt_twice_sends_once(
    acme: Org, webhook: Integration, endpoint: Endpoint
) -> None:
    """issue 5 engine: the task's action is idempotent: a second run finds it delivered."""
    d = webhook_delivery(acme)
    assert actions.attempt_delivery(delivery_id=d.pk, worker="t1") == "delivered"
    assert actions.attempt_delivery(delivery_id=d.pk, worker="t2") == "delivered"
    assert len(endpoint.requests) == 1
    assert DeliveryAttempt.objects.filter(delivery=d).count() == 1


def test_without_an_integration_a_webhook_is_skipped_with_the_reason(acme: Org) -> None:
    """issue 5 engine: integrations are off unless configured."""
    d = webhook_delivery(acme)
    assert d.status == DeliveryStatus.SKIPPED
    assert "no enabled webhook integration" in d.last_error
    assert actions.deliver_due() == 0
    chat = actions.enqueue_delivery(
        organization_id=acme.org.pk, channel="chat", idempotency_key="chat-1", body="hi"
    )
    assert chat.status == DeliveryStatus.SKIPPED


def test_a_disabled_integration_is_not_used(acme: Org, endpoint: Endpoint) -> None:
    """issue 5 engine: only an enabled integration gives the URL."""
    Integration.objects.create(
        organization=acme.org, kind="webhook", url=endpoint.url, secret=SECRET, enabled=False
    )
    assert webhook_delivery(acme).status == DeliveryStatus.SKIPPED


def test_a_chat_post_carries_its_text(acme: Org, endpoint: Endpoint) -> None:
    """issue 5 engine: chat channels get {"text": …} (MT3's escalation channel post)."""
    Integration.objects.create(organization=acme.org, kind="chat", url=endpoint.url, secret=SECRET)
    actions.enqueue_delivery(
        organization_id=acme.org.pk,
        channel="chat",
        idempotency_key="chat-2",
        subject="Escalation: Acme",
        body="MRR 1,200 USD, reason: price",
        payload={"case": "ACME-000001"},
    )
    actions.deliver_due()
    [received] = endpoint.requests
    assert received.signed
    assert received.body["text"] == "Escalation: Acme\nMRR 1,200 USD, reason: price"
    assert received.body["ladder"]["case"] == "ACME-000001"


def test_an_email_arrives_once_with_its_delivery_header(acme: Org, mailbox: Mailbox) -> None:
    """issue 5 engine: e-mail through Django's SMTP backend to a real SMTP server, the
    idempotency key in X-Ladder-Delivery and (hashed) in the Message-ID."""
    d = actions.enqueue_delivery(
        organization_id=acme.org.pk,
        channel="email",
        idempotency_key="mail-1",
        to="parent@example.com",
        subject="Your complaint ACME-000001",
        body="We will call you within 24 hours.",
    )
    assert actions.deliver_due() == 1
    assert actions.deliver_due(now=later(3600)) == 0
    [message] = mailbox.messages
    assert message[DELIVERY_HEADER] == "mail-1"
    assert message["Message-ID"] == message_id("mail-1")
    assert message["To"] == "parent@example.com"
    assert message["Subject"] == "Your complaint ACME-000001"
    d.refresh_from_db()
    assert d.status == DeliveryStatus.DELIVERED


def test_an_unreachable_smtp_server_is_retried(acme: Org, settings: Any) -> None:
    """issue 5 engine: a connection failure is a retry, not a loss."""
    from tests.worker_app.peers import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 2
    settings.LADDER_EMAIL_ENABLED = True
    d = actions.enqueue_delivery(
        organization_id=acme.org.pk, channel="email", idempotency_key="m2", to="a@example.com"
    )
    actions.deliver_due()
    d.refresh_from_db()
    assert (d.status, d.attempts) == (DeliveryStatus.PENDING, 1)
    assert "Error" in d.last_error


def test_email_is_skipped_while_it_is_off(acme: Org, settings: Any) -> None:
    """issue 5 engine: no LADDER_EMAIL_HOST, no e-mail: recorded as skipped, saying so."""
    settings.LADDER_EMAIL_ENABLED = False
    d = actions.enqueue_delivery(
        organization_id=acme.org.pk, channel="email", idempotency_key="m3", to="a@example.com"
    )
    assert d.status == DeliveryStatus.SKIPPED
    assert "LADDER_EMAIL_HOST" in d.last_error


def test_signatures_verify_and_refuse_tampering_and_old_timestamps() -> None:
    """issue 5 engine: the inbound check of the same HMAC scheme."""
    body, ts = b'{"a":1}', "1795430400"
    signature = sign(secret=SECRET, timestamp=ts, body=body)
    assert signature.startswith("sha256=")
    ok: dict[str, Any] = {"secret": SECRET, "timestamp": ts, "body": body, "signature": signature}
    assert verify_signature(**ok, now=1795430400 + 10)
    assert not verify_signature(**{**ok, "body": b'{"a":2}'}, now=1795430400)
    assert not verify_signature(**{**ok, "secret": "other"}, now=1795430400)
    assert not verify_signature(**{**ok, "timestamp": "1795430401"}, now=1795430400)
    assert not verify_signature(**ok, now=1795430400 + 301)
    assert not verify_signature(**{**ok, "signature": "md5=x"}, now=1795430400)


def test_staff_are_notified_once_and_mark_their_own_notifications_read(
    acme: Org, other: Org
) -> None:
    """issue 5 engine: in-app notifications; another organization's staff are refused."""
    case = new_case(acme)
    at = timezone.now()
    notes = actions.notify_staff(
        organization_id=acme.org.pk,
        staff_ids=[acme.manager.pk, acme.agent.pk, acme.manager.pk],
        text="ACME-000001 breached its 24-hour clock",
        at=at,
        case_id=case.pk,
    )
    assert len(notes) == 2
    with pytest.raises(Invalid):
        actions.notify_staff(
            organization_id=acme.org.pk, staff_ids=[other.agent.pk], text="x", at=at
        )
    mine = Notification.objects.get(staff=acme.manager)
    with pytest.raises(NotFound):
        actions.mark_notification_read(staff_id=acme.agent.pk, notification_id=mine.pk, at=at)
    read = actions.mark_notification_read(staff_id=acme.manager.pk, notification_id=mine.pk, at=at)
    assert read.read_at == at
    again = actions.mark_notification_read(
        staff_id=acme.manager.pk, notification_id=mine.pk, at=later(60)
    )
    assert again.read_at == at
