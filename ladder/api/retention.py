"""/api/v1: retention (ED5, MT5, MT8): a cancellation, refund, downgrade or
level-change case's reasons, save offers, invoice corrections, outcome and payout; and
the organization's offer catalog. Money is ``{"amount": "120.00", "currency": "CNY"}``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import get_language
from djmoney.money import Money
from ninja import Field, Router, Schema
from ninja.responses import Status as Reply
from pydantic import StringConstraints

from ladder.api.auth import actor_of
from ladder.api.http import responses
from ladder.api.schemas import MoneyOut, money_out
from ladder.errors import FieldError, Invalid
from ladder.retention import actions, queries
from ladder.retention.models import InvoiceCorrection, Offer, SaveAttempt
from ladder.tenancy.models import Organization

router = Router(tags=["retention"])

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Reason = Annotated[str, StringConstraints(max_length=actions.MAX_REASON)]


# --- schemas ---------------------------------------------------------------------------


class AmountIn(Schema):
    amount: Decimal = Field(description='decimal amount as a string, e.g. "120.00"')
    currency: Annotated[str, StringConstraints(max_length=8)] = Field(
        description="the organization's currency (ISO 4217)"
    )


class TermsIO(Schema):
    percent: Decimal | None = Field(default=None, description="a discount in percent, e.g. 15")
    amount: AmountIn | None = None
    sessions: int | None = Field(default=None, ge=-(2**31), le=2**31 - 1)
    days: int | None = Field(default=None, ge=-(2**31), le=2**31 - 1)


class TermsOut(Schema):
    percent: str | None
    amount: MoneyOut | None
    sessions: int | None
    days: int | None


class OfferRef(Schema):
    id: int
    key: str
    kind: str
    label: str = Field(description="in the caller's language (Accept-Language)")


class AttemptOut(Schema):
    id: int
    offer: OfferRef
    terms: TermsOut
    note: str
    proposed_by: str
    proposed_at: dt.datetime
    answer: str = Field(description="pending, accepted or declined")
    approver_role: str = Field(description="the role that decides; empty: none needed")
    decision: str = Field(description="not_needed, pending, approved or denied")
    decided_by: str
    decided_at: dt.datetime | None
    decision_reason: str


class CorrectionOut(Schema):
    id: int
    original: MoneyOut
    corrected: MoneyOut
    refund: MoneyOut
    reason: str
    by: str
    at: dt.datetime


class RetentionOut(Schema):
    case_id: int
    kind: str
    stated_reason: str
    true_reason: str
    eligible: bool = Field(description="false when a playbook rule refused the request")
    refused_by_rule: str
    refusal: str
    outcome: str = Field(description="empty until recorded")
    original_amount: MoneyOut | None
    corrected_amount: MoneyOut | None
    refund_amount: MoneyOut | None = Field(description="original − corrected")
    refund_type: str | None = Field(description="full or partial; null without a correction")
    payout_at: dt.datetime | None
    payout_reference: str
    offers: list[AttemptOut]
    corrections: list[CorrectionOut]


class RetentionIn(Schema):
    stated_reason: Reason | None = None
    true_reason: Reason | None = None
    outcome: str | None = Field(
        None,
        description="saved, saved_with_downgrade, paused, cancelled, refunded_full, "
        "refunded_partial or moved",
    )


class ProposeIn(Schema):
    offer_id: Id
    terms: TermsIO | None = None
    note: Reason = ""


class OfferAnswerIn(Schema):
    accepted: bool


class OfferDecisionIn(Schema):
    approve: bool
    reason: Reason = ""


class CorrectionIn(Schema):
    original: AmountIn
    corrected: AmountIn
    reason: Reason


class PayoutIn(Schema):
    reference: Annotated[str, StringConstraints(max_length=100)]


class OfferIO(Schema):
    key: Annotated[str, StringConstraints(max_length=64)]
    kind: str
    label_en: Annotated[str, StringConstraints(max_length=200)]
    label_zh_hans: Annotated[str, StringConstraints(max_length=200)] = ""
    max_percent: Decimal | None = None
    max_amount: AmountIn | None = None
    max_sessions: int | None = Field(default=None, ge=-(2**31), le=2**31 - 1)
    max_days: int | None = Field(default=None, ge=-(2**31), le=2**31 - 1)
    approver_role: str = Field(default="", description="a role, or empty when none is needed")
    active: bool = True


class OfferOut(Schema):
    id: int
    key: str
    kind: str
    label: str = Field(description="in the caller's language (Accept-Language)")
    label_en: str
    label_zh_hans: str
    max_percent: str | None
    max_amount: MoneyOut | None
    max_sessions: int | None
    max_days: int | None
    approver_role: str
    active: bool


# --- converters --------------------------------------------------------------------------


def _money(value: AmountIn | None, org: Organization, field: str) -> Money | None:
    if value is None:
        return None
    return actions.to_money(value.amount, value.currency.upper(), org, field)


def _monies(org: Organization, **values: AmountIn | None) -> dict[str, Money | None]:
    """Every amount checked at once, so one reply names each bad field."""
    errors: list[FieldError] = []
    out: dict[str, Money | None] = {}
    for name, value in values.items():
        try:
            out[name] = _money(value, org, name)
        except Invalid as exc:
            errors.extend(exc.errors)
    if errors:
        raise Invalid(errors)
    return out


def _language() -> str:
    return get_language() or "en"


def _percent(value: Decimal | None) -> str | None:
    return f"{value.normalize():f}" if value is not None else None


def _attempt(a: SaveAttempt) -> AttemptOut:
    return AttemptOut(
        id=a.pk,
        offer=OfferRef(
            id=a.offer.pk, key=a.offer.key, kind=a.offer.kind, label=a.offer.label(_language())
        ),
        terms=TermsOut(
            percent=_percent(a.percent),
            amount=money_out(a.amount),
            sessions=a.sessions,
            days=a.days,
        ),
        note=a.note,
        proposed_by=a.proposed_by_label,
        proposed_at=a.proposed_at,
        answer=a.answer,
        approver_role=a.approver_role,
        decision=a.decision,
        decided_by=a.decided_by_label,
        decided_at=a.decided_at,
        decision_reason=a.decision_reason,
    )


def _correction(c: InvoiceCorrection) -> CorrectionOut:
    original, corrected, refund = money_out(c.original), money_out(c.corrected), money_out(c.refund)
    assert original is not None
    assert corrected is not None
    assert refund is not None
    return CorrectionOut(
        id=c.pk,
        original=original,
        corrected=corrected,
        refund=refund,
        reason=c.reason,
        by=c.by_label,
        at=c.at,
    )


def _retention(view: queries.CaseRetention) -> RetentionOut:
    rec = view.record
    return RetentionOut(
        case_id=view.case.pk,
        kind=view.case.kind,
        stated_reason=rec.stated_reason if rec else "",
        true_reason=rec.true_reason if rec else "",
        eligible=rec.eligible if rec else True,
        refused_by_rule=rec.refused_by_rule if rec else "",
        refusal=rec.refusal if rec else "",
        outcome=rec.outcome if rec else "",
        original_amount=money_out(rec.original_amount) if rec else None,
        corrected_amount=money_out(rec.corrected_amount) if rec else None,
        refund_amount=money_out(rec.refund_amount) if rec else None,
        refund_type=view.refund_type,
        payout_at=rec.payout_at if rec else None,
        payout_reference=rec.payout_reference if rec else "",
        offers=[_attempt(a) for a in view.attempts],
        corrections=[_correction(c) for c in view.corrections],
    )


def _offer(o: Offer) -> OfferOut:
    return OfferOut(
        id=o.pk,
        key=o.key,
        kind=o.kind,
        label=o.label(_language()),
        label_en=o.label_en,
        label_zh_hans=o.label_zh_hans,
        max_percent=_percent(o.max_percent),
        max_amount=money_out(o.max_amount),
        max_sessions=o.max_sessions,
        max_days=o.max_days,
        approver_role=o.approver_role,
        active=o.active,
    )


def _offer_input(body: OfferIO, org: Organization) -> actions.OfferInput:
    return actions.OfferInput(
        key=body.key,
        kind=body.kind,
        label_en=body.label_en,
        label_zh_hans=body.label_zh_hans,
        max_percent=body.max_percent,
        max_amount=_money(body.max_amount, org, "max_amount"),
        max_sessions=body.max_sessions,
        max_days=body.max_days,
        approver_role=body.approver_role,
        active=body.active,
    )


def _case_of(request: HttpRequest, case_id: int) -> None:
    """404 for a case outside the caller's organization, before the body is read."""
    queries.case_in(organization=actor_of(request).organization, case_id=case_id)


