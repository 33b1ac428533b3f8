"""Deadlines and their firings. A Deadline is a row with a due time; the worker fires
it once. A Firing is the effect marker, unique per deadline and written in the same
transaction as the effect, so a second firing fails on the constraint instead of
applying the effect twice."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from ladder.cases.models import Case
from ladder.tenancy.models import Organization


class Outcome(models.TextChoices):
    APPLIED = "applied", "applied"
    # The handler re-checked and found nothing to do (the clock stopped, the duty was done).
    STALE = "stale", "stale"
    # The handler kept failing; the last error is on the deadline.
    FAILED = "failed", "failed"


class Deadline(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=64)  # dotted: clock.warning, clock.breach, duty.due …
    target_id = models.BigIntegerField()  # the row the handler loads (a clock, a duty …)
    due_at = models.DateTimeField()
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    fired_by = models.CharField(max_length=100, blank=True)
    # A failing handler is retried with backoff; retry_at holds the row back until then.
    attempts = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            # The claim query: the unfired, uncancelled rows in due order. Fired rows
            # leave the index, so it stays as small as the backlog.
            models.Index(
                fields=["due_at", "id"],
                name="deadline_due",
                condition=Q(fired_at__isnull=True, cancelled_at__isnull=True),
            ),
            models.Index(fields=["kind", "target_id"], name="deadline_target"),
            models.Index(fields=["case", "due_at"], name="deadline_case"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(fired_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="deadline_fired_or_cancelled",
            )
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._outcome = Outcome.APPLIED

    def __str__(self) -> str:
        return f"{self.kind} {self.target_id} due {self.due_at:%Y-%m-%d %H:%M:%S}"

    def mark_stale(self) -> None:
        """Called by a handler that re-checked and found the deadline no longer applies:
        the row is marked fired with outcome "stale" and no effect."""
        self._outcome = Outcome.STALE

    @property
    def outcome(self) -> Outcome:
        return self._outcome


class Firing(models.Model):
    deadline = models.OneToOneField(
        Deadline, on_delete=models.PROTECT, related_name="firing", primary_key=True
    )
    fired_at = models.DateTimeField()
    worker = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)

    def __str__(self) -> str:
        return f"{self.deadline_id} {self.outcome} by {self.worker}"
