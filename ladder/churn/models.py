"""The taxonomy versions, the codes chosen on a case, the kinds that require codes and
the log of configuration changes."""

from __future__ import annotations

from django.db import models

from ladder.cases.models import Case
from ladder.tenancy.models import Organization, Staff


class TaxonomyVersion(models.Model):
    """One published taxonomy: immutable once written. The organization's current
    taxonomy is its highest number; a case's codes point at the version they were
    chosen from."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    number = models.PositiveIntegerField()
    # [{key, label: {en, zh_hans}, reasons: [{key, label, secondary: [{key, label}]}]}]
    categories = models.JSONField()
    published_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_by_label = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["organization", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="churn_taxonomy_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"churn taxonomy v{self.number}"


class ChurnSettings(models.Model):
    """Which case kinds need churn codes before they close. Without a row, the
    default kinds of ``ladder.churn.queries.DEFAULT_REQUIRED_KINDS`` apply."""

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="churn_settings"
    )
    required_kinds = models.JSONField(default=list)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "churn settings"

    def __str__(self) -> str:
        return "churn settings"


class CaseChurnCodes(models.Model):
    """The codes chosen on a case, with the labels exactly as they were in the version
    they were chosen from: editing the taxonomy never changes them."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="churn_codes")
    taxonomy = models.ForeignKey(TaxonomyVersion, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=64)
    category_label = models.JSONField()  # {en, zh_hans}
    reason = models.CharField(max_length=64)
    reason_label = models.JSONField()
    secondary = models.JSONField(default=list)  # [{key, label: {en, zh_hans}}]
    set_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_by_label = models.CharField(max_length=200)
    set_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "case churn codes"
        indexes = [
            models.Index(
                fields=["organization", "category", "reason"], name="churn_codes_by_reason"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category}/{self.reason}"


class ConfigurationChange(models.Model):
    """The audit log of the churn configuration: a taxonomy published, the required
    kinds changed; who did it and when."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=64)  # churn.taxonomy_published, churn.required_kinds_set
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
