from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from ladder.cases.states import Status
from ladder.customers.models import Customer
from ladder.money import money_field
from ladder.tenancy.models import ApiToken, Organization, Staff, Team


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    ESCALATION = "escalation", _("Escalation")
    LEADERSHIP_REQUEST = "leadership_request", _("Leadership request")
    CANCELLATION = "cancellation", _("Cancellation")
    REFUND = "refund", _("Refund")
    DOWNGRADE = "downgrade", _("Downgrade")
    LEVEL_CHANGE = "level_change", _("Level change")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    WEB_FORM = "web_form", _("Web form")
    CHAT = "chat", _("Chat")
    IN_PERSON = "in_person", _("In person")
    API = "api", _("API")
    SIGNAL = "signal", _("Signal")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


def _case_index(*fields: str) -> models.Index:
    """An index that serves one list filter together with the default sort and cursor."""
    name = "case_" + "_".join(f.removesuffix("_id")[:6] for f in fields)
    return models.Index(fields=["organization", *fields, "-created_at", "-id"], name=name)


class Case(models.Model):
    # No index of its own on organization: every composite index below starts with it.
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    number = models.PositiveBigIntegerField()
    reference = models.CharField(max_length=24)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="cases")
    subject = models.CharField(max_length=200)
    request_type = models.CharField("customer request type", max_length=100, blank=True)
    description = models.TextField(blank=True)
    category = models.CharField("concern category", max_length=100, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    tier = models.PositiveSmallIntegerField(default=1)
    owner = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_cases"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    root_cause = models.TextField(blank=True)
    resolution = models.TextField(blank=True)
    outcome = models.TextField(blank=True)
    money_at_stake = money_field("money at stake")
    playbook_version = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "reference"], name="case_unique_ref"),
            models.UniqueConstraint(fields=["organization", "number"], name="case_unique_number"),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="case_created"),
            models.Index(fields=["organization", "-updated_at", "-id"], name="case_updated"),
            _case_index("status"),
            _case_index("team_id"),
            _case_index("team_id", "status"),
            _case_index("owner_id"),
            _case_index("owner_id", "status"),
            _case_index("tier"),
            _case_index("kind"),
            _case_index("category"),
            _case_index("customer_id"),
        ]

    def __str__(self) -> str:
        return self.reference


class InteractionKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")
    CHAT = "chat", _("Chat")
    NOTE = "note", _("Note")
    CONTACT_ATTEMPT = "contact_attempt", _("Contact attempt")


class ContactOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    VOICEMAIL = "voicemail", _("Voicemail")
    BOUNCED = "bounced", _("Bounced")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")
    INTERNAL = "internal", _("Internal")


class Interaction(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    # Indexed by interaction_case, which starts with it.
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="interactions", db_index=False
    )
    kind = models.CharField(max_length=20, choices=InteractionKind.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    outcome = models.CharField(max_length=12, choices=ContactOutcome.choices, blank=True)
    body = models.TextField(blank=True)
    author = models.ForeignKey(Staff, null=True, on_delete=models.SET_NULL, related_name="+")
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["case", "occurred_at", "id"], name="interaction_case")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind=InteractionKind.CONTACT_ATTEMPT) & ~models.Q(outcome=""))
                | (~models.Q(kind=InteractionKind.CONTACT_ATTEMPT) & models.Q(outcome="")),
                name="interaction_outcome_only_for_attempts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.case_id}"


class Task(models.Model):
    """An action item: a follow-up on a case or an action from a meeting's minutes (ED10)."""

    # Both indexed by the composite indexes below, which start with them.
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="tasks", db_index=False
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks", db_index=False
    )
    title = models.CharField(max_length=200)
    assignee = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="tasks")
    due_at = models.DateTimeField()
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(Staff, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["organization", "assignee", "done", "due_at"], name="task_mine"),
            models.Index(fields=["case", "due_at"], name="task_case"),
        ]

    def __str__(self) -> str:
        return self.title


class AppendOnlyQuerySet(models.QuerySet["TimelineEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("timeline entries are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("timeline entries are append-only")


class TimelineEvent(models.Model):
    """One change to a case, appended in the same transaction as the change. Never
    edited or deleted: the model refuses, and a database trigger refuses too."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    # Indexed by timeline_case, which starts with it.
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="timeline", db_index=False
    )
    kind = models.CharField(max_length=64)  # dotted: case.created, case.escalated …
    actor_staff = models.ForeignKey(Staff, null=True, on_delete=models.PROTECT, related_name="+")
    actor_token = models.ForeignKey(ApiToken, null=True, on_delete=models.PROTECT, related_name="+")
    actor_rule = models.CharField(max_length=200, blank=True)
    actor_label = models.CharField(max_length=250)
    field = models.CharField(max_length=64, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["case", "id"], name="timeline_case")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.case_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("timeline entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("timeline entries are append-only")


class ForbiddenPhrase(models.Model):
    """A phrase not to use with customers, with what to say instead (ED7). Matched
    case-insensitively anywhere in the text, which also suits Chinese."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="forbidden_phrases"
    )
    phrase = models.CharField(max_length=200)
    suggestion = models.TextField()
    language = models.CharField(max_length=10, blank=True, help_text="en, zh-hans, or blank")

    class Meta:
        ordering = ["phrase"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "phrase"], name="phrase_unique")
        ]

    def __str__(self) -> str:
        return self.phrase


from ladder.cases.models_public import PublicSubmission  # noqa: E402,F401