def _view(request: HttpRequest, case_id: int) -> RetentionOut:
    org = actor_of(request).organization
    return _retention(queries.case_retention(organization=org, case_id=case_id))


# --- a case's retention ----------------------------------------------------------------


@router.get(
    "/cases/{case_id}/retention",
    response=responses({200: RetentionOut}, 404),
    summary="A case's retention record",
)
def get_retention(request: HttpRequest, case_id: Id) -> RetentionOut:
    """The stated and true reasons, eligibility (and the rule that refused the
    request), save offers with the customer's answer and the approval decision, invoice
    corrections, the refund (original − corrected), the outcome and the payout."""
    return _view(request, case_id)


@router.put(
    "/cases/{case_id}/retention",
    response=responses({200: RetentionOut}, 403, 404, 409),
    summary="Record the reasons and the outcome",
)
def put_retention(request: HttpRequest, case_id: Id, body: RetentionIn) -> RetentionOut:
    """ED5: the stated reason and, after talking, the true reason (which becomes the
    case's root cause); the outcome, which must match what the case recorded (422
    naming `outcome`: saved_with_downgrade needs an accepted downgrade offer, paused an
    accepted pause, refunded_full/refunded_partial an invoice correction and an
    eligible request). All or nothing. 409 for a case that is not a cancellation,
    refund, downgrade or level change, or is resolved or closed."""
    _case_of(request, case_id)
    actions.update_retention(
        actor=actor_of(request),
        case_id=case_id,
        stated_reason=body.stated_reason,
        true_reason=body.true_reason,
        outcome=body.outcome,
    )
    return _view(request, case_id)


