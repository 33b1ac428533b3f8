"""Playbook versions and the state the engine keeps per case: which version it runs
under, the information gathered, clocks, duties, checklists, approvals, live handoffs
and review lists."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ladder.cases.models import Case, Task
from ladder.customers.models import Customer, Program
from ladder.money import money_field
from ladder.tenancy.models import Organization, Skill, Staff


class PlaybookVersion(models.Model):
    """An immutable version of an organization's playbook. Cases run under the version
    that was active when they opened; activating a new one changes only new cases."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="playbook_versions"
    )
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=64)
    source = models.TextField(help_text="the YAML file as loaded")
    digest = models.CharField(max_length=64)
    filename = models.CharField(max_length=255, blank=True)
    loaded_by = models.CharField(max_length=200, blank=True)
    loaded_at = models.DateTimeField()
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=False)

    class Meta:
        ordering = ["organization", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="playbook_unique_number"
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(is_active=True),
                name="playbook_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    @property
    def label(self) -> str:
        return f"{self.name} v{self.number}"


class CaseState(models.Model):
    """The engine's record of one case: its version, the information gathered for its
    category (EB4), ticked checklist items (ED6) and requirements rules added."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="+")
    version = models.ForeignKey(PlaybookVersion, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict, blank=True)
    checklist = models.JSONField(default=dict, blank=True)
    requirements = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"playbook state of case {self.case_id}"


class ClockStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    STOPPED = "stopped", _("Stopped")


class Clock(models.Model):
    """A promise with a deadline: in calendar time, business time or delivered lessons.
    ``used`` is what was spent before the current run; a running clock's deadline is
    ``due_at`` (time clocks) or ``due_sessions`` (lesson clocks)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks")
    name = models.CharField(max_length=64)
    measure = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=ClockStatus.choices)
    target_seconds = models.BigIntegerField(null=True, blank=True)
    target_sessions = models.IntegerField(null=True, blank=True)
    used_seconds = models.BigIntegerField(default=0)
    started_at = models.DateTimeField()
    running_since = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    sessions_at_start = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    warned = models.JSONField(default=list, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    rule = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "name"], name="clock_unique_name"),
        ]
        indexes = [models.Index(fields=["organization", "status", "due_at"], name="clock_due")]

    def __str__(self) -> str:
        return f"{self.name} on {self.case_id}"


class DutyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DONE = "done", _("Done")
    ENDED = "ended", _("Ended")


class Duty(models.Model):
    """A recurring obligation while a case is open: daily notes (MT7), contact on N
    consecutive days (MT6), feedback twice per 48 lessons (ED3)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="duties")
    name = models.CharField(max_length=64)
    kind = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=DutyStatus.choices)
    streak = models.PositiveIntegerField(default=0)
    needed = models.PositiveIntegerField(default=1)
    last_done_on = models.DateField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    overdue_since = models.DateTimeField(null=True, blank=True)
    missed = models.PositiveIntegerField(default=0)
    # Per-sessions duties (ED3): where the current block of lessons began.
    sessions_at_start = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    started_at = models.DateTimeField()
    rule = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "duties"
        constraints = [models.UniqueConstraint(fields=["case", "name"], name="duty_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} on case {self.case_id}"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


class Approval(models.Model):
    """An offer or refund waiting for the role the playbook names (MT5, ED5); above the
    limit a second approver decides after the first."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="approvals")
    name = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    amount = money_field("amount")
    approver_role = models.CharField(max_length=32)
    second_role = models.CharField(max_length=32, blank=True)
    first_decided_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    requested_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    rule = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["organization", "status"], name="approval_pending")]

    def __str__(self) -> str:
        return f"{self.name} on case {self.case_id} ({self.status})"

    @property
    def waiting_for(self) -> str:
        """The role whose decision is awaited now."""
        if self.first_decided_by_id is not None and self.second_role:
            return self.second_role
        return self.approver_role


class HandoffStatus(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    ACCEPTED = "accepted", _("Accepted")
    FALLBACK = "fallback", _("Nobody accepted")
    CANCELLED = "cancelled", _("Cancelled")


class Handoff(models.Model):
    """A live (warm) transfer (EB3). ``step`` is the index of the skill now ringing;
    accepting is a conditional update on (status, step), so one member wins."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handoffs")
    name = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=HandoffStatus.choices, default=HandoffStatus.RINGING
    )
    step = models.PositiveSmallIntegerField(default=0)
    skill = models.ForeignKey(Skill, null=True, blank=True, on_delete=models.SET_NULL)
    requested_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    step_started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    rule = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "status"], name="handoff_ringing")]

    def __str__(self) -> str:
        return f"{self.name} on case {self.case_id} ({self.status})"


class ReviewEntry(models.Model):
    """A case put on a review list, e.g. the weekly finance review (MT8)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="review_entries")
    list = models.CharField(max_length=64)
    reason = models.TextField(blank=True)
    added_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rule = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "review entries"
        constraints = [
            models.UniqueConstraint(
                fields=["case", "list"],
                condition=models.Q(reviewed_at__isnull=True),
                name="review_one_open_entry",
            )
        ]

    def __str__(self) -> str:
        return f"case {self.case_id} on {self.list}"


class AccountDecision(models.Model):
    """What an account rule did for a customer (no case to put it on): the case it
    opened, the task it made, whom it told. Append-only, like a case's timeline; the
    customer page shows it, and a rule is not repeated while its case or task is open."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="account_decisions"
    )
    program = models.ForeignKey(
        Program, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.ForeignKey(PlaybookVersion, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(max_length=64)
    trigger = models.CharField(max_length=40)
    kind = models.CharField(max_length=40)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer", "rule"], name="account_decision_rule"),
            models.Index(fields=["customer", "-at"], name="account_decision_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.kind}"
