"""A Survey is one NPS and CSAT question sent to a customer after a case was resolved.
Its token travels only in the e-mail; the row keeps its SHA-256 digest, so a copy of the
database cannot answer anyone's survey."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ladder.cases.models import Case
from ladder.customers.models import Customer
from ladder.tenancy.models import Locale, Organization

MAX_COMMENT = 2_000


class Band(models.TextChoices):
    """Where an NPS answer falls: 0-6 detractor, 7-8 passive, 9-10 promoter."""

    DETRACTOR = "detractor", _("Detractor")
    PASSIVE = "passive", _("Passive")
    PROMOTER = "promoter", _("Promoter")


def band_of(nps: int) -> Band:
    if nps <= 6:
        return Band.DETRACTOR
    if nps <= 8:
        return Band.PASSIVE
    return Band.PROMOTER


class Survey(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="surveys")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="surveys")
    email = models.EmailField()
    language = models.CharField(max_length=10, choices=Locale.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    # The playbook rule that asked for it, as "<version label>: <rule>".
    rule = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=MAX_COMMENT)
    band = models.CharField(max_length=10, choices=Band.choices, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "customer", "-sent_at"], name="survey_customer"),
            models.Index(fields=["organization", "answered_at"], name="survey_answered"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(nps__lte=10), name="survey_nps_range"),
            models.CheckConstraint(
                condition=Q(csat__isnull=True) | Q(csat__gte=1, csat__lte=5),
                name="survey_csat_range",
            ),
            # An answered survey has its score and band; an open one has neither.
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, nps__isnull=True, band="")
                | Q(answered_at__isnull=False, nps__isnull=False) & ~Q(band=""),
                name="survey_answer_whole",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("sent_at")), name="survey_expiry"
            ),
        ]

    def __str__(self) -> str:
        return f"survey {self.pk} of case {self.case_id}"