@router.post(
    "/cases/{case_id}/offers",
    response=responses({201: RetentionOut}, 403, 404, 409),
    summary="Propose a save offer from the catalog",
)
def post_offer(request: HttpRequest, case_id: Id, body: ProposeIn) -> Reply[RetentionOut]:
    """MT5, MT8: the terms are checked against the catalog entry: 422 naming the term
    (`terms.percent` "is above the offer's limit of 20%", `terms.amount.amount` "cannot
    be negative", `terms.amount.currency`). An entry with an approver role waits for
    that role's decision (`decision: pending`)."""
    _case_of(request, case_id)
    actor = actor_of(request)
    given = body.terms or TermsIO()
    amount = _monies(actor.organization, **{"terms.amount": given.amount})["terms.amount"]
    terms = actions.Terms(
        percent=given.percent, amount=amount, sessions=given.sessions, days=given.days
    )
    actions.propose_offer(
        actor=actor, case_id=case_id, offer_id=body.offer_id, terms=terms, note=body.note
    )
    return Reply(201, _view(request, case_id))


@router.post(
    "/cases/{case_id}/offers/{attempt_id}/answer",
    response=responses({200: RetentionOut}, 403, 404, 409),
    summary="Record the customer's answer to an offer",
)
def post_answer(
    request: HttpRequest, case_id: Id, attempt_id: Id, body: OfferAnswerIn
) -> RetentionOut:
    """Accepted or declined, once (409 after that)."""
    _case_of(request, case_id)
    actions.record_customer_answer(
        actor=actor_of(request), case_id=case_id, attempt_id=attempt_id, accepted=body.accepted
    )
    return _view(request, case_id)


