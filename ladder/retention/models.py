"""The offer catalog and what a retention case records: its reasons, eligibility,
outcome and payout (RetentionRecord), each save attempt, and each invoice correction.
Rows are written by ``ladder.retention.actions`` only."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ladder.cases.models import Case
from ladder.money import money_field
from ladder.tenancy.models import Organization, Role, Staff


class OfferKind(models.TextChoices):
    DISCOUNT = "discount", _("Discount")
    FREE_SESSIONS = "free_sessions", _("Free sessions")
    PAUSE = "pause", _("Pause")
    DOWNGRADE = "downgrade", _("Downgrade")
    SWITCH_TUTOR = "switch_tutor", _("Switch tutor, teacher or class")
    EXTEND_TERM = "extend_term", _("Extend the term")
    CREDIT = "credit", _("Credit")
    CUSTOM = "custom", _("Custom")


class Offer(models.Model):
    """One entry of the organization's save-offer catalog, with its limits and the role
    that must approve it (none: the agent's word is enough)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    key = models.SlugField(max_length=64)
    kind = models.CharField(max_length=16, choices=OfferKind.choices)
    label_en = models.CharField(max_length=200)
    label_zh_hans = models.CharField(max_length=200, blank=True)
    max_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    max_amount = money_field("max amount")
    max_sessions = models.PositiveIntegerField(null=True, blank=True)
    max_days = models.PositiveIntegerField(null=True, blank=True)
    approver_role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["organization", "key"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="retention_offer_key")
        ]

    def __str__(self) -> str:
        return self.key

    def label(self, language: str) -> str:
        if language.lower().startswith("zh") and self.label_zh_hans:
            return self.label_zh_hans
        return self.label_en


class Outcome(models.TextChoices):
    SAVED = "saved", _("Saved")
    SAVED_WITH_DOWNGRADE = "saved_with_downgrade", _("Saved with a downgrade")
    PAUSED = "paused", _("Paused")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED_FULL = "refunded_full", _("Refunded in full")
    REFUNDED_PARTIAL = "refunded_partial", _("Refunded in part")
    MOVED = "moved", _("Moved to another class or level")


class RetentionRecord(models.Model):
    """A retention case's record: what the customer said and what was really behind it
    (ED5), whether a playbook rule refused the request and why, the money (refund =
    original − corrected, stored), the outcome and the payout."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="retention")
    stated_reason = models.TextField(blank=True)
    true_reason = models.TextField(blank=True)
    eligible = models.BooleanField(default=True)
    refused_by_rule = models.CharField(max_length=200, blank=True)
    refusal = models.TextField(blank=True)
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    original_amount = money_field("original amount")
    corrected_amount = money_field("corrected amount")
    refund_amount = money_field("refund amount")
    payout_at = models.DateTimeField(null=True, blank=True)
    payout_reference = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"retention of case {self.case_id}"


class Answer(models.TextChoices):
    PENDING = "pending", _("Waiting for the customer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Decision(models.TextChoices):
    NOT_NEEDED = "not_needed", _("No approval needed")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


class SaveAttempt(models.Model):
    """An offer proposed to the customer with its terms, the customer's answer and, when
    the catalog names an approver role, that role's decision."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="save_attempts")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="+")
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    amount = money_field("amount")
    sessions = models.PositiveIntegerField(null=True, blank=True)
    days = models.PositiveIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    proposed_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_by_label = models.CharField(max_length=200)
    proposed_at = models.DateTimeField()
    answer = models.CharField(max_length=10, choices=Answer.choices, default=Answer.PENDING)
    answered_at = models.DateTimeField(null=True, blank=True)
    approver_role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    decision = models.CharField(max_length=12, choices=Decision.choices)
    decided_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_label = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["case", "proposed_at", "id"]

    def __str__(self) -> str:
        return f"offer {self.offer_id} on case {self.case_id}"

    @property
    def holds(self) -> bool:
        """Accepted by the customer and approved (or needing no approval)."""
        return self.answer == Answer.ACCEPTED and self.decision in (
            Decision.APPROVED,
            Decision.NOT_NEEDED,
        )


class InvoiceCorrection(models.Model):
    """An invoice corrected on a retention case, with its reason: the refund is the
    original amount less the corrected one (ED5)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="invoice_corrections")
    original = money_field("original amount")
    corrected = money_field("corrected amount")
    refund = money_field("refund")
    reason = models.TextField()
    by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_label = models.CharField(max_length=200)
    at = models.DateTimeField()

    class Meta:
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"correction on case {self.case_id}"
