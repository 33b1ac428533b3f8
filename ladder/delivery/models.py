"""The outbox of side effects and the in-app notifications.

A Delivery is one message to send (an e-mail, a chat post, a webhook call), recorded
before it is sent and updated after every attempt, so that retries and a worker's death
lose nothing. Its idempotency key goes out with it, so a receiver can drop a repeat."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ladder.cases.models import Case
from ladder.tenancy.models import Organization, Staff


class IntegrationKind(models.TextChoices):
    WEBHOOK = "webhook", "webhook"
    CHAT = "chat", "chat channel"


class Integration(models.Model):
    """Where an organization's webhooks or chat posts go, and the secret that signs
    them. Off unless configured: no enabled integration, no post."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="integrations"
    )
    kind = models.CharField(max_length=16, choices=IntegrationKind.choices)
    name = models.CharField(max_length=100, blank=True)
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=200, help_text="Signs every request (X-Ladder-Signature, HMAC-SHA256)."
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind"],
                condition=Q(enabled=True),
                name="integration_one_enabled_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name or self.url}"


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", "e-mail"
    WEBHOOK = "webhook", "webhook"
    CHAT = "chat", "chat channel"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "pending"
    SENDING = "sending", "sending"
    DELIVERED = "delivered", "delivered"
    FAILED = "failed", "failed permanently"
    SKIPPED = "skipped", "skipped"  # the channel is not configured; last_error says why


class Delivery(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    integration = models.ForeignKey(
        Integration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=16, choices=DeliveryChannel.choices)
    to = models.CharField(max_length=500, blank=True)  # an address, or a URL
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # When a worker may next take it: the next retry while pending; the end of the
    # current claim while sending, so a dead worker's claim runs out and is taken over.
    next_attempt_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="delivery_due",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["organization", "-created_at"], name="delivery_org"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to} ({self.status})"


class AttemptOutcome(models.TextChoices):
    DELIVERED = "delivered", "delivered"
    RETRY = "retry", "failed, will retry"
    PERMANENT = "permanent", "failed permanently"


class DeliveryAttempt(models.Model):
    """One try at sending a delivery, with what came of it."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    worker = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_number")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}: {self.outcome}"


class Notification(models.Model):
    """An in-app message to one staff member."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["staff", "-created_at"],
                name="notification_unread",
                condition=Q(read_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]
