"""Reads the API and the pages share: a case's retention (its record, save attempts
and invoice corrections) and the organization's offer catalog, in a fixed number of
queries."""

from __future__ import annotations

from dataclasses import dataclass

from ladder.cases.models import Case
from ladder.errors import NotFound
from ladder.retention.models import InvoiceCorrection, Offer, RetentionRecord, SaveAttempt
from ladder.tenancy.models import Organization


@dataclass(frozen=True)
class CaseRetention:
    case: Case
    record: RetentionRecord | None
    attempts: list[SaveAttempt]
    corrections: list[InvoiceCorrection]

    @property
    def refund_type(self) -> str | None:
        """``full`` when the corrected invoice is zero, ``partial`` otherwise."""
        rec = self.record
        if rec is None or rec.corrected_amount is None:
            return None
        return "partial" if rec.corrected_amount.amount else "full"


def case_retention(*, organization: Organization, case_id: int) -> CaseRetention:
    """Four queries whatever the number of attempts and corrections."""
    case = Case.objects.filter(organization=organization, pk=case_id).first()
    if case is None:
        raise NotFound("case")
    return CaseRetention(
        case=case,
        record=RetentionRecord.objects.filter(case=case).first(),
        attempts=list(
            SaveAttempt.objects.filter(case=case).select_related(
                "offer", "proposed_by", "decided_by"
            )
        ),
        corrections=list(InvoiceCorrection.objects.filter(case=case).select_related("by")),
    )


def case_in(*, organization: Organization, case_id: int) -> None:
    """NotFound unless the case is the organization's."""
    if not Case.objects.filter(organization=organization, pk=case_id).exists():
        raise NotFound("case")


def catalog(*, organization: Organization, active_only: bool = False) -> list[Offer]:
    offers = Offer.objects.filter(organization=organization)
    if active_only:
        offers = offers.filter(active=True)
    return list(offers.order_by("-active", "key"))


def offer_in(*, organization: Organization, offer_id: int) -> Offer:
    offer = Offer.objects.filter(organization=organization, pk=offer_id).first()
    if offer is None:
        raise NotFound("offer")
    return offer
