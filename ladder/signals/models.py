"""How signals come in from outside (MT1): the signed webhook's per-organization secret
and the receipts that refuse a replayed request, and CSV imports with their progress.
The signals themselves are :class:`ladder.health.models.Signal`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ladder.tenancy.models import Organization, Staff


class SignalHook(models.Model):
    """The secret a system without API tokens signs its webhook posts with
    (``POST /api/v1/hooks/signals``). Create or rotate it with
    ``ladder signals hook-secret ORG``; an inactive hook refuses every post."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="signal_hook"
    )
    secret = models.CharField(max_length=128)
    active = models.BooleanField(default=True)
    rotated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"signal hook of {self.organization_id}"


class HookReceipt(models.Model):
    """A signature the webhook has accepted: the same signature again is a replay. Kept
    for as long as its timestamp could still be accepted, then pruned."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    signature = models.CharField(max_length=100)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "signature"], name="signals_receipt_unique"
            )
        ]

    def __str__(self) -> str:
        return self.signature


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class SignalImport(models.Model):
    """One CSV import: its progress while the worker runs it, then the counts and the
    first 1,000 refused rows ([{row, field, message}], ``row`` the file's line)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_label = models.CharField(max_length=200, blank=True)
    filename = models.CharField(max_length=255)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)
    status = models.CharField(
        max_length=8, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    failure = models.TextField(blank=True)
    queued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-queued_at"], name="signals_import_recent")
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, self.processed_rows * 100 // self.total_rows)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


class SignalImportFile(models.Model):
    """The uploaded file, kept in the database until the worker has imported it, so a
    worker on another host reads it too."""

    signal_import = models.OneToOneField(
        SignalImport, on_delete=models.CASCADE, primary_key=True, related_name="file"
    )
    content = models.BinaryField()

    def __str__(self) -> str:
        return f"file of import {self.signal_import_id}"