@router.post(
    "/cases/{case_id}/offers/{attempt_id}/decision",
    response=responses({200: RetentionOut}, 403, 404, 409),
    summary="Approve or deny an offer",
)
def post_decision(
    request: HttpRequest, case_id: Id, attempt_id: Id, body: OfferDecisionIn
) -> RetentionOut:
    """MT5: only a holder of the role the catalog entry names (403 otherwise); a denial
    needs its reason (422). 409 when no decision is needed or it was already made."""
    _case_of(request, case_id)
    actions.decide_offer(
        actor=actor_of(request),
        case_id=case_id,
        attempt_id=attempt_id,
        approve=body.approve,
        reason=body.reason,
    )
    return _view(request, case_id)


@router.post(
    "/cases/{case_id}/invoice-corrections",
    response=responses({201: RetentionOut}, 403, 404, 409),
    summary="Correct the invoice: the refund is original − corrected",
)
def post_correction(request: HttpRequest, case_id: Id, body: CorrectionIn) -> Reply[RetentionOut]:
    """ED5: exact amounts in the organization's currency; the corrected amount may not
    exceed the original (422 naming `corrected.amount`), nor be negative, nor in another
    currency (422 naming `original.currency` …). The refund becomes the case's money at
    stake, the amount the refund form is approved with."""
    _case_of(request, case_id)
    actor = actor_of(request)
    money = _monies(actor.organization, original=body.original, corrected=body.corrected)
    original, corrected = money["original"], money["corrected"]
    assert original is not None
    assert corrected is not None
    actions.correct_invoice(
        actor=actor, case_id=case_id, original=original, corrected=corrected, reason=body.reason
    )
    return Reply(201, _view(request, case_id))


@router.post(
    "/cases/{case_id}/payout",
    response=responses({200: RetentionOut}, 403, 404, 409),
    summary="Record that finance paid the refund",
)
def post_payout(request: HttpRequest, case_id: Id, body: PayoutIn) -> RetentionOut:
    """ED5: `refund.pay` (accounting). Fires `refund.paid`, on which the shipped school
    playbook stops its same-day payout clock. 409 without a refund to pay, before the
    case's approval (the principal's refund form) is approved, for a request a rule
    refused, or when it was already paid."""
    _case_of(request, case_id)
    actions.record_payout(actor=actor_of(request), case_id=case_id, reference=body.reference)
    return _view(request, case_id)


# --- the catalog -----------------------------------------------------------------------


@router.get(
    "/offers",
    response=responses({200: list[OfferOut]}),
    summary="The save-offer catalog",
)
def get_offers(request: HttpRequest) -> list[OfferOut]:
    """Active offers first, then retired ones, each by key."""
    org = actor_of(request).organization
    return [_offer(o) for o in queries.catalog(organization=org)]


@router.post(
    "/offers",
    response=responses({201: OfferOut}, 403),
    summary="Add an offer to the catalog",
)
def post_offers(request: HttpRequest, body: OfferIO) -> Reply[OfferOut]:
    """Admins (`configure`). Kinds: discount, free_sessions, pause, downgrade,
    switch_tutor, extend_term, credit, custom; limits as fit the kind; the approver
    role, if any, decides each proposal."""
    actor = actor_of(request)
    offer = actions.save_offer(actor=actor, values=_offer_input(body, actor.organization))
    return Reply(201, _offer(offer))


@router.put(
    "/offers/{offer_id}",
    response=responses({200: OfferOut}, 403, 404),
    summary="Change an offer (or retire it with active: false)",
)
def put_offer(request: HttpRequest, offer_id: Id, body: OfferIO) -> OfferOut:
    """Admins (`configure`). Proposals already made keep their terms."""
    actor = actor_of(request)
    queries.offer_in(organization=actor.organization, offer_id=offer_id)
    offer = actions.save_offer(
        actor=actor, offer_id=offer_id, values=_offer_input(body, actor.organization)
    )
    return _offer(offer)
