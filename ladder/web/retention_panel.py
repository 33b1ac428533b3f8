"""The case page's retention panel (ED5, MT5, MT8): what it shows and offers on a
cancellation, refund, downgrade or level-change case, built from the retention app's
reads; and the timeline's sentences for retention events. Its own module so that the
case page and the retention views both use it without importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from djmoney.money import Money

from ladder.cases.models import Case
from ladder.cases.states import Status
from ladder.retention import queries
from ladder.retention.actions import RETENTION_KINDS, TERMS
from ladder.retention.models import Answer, Decision, Offer, OfferKind, Outcome, SaveAttempt
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Role
from ladder.tenancy.permissions import Permission
from ladder.web.engine_events import title

# Where the panel's typed values and refusals travel in the case page's Bound.
PREFIX = "retention."


def money_text(value: Money | None) -> str:
    return f"{value.amount:,.2f} {value.currency}" if value is not None else "—"


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def offer_limits(offer: Offer) -> str:
    """The catalog entry's limits and approver, in words."""
    parts = []
    if offer.max_percent is not None:
        parts.append(_("up to %(limit)s") % {"limit": _percent(offer.max_percent)})
    if offer.max_amount is not None:
        parts.append(_("up to %(limit)s") % {"limit": money_text(offer.max_amount)})
    if offer.max_sessions is not None:
        parts.append(_("up to %(count)s sessions") % {"count": offer.max_sessions})
    if offer.max_days is not None:
        parts.append(_("up to %(count)s days") % {"count": offer.max_days})
    if offer.approver_role:
        parts.append(_("approved by %(role)s") % {"role": Role(offer.approver_role).label})
    return ", ".join(str(p) for p in parts)


def terms_text(a: SaveAttempt) -> str:
    parts = []
    if a.percent is not None:
        parts.append(_percent(a.percent))
    if a.amount is not None:
        parts.append(money_text(a.amount))
    if a.sessions is not None:
        parts.append(_("%(count)s sessions") % {"count": a.sessions})
    if a.days is not None:
        parts.append(_("%(count)s days") % {"count": a.days})
    return ", ".join(parts) or "—"


@dataclass(frozen=True)
class ShownAttempt:
    id: int
    offer: str
    terms: str
    note: str
    proposed_by: str
    answer: str
    answer_label: str
    decision: str
    decision_label: str
    approver: str
    decided_by: str
    decision_reason: str
    can_answer: bool
    can_decide: bool


@dataclass(frozen=True)
class ShownOffer:
    id: int
    label: str
    limits: str
    selected: bool = False


@dataclass(frozen=True)
class ShownCorrection:
    original: str
    corrected: str
    refund: str
    reason: str
    by: str


@dataclass
class RetentionPanel:
    show: bool
    editable: bool = False
    can_pay: bool = False
    eligible: bool = True
    refused_by_rule: str = ""
    refusal: str = ""
    stated_reason: str = ""
    true_reason: str = ""
    outcome: str = ""
    outcome_label: str = ""
    original: str = "—"
    corrected: str = "—"
    refund: str = "—"
    refund_type: str = ""
    has_refund: bool = False
    paid: bool = False
    payout_at: Any = None
    payout_reference: str = ""
    currency: str = ""
    attempts: list[ShownAttempt] = field(default_factory=list)
    offers: list[ShownOffer] = field(default_factory=list)
    corrections: list[ShownCorrection] = field(default_factory=list)
    outcomes: list[tuple[str, str]] = field(default_factory=list)
    # The terms the chosen offer takes (htmx narrows the form as the agent picks).
    chosen: bool = False
    terms: frozenset[str] = frozenset()
    chosen_limits: str = ""


