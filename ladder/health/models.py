"""Early-warning signals about a customer account, the organization's weights for
them, and the health score computed from them, with the components that explain it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ladder.customers.models import Customer
from ladder.tenancy.models import Organization, Staff


class SignalKind(models.TextChoices):
    """What an early-warning signal says about an account (MT1, TD3). The names are the
    ones the shipped playbooks' rules filter on (``with: {signal: …}``)."""

    PAST_DUE = "past_due", _("Past due")
    RELUCTANCE_TO_PAY = "reluctance_to_pay", _("Reluctance to pay")
    ENGAGEMENT_DROP = "engagement_drop", _("Engagement drop")
    USAGE_DROP = "usage_drop", _("Product usage drop")
    UNRESPONSIVE = "unresponsive", _("Unresponsive after an issue")
    ASKS_FOR_HIGHER_UP = "asks_for_higher_up", _("Asked for someone higher up")
    DOWNGRADE_REQUEST = "downgrade_request", _("Downgrade request")
    NPS_DETRACTOR = "nps_detractor", _("NPS detractor")
    COMPLAINT = "complaint", _("Complaint")
    UNUSED_HOURS = "unused_hours", _("Unused hours")
    SESSION_INTERRUPTION = "session_interruption", _("Sessions interrupted")
    UPSET = "upset", _("Upset customer")


class Band(models.TextChoices):
    GREEN = "green", _("Healthy")
    AMBER = "amber", _("At risk")
    RED = "red", _("Red")


class Signal(models.Model):
    """One signal. ``source`` + ``source_id`` identify it at its origin (the billing
    system's invoice event, the product's usage export row): a repeated pair is ignored,
    so re-sending a batch imports nothing twice. ``processed_at`` is set once the worker
    has run the playbook's rules and the score for it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="signals")
    kind = models.CharField(max_length=32, choices=SignalKind.choices)
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=64)
    source_id = models.CharField(max_length=200)
    value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    note = models.TextField(blank=True)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source", "source_id"], name="health_signal_unique_source"
            )
        ]
        indexes = [
            models.Index(fields=["customer", "kind", "occurred_at"], name="health_signal_customer"),
            models.Index(
                fields=["organization", "id"],
                name="health_signal_unprocessed",
                condition=models.Q(processed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.customer_id}"


class HealthWeight(models.Model):
    """How much one kind of signal takes off the score at full strength (points of 100),
    and how fast that fades (half-life in days). Without a row the defaults in
    ``ladder.health.score.DEFAULT_WEIGHTS`` apply."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=SignalKind.choices)
    weight = models.DecimalField(max_digits=6, decimal_places=2)
    half_life_days = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="health_weight_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.weight}"


class HealthPolicy(models.Model):
    """The organization's band thresholds: below ``red_below`` is red, below
    ``amber_below`` amber, else green."""

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="health_policy"
    )
    red_below = models.PositiveSmallIntegerField(default=40)
    amber_below = models.PositiveSmallIntegerField(default=70)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "health policies"

    def __str__(self) -> str:
        return f"red < {self.red_below}, amber < {self.amber_below}"


class HealthScore(models.Model):
    """A customer's score (0–100), its band and the components that explain it:
    ``components`` = [{kind, signals, weight, half_life_days, strength, points}], the
    points each kind took off, largest first."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="health"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    score = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=8, choices=Band.choices)
    components = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["organization", "band"], name="health_score_band"),
            # The worker's daily pass finds the scores that decay has made stale.
            models.Index(fields=["computed_at"], name="health_score_computed"),
        ]

    def __str__(self) -> str:
        return f"{self.score} ({self.band})"


class HealthSettingsChange(models.Model):
    """The audit log of the health settings: weights, half-lives and band thresholds
    changed; who did it, when, and the values before and after."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=64)  # health.weights_set
    actor_staff = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    data = models.JSONField(default=dict)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.kind
