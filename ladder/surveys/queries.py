"""Reads of surveys shared by the interfaces: a customer's surveys, a case's survey, a
survey by its token (the public page), and the organization's Net Promoter Score."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q

from ladder.cases.models import Case
from ladder.customers.models import Customer
from ladder.errors import NotFound
from ladder.surveys.actions import MAX_TOKEN, token_digest
from ladder.surveys.models import Band, Survey
from ladder.tenancy.models import Organization

_ID_MAX = 2**63 - 1
CUSTOMER_SURVEYS_LIMIT = 50


def survey_by_token(*, token: str) -> Survey:
    """The survey a public link names, with its organization and case: NotFound for a
    token nobody was sent."""
    if not token or len(token) > MAX_TOKEN:
        raise NotFound("survey")
    survey = (
        Survey.objects.select_related("organization", "case")
        .filter(token_hash=token_digest(token))
        .first()
    )
    if survey is None:
        raise NotFound("survey")
    return survey


def surveys_of_customer(
    *, organization: Organization, customer_id: int, limit: int = CUSTOMER_SURVEYS_LIMIT
) -> list[Survey]:
    """The customer's surveys, newest first, each with its case; NotFound for a customer
    of another organization."""
    if not 0 < customer_id <= _ID_MAX or not (
        Customer.objects.filter(organization=organization, pk=customer_id).exists()
    ):
        raise NotFound("customer")
    return list(
        Survey.objects.filter(organization=organization, customer_id=customer_id)
        .select_related("case")
        .order_by("-sent_at", "-id")[:limit]
    )


def answered_surveys_of_customer(
    *, organization: Organization, customer_id: int, limit: int = CUSTOMER_SURVEYS_LIMIT
) -> list[Survey]:
    """What the customer page shows: the answers, newest first, each with its case (the
    caller has checked the customer is in the organization)."""
    return list(
        Survey.objects.filter(
            organization=organization, customer_id=customer_id, answered_at__isnull=False
        )
        .select_related("case")
        .order_by("-answered_at", "-id")[:limit]
    )


def survey_of_case(*, organization: Organization, case_id: int) -> Survey:
    """The case's newest survey; NotFound if the case is not the organization's or has
    had no survey sent."""
    if not 0 < case_id <= _ID_MAX or not (
        Case.objects.filter(organization=organization, pk=case_id).exists()
    ):
        raise NotFound("case")
    survey = (
        Survey.objects.filter(organization=organization, case_id=case_id)
        .select_related("case")
        .order_by("-sent_at", "-id")
        .first()
    )
    if survey is None:
        raise NotFound("survey")
    return survey


@dataclass(frozen=True)
class NetPromoterScore:
    """Promoters minus detractors, as a percentage of the answers (−100 to 100)."""

    answers: int
    promoters: int
    passives: int
    detractors: int

    @property
    def score(self) -> Decimal | None:
        if not self.answers:
            return None
        share = Decimal(100 * (self.promoters - self.detractors)) / self.answers
        return share.quantize(Decimal("0.1"))


def net_promoter_score(
    *,
    organization: Organization,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> NetPromoterScore:
    """The organization's NPS over the answers given in [since, until), in one query."""
    rows = Survey.objects.filter(organization=organization, answered_at__isnull=False)
    if since is not None:
        rows = rows.filter(answered_at__gte=since)
    if until is not None:
        rows = rows.filter(answered_at__lt=until)
    counts = rows.aggregate(
        answers=Count("id"),
        promoters=Count("id", filter=Q(band=Band.PROMOTER)),
        passives=Count("id", filter=Q(band=Band.PASSIVE)),
        detractors=Count("id", filter=Q(band=Band.DETRACTOR)),
    )
    return NetPromoterScore(**counts)