def retention_panel(*, actor: Actor, case: Case, offer_id: str = "") -> RetentionPanel:
    """Nothing for kinds other than cancellation, refund, downgrade, level change."""
    if case.kind not in RETENTION_KINDS:
        return RetentionPanel(show=False)
    view = queries.case_retention(organization=actor.organization, case_id=case.pk)
    language = get_language() or "en"
    open_case = case.status not in (Status.RESOLVED, Status.CLOSED)
    editable = open_case and actor.can(Permission.CASE_EDIT)
    roles = actor.staff.role_set if actor.staff is not None else frozenset()
    rec = view.record
    panel = RetentionPanel(
        show=True,
        editable=editable,
        currency=actor.organization.currency,
        outcomes=[(str(v), str(label)) for v, label in Outcome.choices],
    )
    if rec is not None:
        panel.eligible = rec.eligible
        panel.refused_by_rule = rec.refused_by_rule
        panel.refusal = rec.refusal
        panel.stated_reason = rec.stated_reason
        panel.true_reason = rec.true_reason
        panel.outcome = rec.outcome
        panel.outcome_label = str(Outcome(rec.outcome).label) if rec.outcome else ""
        panel.original = money_text(rec.original_amount)
        panel.corrected = money_text(rec.corrected_amount)
        panel.refund = money_text(rec.refund_amount)
        panel.has_refund = rec.refund_amount is not None and bool(rec.refund_amount.amount)
        panel.paid = rec.payout_at is not None
        panel.payout_at = rec.payout_at
        panel.payout_reference = rec.payout_reference
        panel.can_pay = (
            panel.has_refund and not panel.paid and rec.eligible and actor.can(Permission.PAYOUT)
        )
    panel.refund_type = {"full": _("full refund"), "partial": _("partial refund")}.get(
        view.refund_type or "", ""
    )
    panel.attempts = [
        ShownAttempt(
            id=a.pk,
            offer=a.offer.label(language),
            terms=terms_text(a),
            note=a.note,
            proposed_by=a.proposed_by_label,
            answer=a.answer,
            answer_label=str(Answer(a.answer).label),
            decision=a.decision,
            decision_label=str(Decision(a.decision).label),
            approver=str(Role(a.approver_role).label) if a.approver_role else "",
            decided_by=a.decided_by_label,
            decision_reason=a.decision_reason,
            can_answer=editable and a.answer == Answer.PENDING,
            can_decide=open_case
            and a.decision == Decision.PENDING
            and bool(a.approver_role)
            and Role(a.approver_role) in roles,
        )
        for a in view.attempts
    ]
    if editable:
        catalog = queries.catalog(organization=actor.organization, active_only=True)
        panel.offers = [
            ShownOffer(
                id=o.pk,
                label=" — ".join(p for p in (o.label(language), offer_limits(o)) if p),
                limits=offer_limits(o),
                selected=str(o.pk) == offer_id,
            )
            for o in catalog
        ]
        chosen = next((o for o in catalog if str(o.pk) == offer_id), None)
        if chosen is not None:
            panel.chosen = True
            panel.terms = TERMS[chosen.kind][1]
            panel.chosen_limits = offer_limits(chosen)
    panel.corrections = [
        ShownCorrection(
            original=money_text(c.original),
            corrected=money_text(c.corrected),
            refund=money_text(c.refund),
            reason=c.reason,
            by=c.by_label,
        )
        for c in view.corrections
    ]
    return panel


# --- the timeline's sentences ------------------------------------------------------------


def _s(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


def _offer(data: dict[str, Any]) -> str:
    """The offer's label as it was proposed, else its key."""
    return _s(data, "label") or _s(data, "offer")


@title("retention.reason_recorded")
def _reason(data: dict[str, Any]) -> str:
    if data.get("reason") == "true_reason":
        return _("True reason: %(text)s") % {"text": _s(data, "text")}
    return _("Stated reason: %(text)s") % {"text": _s(data, "text")}


@title("retention.refused")
def _refused(data: dict[str, Any]) -> str:
    return _("Request refused by the rule %(rule)s: %(message)s") % {
        "rule": _s(data, "rule"),
        "message": _s(data, "message"),
    }


@title("retention.outcome_recorded")
def _outcome(data: dict[str, Any]) -> str:
    value = _s(data, "outcome")
    shown = str(Outcome(value).label) if value in Outcome.values else value
    return _("Outcome: %(outcome)s") % {"outcome": shown}


@title("offer.proposed")
def _proposed(data: dict[str, Any]) -> str:
    return _("Proposed the offer %(offer)s") % {"offer": _offer(data)}


@title("offer.accepted")
def _accepted(data: dict[str, Any]) -> str:
    return _("The customer accepted the offer %(offer)s") % {"offer": _offer(data)}


@title("offer.declined")
def _declined(data: dict[str, Any]) -> str:
    return _("The customer declined the offer %(offer)s") % {"offer": _offer(data)}


@title("offer.approved")
def _approved(data: dict[str, Any]) -> str:
    return _("Approved the offer %(offer)s") % {"offer": _offer(data)}


@title("offer.denied")
def _denied(data: dict[str, Any]) -> str:
    return _("Denied the offer %(offer)s: %(reason)s") % {
        "offer": _offer(data),
        "reason": _s(data, "reason"),
    }


@title("invoice.corrected")
def _corrected(data: dict[str, Any]) -> str:
    return _("Corrected the invoice: %(original)s → %(corrected)s, refund %(refund)s") % {
        "original": _s(data, "original"),
        "corrected": _s(data, "corrected"),
        "refund": _s(data, "refund"),
    }


@title("refund.paid")
def _paid(data: dict[str, Any]) -> str:
    return _("Paid the refund of %(refund)s (reference %(reference)s)") % {
        "refund": _s(data, "refund"),
        "reference": _s(data, "reference"),
    }


# The offer kinds in the catalog page's form, in the catalog's order.
KINDS = [(str(v), str(label)) for v, label in OfferKind.choices]
