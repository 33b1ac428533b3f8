"""Use cases on retention (ED5, MT5, MT8, TD3): the reasons behind a cancellation,
refund, downgrade or level-change request, save offers from the catalog (proposed,
answered, approved or denied), invoice corrections with the refund they make, the
outcome and the payout; and the catalog itself. Each is one keyword-only function that
checks its guard, writes and records its timeline row in one durable transaction.

Why save offers carry their own approval instead of the playbook's Approval: the
catalog is the organization's data, changed on the settings page without a new playbook
version, and an offer must be decided by the role its catalog entry names even on a case
that runs under no playbook. The playbook's approvals stay for what the playbook names
(the refund form the principal approves, ED5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from djmoney.money import Money

from ladder.cases.actions import _locked_case, apply_edit, record
from ladder.cases.events import CaseEvent, emit
from ladder.cases.models import Case, Kind
from ladder.cases.states import Status
from ladder.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from ladder.money import amount_errors
from ladder.retention.models import (
    Answer,
    Decision,
    InvoiceCorrection,
    Offer,
    OfferKind,
    Outcome,
    RetentionRecord,
    SaveAttempt,
)
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization, Role
from ladder.tenancy.permissions import Permission

MAX_REASON = 5_000
MAX_PERCENT = Decimal(100)
# The case kinds the retention desk works on (the "these Case kinds exist").
RETENTION_KINDS = frozenset({Kind.CANCELLATION, Kind.REFUND, Kind.DOWNGRADE, Kind.LEVEL_CHANGE})

# Per offer kind: the terms it must name and the terms it may name. A term it may not
# name is refused rather than silently dropped.
TERMS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    OfferKind.DISCOUNT: (frozenset(), frozenset({"percent", "amount"})),
    OfferKind.FREE_SESSIONS: (frozenset({"sessions"}), frozenset({"sessions"})),
    OfferKind.PAUSE: (frozenset({"days"}), frozenset({"days"})),
    OfferKind.DOWNGRADE: (frozenset(), frozenset({"amount"})),
    OfferKind.SWITCH_TUTOR: (frozenset(), frozenset()),
    OfferKind.EXTEND_TERM: (frozenset({"days"}), frozenset({"days"})),
    OfferKind.CREDIT: (frozenset({"amount"}), frozenset({"amount"})),
    OfferKind.CUSTOM: (frozenset(), frozenset({"percent", "amount", "sessions", "days"})),
}


@dataclass(frozen=True)
class Terms:
    """What an offer proposes: each term optional, checked against the catalog entry."""

    percent: Decimal | None = None
    amount: Money | None = None
    sessions: int | None = None
    days: int | None = None

    def given(self) -> set[str]:
        return {
            k for k in ("percent", "amount", "sessions", "days") if getattr(self, k) is not None
        }

    def as_data(self) -> dict[str, str | int | None]:
        return {
            "percent": str(self.percent) if self.percent is not None else None,
            "amount": _money_text(self.amount),
            "sessions": self.sessions,
            "days": self.days,
        }


@dataclass(frozen=True)
class OfferInput:
    """A catalog entry as the settings page and the API send it."""

    key: str
    kind: str
    label_en: str
    label_zh_hans: str = ""
    max_percent: Decimal | None = None
    max_amount: Money | None = None
    max_sessions: int | None = None
    max_days: int | None = None
    approver_role: str = ""
    active: bool = True


# --- shared guards -------------------------------------------------------------------


def _money_text(value: Money | None) -> str | None:
    return f"{value.amount:.2f} {value.currency}" if value is not None else None


def check_money(value: Money, org: Organization, field: str) -> Money:
    """Exact money in the organization's currency, never negative (ED5)."""
    return to_money(Decimal(value.amount), str(value.currency), org, field)


