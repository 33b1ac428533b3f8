"""What the public complaint form remembers about who filed: only enough to limit how
often one address may file (see :mod:`ladder.cases.public`)."""

from __future__ import annotations

from django.db import models

from ladder.tenancy.models import Organization


class PublicSubmission(models.Model):
    """One complaint accepted from the public form. The client's address is kept only as
    a keyed digest, so the table holds no address that could identify a visitor; rows
    older than the rate-limit window are pruned as new ones arrive."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    address_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "address_digest", "created_at"],
                name="public_submission_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.address_digest[:12]}… at {self.created_at:%Y-%m-%d %H:%M}"
