from __future__ import annotations

from django.db import models

from ladder.tenancy.models import Staff


class IdempotencyKey(models.Model):
    """The first result of a create request sent with an ``Idempotency-Key`` header, so
    that a retry returns it instead of creating a second object."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return self.key