def to_money(amount: Decimal, currency: str, org: Organization, field: str) -> Money:
    """Money from what a form or the API sent, refused naming ``<field>.amount`` or
    ``<field>.currency``: exact, never negative, in the organization's currency."""
    errors = amount_errors(amount, field)
    if currency != org.currency:
        errors.append(
            FieldError(
                f"{field}.currency",
                _("must be the organization's currency, %(currency)s") % {"currency": org.currency},
            )
        )
    if errors:
        raise Invalid(errors)
    return Money(amount, org.currency)


def _reason(value: str, field: str, *, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise Invalid.field(field, _("is required"))
    if len(value) > MAX_REASON:
        raise Invalid.field(field, _("is longer than %(limit)s characters") % {"limit": MAX_REASON})
    return value


def _retention_case(actor: Actor, case_id: int) -> Case:
    """The locked case, which must be one of the retention kinds."""
    case = _locked_case(actor, case_id)
    if case.kind not in RETENTION_KINDS:
        raise Conflict(
            _("only cancellation, refund, downgrade and level-change cases have retention"),
            current=case.kind,
            allowed=sorted(RETENTION_KINDS),
        )
    return case


def record_of(case: Case, at: dt.datetime) -> RetentionRecord:
    """The case's record, locked, written empty on first use (inside a transaction)."""
    found = RetentionRecord.objects.select_for_update().filter(case=case).first()
    if found is not None:
        return found
    return RetentionRecord.objects.create(
        organization_id=case.organization_id, case=case, updated_at=at
    )


def _require_open(case: Case) -> None:
    if case.status in (Status.RESOLVED, Status.CLOSED):
        raise Conflict(
            _("the case is %(status)s: reopen it to change its retention record")
            % {"status": case.status},
            current=case.status,
            allowed=[s.value for s in Status if s not in (Status.RESOLVED, Status.CLOSED)],
        )


# --- reasons ----------------------------------------------------------------------


def record_reasons(
    *,
    actor: Actor,
    case_id: int,
    stated_reason: str | None = None,
    true_reason: str | None = None,
) -> RetentionRecord:
    """Records what the customer said (the stated reason) and, after talking, what is
    really behind it (ED5: the true reason). The true reason is the case's root cause
    too, which the refund form needs before it goes for approval."""
    return update_retention(
        actor=actor, case_id=case_id, stated_reason=stated_reason, true_reason=true_reason
    )


def update_retention(
    *,
    actor: Actor,
    case_id: int,
    stated_reason: str | None = None,
    true_reason: str | None = None,
    outcome: str | None = None,
) -> RetentionRecord:
    """Records the reasons and the outcome together, all or nothing (the API's PUT and
    the case page's form): see :func:`record_reasons` and :func:`record_outcome`."""
    actor.require(Permission.CASE_EDIT)
    errors: list[FieldError] = []
    stated = true = None
    try:
        stated = _reason(stated_reason, "stated_reason") if stated_reason is not None else None
    except Invalid as exc:
        errors.extend(exc.errors)
    try:
        true = _reason(true_reason, "true_reason") if true_reason is not None else None
    except Invalid as exc:
        errors.extend(exc.errors)
    chosen = None
    if outcome is not None and outcome not in Outcome.values:
        errors.append(
            FieldError(
                "outcome",
                _("must be one of %(choices)s") % {"choices": ", ".join(Outcome.values)},
            )
        )
    elif outcome is not None:
        chosen = Outcome(outcome)
    if errors:
        raise Invalid(errors)
    now = timezone.now()
    with transaction.atomic(durable=True):
        case = _retention_case(actor, case_id)
        _require_open(case)
        rec = record_of(case, now)
        if chosen is not None:
            refused = _outcome_refused(case, rec, chosen)
            if refused is not None:
                raise Invalid.field("outcome", refused)
        changes: dict[str, tuple[str, str]] = {}
        if stated is not None and stated != rec.stated_reason:
            changes["stated_reason"] = (rec.stated_reason, stated)
        if true is not None and true != rec.true_reason:
            changes["true_reason"] = (rec.true_reason, true)
        for name, (_old, new) in changes.items():
            setattr(rec, name, new)
        if chosen is not None and rec.outcome != chosen:
            old_outcome = rec.outcome
            rec.outcome = chosen
        else:
            chosen = None
        if not changes and chosen is None:
            return rec
        rec.updated_at = now
        rec.save()
        for name, (old, new) in changes.items():
            record(
                case=case,
                actor=actor,
                kind="retention.reason_recorded",
                at=now,
                field=name,
                old=old,
                new=new,
                data={"reason": name, "text": new},
            )
        edits: dict[str, Any] = {}
        if "true_reason" in changes and true and case.root_cause != true:
            edits["root_cause"] = true
        if chosen is not None:
            record(
                case=case,
                actor=actor,
                kind="retention.outcome_recorded",
                at=now,
                field="outcome",
                old=old_outcome,
                new=chosen.value,
                data={"outcome": chosen.value},
            )
            with translation.override(str(case.organization.locale)):
                label = str(chosen.label)
            if case.outcome != label:
                edits["outcome"] = label
        if edits:
            apply_edit(case=case, actor=actor, changes=edits, at=now)
    return rec


# --- save offers -------------------------------------------------------------------


def _is_percent(value: Decimal) -> bool:
    """More than 0, at most 100, at most two decimal places."""
    return (
        value.is_finite() and 0 < value <= MAX_PERCENT and value == value.quantize(Decimal("0.01"))
    )


def _check_terms(offer: Offer, terms: Terms, org: Organization) -> Terms:
    required, allowed = TERMS[offer.kind]
    given = terms.given()
    errors = [
        FieldError(f"terms.{name}", _("is required for this kind of offer"))
        for name in sorted(required - given)
    ]
    errors += [
        FieldError(f"terms.{name}", _("this kind of offer takes no such term"))
        for name in sorted(given - allowed)
    ]
    if offer.kind == OfferKind.DISCOUNT and not given:
        errors.append(FieldError("terms.percent", _("a discount needs a percent or an amount")))
    amount = terms.amount
    if amount is not None:
        try:
            amount = check_money(amount, org, "terms.amount")
        except Invalid as exc:
            errors.extend(exc.errors)
            amount = None
        if amount is not None and offer.max_amount is not None and amount > offer.max_amount:
            errors.append(
                FieldError(
                    "terms.amount",
                    _("is above the offer's limit of %(limit)s") % {"limit": offer.max_amount},
                )
            )
    if terms.percent is not None:
        if not _is_percent(terms.percent):
            errors.append(
                FieldError(
                    "terms.percent",
                    _("must be more than 0 and at most 100, with at most two decimal places"),
                )
            )
        elif offer.max_percent is not None and terms.percent > offer.max_percent:
            errors.append(
                FieldError(
                    "terms.percent",
                    _("is above the offer's limit of %(limit)s%%")
                    % {"limit": f"{offer.max_percent.normalize():f}"},
                )
            )
    for name, limit in (("sessions", offer.max_sessions), ("days", offer.max_days)):
        value = getattr(terms, name)
        if value is None:
            continue
        if value <= 0:
            errors.append(FieldError(f"terms.{name}", _("must be at least 1")))
        elif limit is not None and value > limit:
            errors.append(
                FieldError(
                    f"terms.{name}",
                    _("is above the offer's limit of %(limit)s") % {"limit": limit},
                )
            )
    if errors:
        raise Invalid(errors)
    return Terms(percent=terms.percent, amount=amount, sessions=terms.sessions, days=terms.days)


def propose_offer(
    *, actor: Actor, case_id: int, offer_id: int, terms: Terms, note: str = ""
) -> SaveAttempt:
    """Proposes a catalog offer to the customer (save attempt). The terms are checked
    against the catalog entry's limits; when the entry names an approver role, the
    attempt waits for that role's decision."""
    actor.require(Permission.CASE_EDIT)
    org = actor.organization
    note = _reason(note, "note")
    offer = Offer.objects.filter(organization=org, pk=offer_id).first()
    if offer is None:
        raise Invalid.field("offer_id", _("no offer %(id)s in your catalog") % {"id": offer_id})
    if not offer.active:
        raise Invalid.field("offer_id", _("this offer is retired from the catalog"))
    clean = _check_terms(offer, terms, org)
    now = timezone.now()
    with transaction.atomic(durable=True):
        case = _retention_case(actor, case_id)
        _require_open(case)
        record_of(case, now)
        attempt = SaveAttempt.objects.create(  # type: ignore[misc]  # Money fields
            organization=org,
            case=case,
            offer=offer,
            percent=clean.percent,
            amount=clean.amount,
            sessions=clean.sessions,
            days=clean.days,
            note=note,
            proposed_by=actor.staff,
            proposed_by_label=actor.label,
            proposed_at=now,
            approver_role=offer.approver_role,
            decision=Decision.PENDING if offer.approver_role else Decision.NOT_NEEDED,
        )
        record(
            case=case,
            actor=actor,
            kind="offer.proposed",
            at=now,
            data={
                "attempt_id": attempt.pk,
                "offer": offer.key,
                "label": offer.label(str(org.locale)),
                "terms": clean.as_data(),
                "approver": offer.approver_role or None,
            },
        )
        if offer.approver_role:
            _alert_approvers(case, attempt, offer, now)
    return attempt


def _alert_approvers(case: Case, attempt: SaveAttempt, offer: Offer, at: dt.datetime) -> None:
    from ladder.delivery.actions import notify_staff
    from ladder.tenancy.models import Staff

    people = Staff.objects.filter(
        organization_id=case.organization_id, role_grants__role=offer.approver_role
    ).values_list("pk", flat=True)
    with translation.override(str(case.organization.locale)):
        text = _("Offer to approve: %(offer)s on %(case)s") % {
            "offer": offer.label(str(case.organization.locale)),
            "case": case.reference,
        }
    notify_staff(
        organization_id=case.organization_id,
        staff_ids=list(people),
        text=text,
        at=at,
        case_id=case.pk,
    )


def _locked_attempt(actor: Actor, case_id: int, attempt_id: int) -> tuple[Case, SaveAttempt]:
    case = _retention_case(actor, case_id)
    attempt = (
        SaveAttempt.objects.select_for_update()
        .select_related("offer")
        .filter(organization=actor.organization, case=case, pk=attempt_id)
        .first()
    )
    if attempt is None:
        raise NotFound("save attempt")
    return case, attempt


def record_customer_answer(
    *, actor: Actor, case_id: int, attempt_id: int, accepted: bool
) -> SaveAttempt:
    """The customer accepts or declines a proposed offer; once."""
    actor.require(Permission.CASE_EDIT)
    now = timezone.now()
    with transaction.atomic(durable=True):
        case, attempt = _locked_attempt(actor, case_id, attempt_id)
        _require_open(case)
        if attempt.answer != Answer.PENDING:
            raise Conflict(
                _("the customer already answered this offer: %(answer)s")
                % {"answer": attempt.answer},
                current=attempt.answer,
            )
        attempt.answer = Answer.ACCEPTED if accepted else Answer.DECLINED
        attempt.answered_at = now
        attempt.save(update_fields=["answer", "answered_at"])
        record(
            case=case,
            actor=actor,
            kind=f"offer.{attempt.answer}",
            at=now,
            data={
                "attempt_id": attempt.pk,
                "offer": attempt.offer.key,
                "label": attempt.offer.label(str(case.organization.locale)),
            },
        )
    return attempt


def decide_offer(
    *, actor: Actor, case_id: int, attempt_id: int, approve: bool, reason: str = ""
) -> SaveAttempt:
    """The role the offer's catalog entry names approves or denies it (MT5: accounting
    approves a discount). A denial needs its reason."""
    reason = _reason(reason, "reason", required=not approve)
    now = timezone.now()
    with transaction.atomic(durable=True):
        case, attempt = _locked_attempt(actor, case_id, attempt_id)
        if attempt.decision != Decision.PENDING:
            raise Conflict(
                _("this offer needs no decision or was already decided: %(decision)s")
                % {"decision": attempt.decision},
                current=attempt.decision,
            )
        role = attempt.approver_role
        if actor.staff is None or Role(role) not in actor.staff.role_set:
            raise Forbidden(role)
        _require_open(case)
        attempt.decision = Decision.APPROVED if approve else Decision.DENIED
        attempt.decided_by = actor.staff
        attempt.decided_by_label = actor.label
        attempt.decided_at = now
        attempt.decision_reason = reason
        attempt.save()
        record(
            case=case,
            actor=actor,
            kind=f"offer.{attempt.decision}",
            at=now,
            data={
                "attempt_id": attempt.pk,
                "offer": attempt.offer.key,
                "label": attempt.offer.label(str(case.organization.locale)),
                "reason": reason,
            },
        )
        if case.owner_id is not None:
            from ladder.delivery.actions import notify_staff

            with translation.override(str(case.organization.locale)):
                text = (
                    _("%(who)s approved the offer on %(case)s: present it to the customer.")
                    if approve
                    else _("%(who)s denied the offer on %(case)s: %(reason)s")
                ) % {"who": actor.label, "case": case.reference, "reason": reason}
            notify_staff(
                organization_id=case.organization_id,
                staff_ids=[case.owner_id],
                text=text,
                at=now,
                case_id=case.pk,
            )
    return attempt


# --- money ------------------------------------------------------------------------


def correct_invoice(
    *, actor: Actor, case_id: int, original: Money, corrected: Money, reason: str
) -> InvoiceCorrection:
    """Records an invoice correction and the refund it makes: refund = original −
    corrected (ED5), exact, in the organization's currency. The refund becomes the
    case's money at stake, which is the amount the refund form goes for approval with."""
    actor.require(Permission.CASE_EDIT)
    org = actor.organization
    errors: list[FieldError] = []
    clean: dict[str, Money] = {}
    for name, value in (("original", original), ("corrected", corrected)):
        try:
            clean[name] = check_money(value, org, name)
        except Invalid as exc:
            errors.extend(exc.errors)
    try:
        reason = _reason(reason, "reason", required=True)
    except Invalid as exc:
        errors.extend(exc.errors)
    if not errors and clean["corrected"] > clean["original"]:
        errors.append(FieldError("corrected.amount", _("cannot be more than the original amount")))
    if not errors and clean["corrected"] == clean["original"]:
        errors.append(
            FieldError("corrected.amount", _("is the same as the original: nothing to refund"))
        )
    if errors:
        raise Invalid(errors)
    refund = clean["original"] - clean["corrected"]
    now = timezone.now()
    with transaction.atomic(durable=True):
        case = _retention_case(actor, case_id)
        _require_open(case)
        rec = record_of(case, now)
        correction = InvoiceCorrection.objects.create(  # type: ignore[misc]  # Money fields
            organization=org,
            case=case,
            original=clean["original"],
            corrected=clean["corrected"],
            refund=refund,
            reason=reason,
            by=actor.staff,
            by_label=actor.label,
            at=now,
        )
        rec.original_amount = clean["original"]
        rec.corrected_amount = clean["corrected"]
        rec.refund_amount = refund
        rec.updated_at = now
        rec.save()
        record(
            case=case,
            actor=actor,
            kind="invoice.corrected",
            at=now,
            data={
                "correction_id": correction.pk,
                "original": _money_text(clean["original"]),
                "corrected": _money_text(clean["corrected"]),
                "refund": _money_text(refund),
                "full": not clean["corrected"].amount,
                "reason": reason,
            },
        )
        if case.money_at_stake != refund:
            apply_edit(case=case, actor=actor, changes={"money_at_stake": refund}, at=now)
    return correction


# --- outcome and payout ----------------------------------------------------------------


def _holding(case: Case, kind: str) -> bool:
    return any(
        a.holds
        for a in SaveAttempt.objects.filter(case=case, offer__kind=kind).only("answer", "decision")
    )


def _outcome_refused(case: Case, rec: RetentionRecord, outcome: Outcome) -> str | None:
    """Why the outcome does not match what the case recorded, or None."""
    if outcome == Outcome.SAVED_WITH_DOWNGRADE and not _holding(case, OfferKind.DOWNGRADE):
        return _("a save with a downgrade needs a downgrade offer the customer accepted")
    if outcome == Outcome.PAUSED and not _holding(case, OfferKind.PAUSE):
        return _("a pause needs a pause offer the customer accepted")
    if outcome in (Outcome.REFUNDED_FULL, Outcome.REFUNDED_PARTIAL):
        if not rec.eligible:
            return _("the request was refused by the rule %(rule)s: %(message)s") % {
                "rule": rec.refused_by_rule,
                "message": rec.refusal,
            }
        if rec.refund_amount is None or rec.corrected_amount is None:
            return _("a refund needs an invoice correction first")
        full = not rec.corrected_amount.amount
        if outcome == Outcome.REFUNDED_FULL and not full:
            return _("the corrected invoice is not zero: this is a partial refund")
        if outcome == Outcome.REFUNDED_PARTIAL and full:
            return _("the corrected invoice is zero: this is a full refund")
    return None


def record_outcome(*, actor: Actor, case_id: int, outcome: str) -> RetentionRecord:
    """Records how the request ended: saved, saved with a downgrade, paused, cancelled,
    refunded in full or in part, moved to another class or level. The outcome must
    match what the case recorded (an accepted downgrade, a correction …); it is the
    case's outcome too."""
    return update_retention(actor=actor, case_id=case_id, outcome=outcome)


def _awaited_approval(case: Case) -> str | None:
    """The status of the case's latest playbook approval (ED5: the principal approves
    the refund form) unless it was approved; None without one or once approved."""
    from ladder.playbooks.models import Approval, ApprovalStatus

    latest = Approval.objects.filter(case=case).order_by("-requested_at", "-id").first()
    if latest is None or latest.status == ApprovalStatus.APPROVED:
        return None
    return str(latest.status)


def record_payout(*, actor: Actor, case_id: int, reference: str) -> RetentionRecord:
    """Finance records that the refund was paid, with its reference (ED5). The
    ``refund.paid`` event lets the playbook stop its payout clock."""
    actor.require(Permission.PAYOUT)
    reference = reference.strip()
    if not reference:
        raise Invalid.field("reference", _("is required"))
    if len(reference) > 100:
        raise Invalid.field("reference", _("is longer than %(limit)s characters") % {"limit": 100})
    now = timezone.now()
    with transaction.atomic(durable=True):
        case = _retention_case(actor, case_id)
        rec = record_of(case, now)
        if rec.payout_at is not None:
            raise Conflict(_("the refund was already paid"), current="paid")
        if not rec.eligible:
            raise Conflict(
                _("the request was refused by the rule %(rule)s: %(message)s")
                % {"rule": rec.refused_by_rule, "message": rec.refusal},
                current="refused",
            )
        if rec.refund_amount is None or not rec.refund_amount.amount:
            raise Conflict(_("there is no refund to pay: correct the invoice first"), current="")
        awaited = _awaited_approval(case)
        if awaited is not None:
            raise Conflict(
                _("the refund is not approved: its approval is %(status)s") % {"status": awaited},
                current=awaited,
            )
        rec.payout_at = now
        rec.payout_reference = reference
        rec.updated_at = now
        rec.save(update_fields=["payout_at", "payout_reference", "updated_at"])
        data = {"refund": _money_text(rec.refund_amount), "reference": reference}
        record(case=case, actor=actor, kind="refund.paid", at=now, data=data)
        emit(CaseEvent(case=case, trigger="refund.paid", actor=actor, at=now, data=data))
    return rec


# --- eligibility (the engine's refuse_request step) ----------------------------------


def refuse_request(*, case: Case, actor: Actor, rule: str, message: str, at: dt.datetime) -> None:
    """A playbook rule found the request ineligible (ED5: a refund after the first 6
    lessons). The request stays a case, recorded with the rule that refused it; for the
    engine, inside the transaction of the event."""
    rec = record_of(case, at)
    rec.eligible = False
    rec.refused_by_rule = rule[:200]
    rec.refusal = message
    rec.updated_at = at
    rec.save(update_fields=["eligible", "refused_by_rule", "refusal", "updated_at"])
    record(
        case=case,
        actor=actor,
        kind="retention.refused",
        at=at,
        data={"rule": rule, "message": message},
    )


# --- the catalog --------------------------------------------------------------------


def _check_offer(values: OfferInput, org: Organization) -> dict[str, Any]:
    errors: list[FieldError] = []
    key = values.key.strip()
    if not key or len(key) > 64 or not all(c.isalnum() or c in "-_" for c in key):
        errors.append(FieldError("key", _("use 1 to 64 letters, digits, - or _")))
    if values.kind not in OfferKind.values:
        errors.append(
            FieldError(
                "kind", _("must be one of %(choices)s") % {"choices": ", ".join(OfferKind.values)}
            )
        )
    label_en = values.label_en.strip()
    label_zh = values.label_zh_hans.strip()
    if not label_en:
        errors.append(FieldError("label_en", _("is required")))
    for name, text in (("label_en", label_en), ("label_zh_hans", label_zh)):
        if len(text) > 200:
            errors.append(
                FieldError(name, _("is longer than %(limit)s characters") % {"limit": 200})
            )
    if values.max_percent is not None and not _is_percent(values.max_percent):
        errors.append(
            FieldError(
                "max_percent",
                _("must be more than 0 and at most 100, with at most two decimal places"),
            )
        )
    max_amount = values.max_amount
    if max_amount is not None:
        try:
            max_amount = check_money(max_amount, org, "max_amount")
        except Invalid as exc:
            errors.extend(exc.errors)
    for name in ("max_sessions", "max_days"):
        value = getattr(values, name)
        if value is not None and value <= 0:
            errors.append(FieldError(name, _("must be at least 1")))
    if values.approver_role and values.approver_role not in Role.values:
        errors.append(
            FieldError(
                "approver_role",
                _("must be one of %(choices)s") % {"choices": ", ".join(Role.values)},
            )
        )
    if errors:
        raise Invalid(errors)
    return {
        "key": key,
        "kind": values.kind,
        "label_en": label_en,
        "label_zh_hans": label_zh,
        "max_percent": values.max_percent,
        "max_amount": max_amount,
        "max_sessions": values.max_sessions,
        "max_days": values.max_days,
        "approver_role": values.approver_role,
        "active": values.active,
    }


def save_offer(*, actor: Actor, offer_id: int | None = None, values: OfferInput) -> Offer:
    """Adds an offer to the organization's catalog, or changes one (``offer_id``).
    Attempts already proposed keep the terms they were proposed with."""
    actor.require(Permission.CONFIGURE)
    org = actor.organization
    clean = _check_offer(values, org)
    now = timezone.now()
    with transaction.atomic(durable=True):
        same_key = Offer.objects.filter(organization=org, key=clean["key"])
        if offer_id is None:
            if same_key.exists():
                raise Invalid.field("key", _("your catalog already has an offer with this key"))
            return Offer.objects.create(organization=org, updated_at=now, **clean)
        offer = Offer.objects.select_for_update().filter(organization=org, pk=offer_id).first()
        if offer is None:
            raise NotFound("offer")
        if same_key.exclude(pk=offer.pk).exists():
            raise Invalid.field("key", _("your catalog already has an offer with this key"))
        for name, value in clean.items():
            setattr(offer, name, value)
        offer.updated_at = now
        offer.save()
    return offer


def retire_offer(*, actor: Actor, offer_id: int) -> Offer:
    """Takes an offer out of the catalog for new proposals; past attempts keep it."""
    actor.require(Permission.CONFIGURE)
    with transaction.atomic(durable=True):
        offer = (
            Offer.objects.select_for_update()
            .filter(organization=actor.organization, pk=offer_id)
            .first()
        )
        if offer is None:
            raise NotFound("offer")
        if offer.active:
            offer.active = False
            offer.updated_at = timezone.now()
            offer.save(update_fields=["active", "updated_at"])
    return offer


# The demo organizations' catalogs (``ladder demo``): (key, kind, en, zh-hans, limits).
DEFAULT_CATALOGS: dict[str, list[dict[str, Any]]] = {
    "school": [
        {
            "key": "free_lessons",
            "kind": "free_sessions",
            "label_en": "Free make-up lessons",
            "label_zh_hans": "免费补课",
            "max_sessions": 4,
        },
        {
            "key": "switch_class",
            "kind": "switch_tutor",
            "label_en": "Switch class or teacher",
            "label_zh_hans": "调班或更换老师",
        },
        {
            "key": "extend_term",
            "kind": "extend_term",
            "label_en": "Extend the term",
            "label_zh_hans": "延长学期",
            "max_days": 60,
        },
    ],
    "software": [
        {
            "key": "discount",
            "kind": "discount",
            "label_en": "Discount on the renewal",
            "label_zh_hans": "续约折扣",
            "max_percent": "20",
            "approver_role": "accounting",
        },
        {
            "key": "downgrade",
            "kind": "downgrade",
            "label_en": "Downgrade to a smaller plan",
            "label_zh_hans": "降级到较小的套餐",
        },
        {
            "key": "pause",
            "kind": "pause",
            "label_en": "Pause the subscription",
            "label_zh_hans": "暂停订阅",
            "max_days": 90,
        },
    ],
    "tutoring": [
        {
            "key": "switch_tutor",
            "kind": "switch_tutor",
            "label_en": "Switch tutor",
            "label_zh_hans": "更换辅导老师",
        },
        {
            "key": "free_sessions",
            "kind": "free_sessions",
            "label_en": "Free sessions",
            "label_zh_hans": "免费课时",
            "max_sessions": 2,
            "approver_role": "principal",
        },
        {
            "key": "pause",
            "kind": "pause",
            "label_en": "Pause the sessions",
            "label_zh_hans": "暂停课程",
            "max_days": 60,
        },
    ],
}


def install_default_catalog(*, organization: Organization, catalog: str) -> list[Offer]:
    """Writes a shipped catalog (``DEFAULT_CATALOGS``) into the organization, leaving
    offers it already has alone (``ladder demo``)."""
    actor = Actor.engine(organization, rule="default offer catalog")
    offers = []
    existing = set(Offer.objects.filter(organization=organization).values_list("key", flat=True))
    for entry in DEFAULT_CATALOGS[catalog]:
        if entry["key"] in existing:
            continue
        values = OfferInput(
            key=entry["key"],
            kind=entry["kind"],
            label_en=entry["label_en"],
            label_zh_hans=entry["label_zh_hans"],
            max_percent=Decimal(entry["max_percent"]) if "max_percent" in entry else None,
            max_sessions=entry.get("max_sessions"),
            max_days=entry.get("max_days"),
            approver_role=entry.get("approver_role", ""),
        )
        offers.append(save_offer(actor=actor, values=values))
    return offers
