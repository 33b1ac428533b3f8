"""Retention use cases (ED5, MT5, MT8): reasons, save offers against the catalog's
limits, the approver role, invoice corrections (refund = original − corrected), the
outcome's consistency and the payout; bad input refused with nothing written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from djmoney.money import Money

from ladder.cases.models import Case, TimelineEvent
from ladder.errors import Conflict, Forbidden, Invalid
from ladder.retention import actions
from ladder.retention.actions import OfferInput, Terms
from ladder.retention.models import (
    Answer,
    Decision,
    InvoiceCorrection,
    Offer,
    Outcome,
    RetentionRecord,
    SaveAttempt,
)
from tests.conftest import Api, Org, new_case


def _catalog(o: Org) -> dict[str, Offer]:
    admin = o.actor(o.admin)
    return {
        "discount": actions.save_offer(
            actor=admin,
            values=OfferInput(
                key="discount",
                kind="discount",
                label_en="Discount",
                label_zh_hans="折扣",
                max_percent=Decimal(20),
                max_amount=Money("100.00", "USD"),
                approver_role="accounting",
            ),
        ),
        "downgrade": actions.save_offer(
            actor=admin, values=OfferInput(key="downgrade", kind="downgrade", label_en="Downgrade")
        ),
        "pause": actions.save_offer(
            actor=admin,
            values=OfferInput(key="pause", kind="pause", label_en="Pause", max_days=90),
        ),
    }


def _events(case: Case, kind: str) -> int:
    return TimelineEvent.objects.filter(case=case, kind=kind).count()


def test_an_offer_above_its_limit_is_refused_with_nothing_written(acme: Org, english: None) -> None:
    """MT5, MT8: the terms are checked against the catalog entry; the reply names the
    field and the limit, and no attempt or timeline row is written."""
    offers = _catalog(acme)
    case = new_case(acme, kind="downgrade", subject="Wants a smaller plan")
    with pytest.raises(Invalid) as refused:
        actions.propose_offer(
            actor=acme.actor(),
            case_id=case.pk,
            offer_id=offers["discount"].pk,
            terms=Terms(percent=Decimal(25)),
        )
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("terms.percent", "is above the offer's limit of 20%")
    ]
    with pytest.raises(Invalid) as refused:
        actions.propose_offer(
            actor=acme.actor(),
            case_id=case.pk,
            offer_id=offers["pause"].pk,
            terms=Terms(days=120, sessions=2),
        )
    assert {e.field for e in refused.value.errors} == {"terms.days", "terms.sessions"}
    assert not SaveAttempt.objects.exists()
    assert _events(case, "offer.proposed") == 0


def test_negative_or_foreign_money_is_refused_with_nothing_written(
    acme: Org, english: None
) -> None:
    """ED5: money is exact, never negative, in the organization's currency."""
    offers = _catalog(acme)
    case = new_case(acme, kind="refund", subject="Wants the money back")
    with pytest.raises(Invalid) as refused:
        actions.propose_offer(
            actor=acme.actor(),
            case_id=case.pk,
            offer_id=offers["discount"].pk,
            terms=Terms(amount=Money("-5.00", "USD")),
        )
    assert [e.field for e in refused.value.errors] == ["terms.amount.amount"]
    with pytest.raises(Invalid) as refused:
        actions.correct_invoice(
            actor=acme.actor(),
            case_id=case.pk,
            original=Money("-1.00", "USD"),
            corrected=Money("10.00", "EUR"),
            reason="",
        )
    assert {(e.field, e.message) for e in refused.value.errors} == {
        ("original.amount", "cannot be negative"),
        ("corrected.currency", "must be the organization's currency, USD"),
        ("reason", "is required"),
    }
    with pytest.raises(Invalid) as refused:
        actions.correct_invoice(
            actor=acme.actor(),
            case_id=case.pk,
            original=Money("100.00", "USD"),
            corrected=Money("120.00", "USD"),
            reason="price change",
        )
    assert [e.field for e in refused.value.errors] == ["corrected.amount"]
    assert not InvoiceCorrection.objects.exists()
    assert not SaveAttempt.objects.exists()
    assert _events(case, "invoice.corrected") == 0
    case.refresh_from_db()
    assert case.money_at_stake is None


def test_refund_is_the_original_less_the_corrected_amount(acme: Org) -> None:
    """ED5: refund = original − corrected, stored, on the timeline and as the case's
    money at stake; the true reason becomes the case's root cause."""
    case = new_case(acme, kind="refund", subject="Wants the money back")
    rec = actions.record_reasons(
        actor=acme.actor(),
        case_id=case.pk,
        stated_reason="Moving to another city",
        true_reason="The class is too fast for her",
    )
    assert (rec.stated_reason, rec.true_reason) == (
        "Moving to another city",
        "The class is too fast for her",
    )
    correction = actions.correct_invoice(
        actor=acme.actor(),
        case_id=case.pk,
        original=Money("3600.00", "USD"),
        corrected=Money("1350.50", "USD"),
        reason="45 of 48 lessons not delivered, less the material fee",
    )
    assert correction.refund == Money("2249.50", "USD")
    rec = RetentionRecord.objects.get(case=case)
    assert rec.refund_amount == Money("2249.50", "USD")
    case.refresh_from_db()
    assert case.money_at_stake == Money("2249.50", "USD")
    assert case.root_cause == "The class is too fast for her"
    event = TimelineEvent.objects.get(case=case, kind="invoice.corrected")
    assert event.data["refund"] == "2249.50 USD"
    assert event.data["full"] is False
    assert _events(case, "retention.reason_recorded") == 2
    with pytest.raises(Invalid) as refused:
        actions.record_outcome(actor=acme.actor(), case_id=case.pk, outcome="refunded_full")
    assert refused.value.errors[0].field == "outcome"
    rec = actions.record_outcome(actor=acme.actor(), case_id=case.pk, outcome="refunded_partial")
    assert rec.outcome == Outcome.REFUNDED_PARTIAL


def test_an_agent_cannot_approve_an_offer_that_needs_accounting(acme: Org) -> None:
    """MT5: only the role the catalog entry names decides; accounting approves."""
    offers = _catalog(acme)
    case = new_case(acme, kind="downgrade", subject="Wants a smaller plan")
    attempt = actions.propose_offer(
        actor=acme.actor(),
        case_id=case.pk,
        offer_id=offers["discount"].pk,
        terms=Terms(percent=Decimal(15)),
    )
    assert attempt.decision == Decision.PENDING
    for who in (acme.agent, acme.manager):
        with pytest.raises(Forbidden):
            actions.decide_offer(
                actor=acme.actor(who), case_id=case.pk, attempt_id=attempt.pk, approve=True
            )
    with pytest.raises(Invalid):
        actions.decide_offer(
            actor=acme.actor(acme.accountant), case_id=case.pk, attempt_id=attempt.pk, approve=False
        )
    attempt = actions.decide_offer(
        actor=acme.actor(acme.accountant), case_id=case.pk, attempt_id=attempt.pk, approve=True
    )
    assert attempt.decision == Decision.APPROVED
    with pytest.raises(Conflict):
        actions.decide_offer(
            actor=acme.actor(acme.accountant), case_id=case.pk, attempt_id=attempt.pk, approve=True
        )
    assert _events(case, "offer.approved") == 1


def test_outcomes_must_match_what_the_case_recorded(acme: Org) -> None:
    """MT8: saved with a downgrade needs an accepted downgrade offer; a pause an
    accepted pause; a declined offer does not count."""
    offers = _catalog(acme)
    case = new_case(acme, kind="cancellation", subject="Wants to cancel")
    with pytest.raises(Invalid):
        actions.record_outcome(actor=acme.actor(), case_id=case.pk, outcome="saved_with_downgrade")
    with pytest.raises(Invalid):
        actions.record_outcome(actor=acme.actor(), case_id=case.pk, outcome="gone")
    declined = actions.propose_offer(
        actor=acme.actor(), case_id=case.pk, offer_id=offers["downgrade"].pk, terms=Terms()
    )
    actions.record_customer_answer(
        actor=acme.actor(), case_id=case.pk, attempt_id=declined.pk, accepted=False
    )
    with pytest.raises(Invalid):
        actions.record_outcome(actor=acme.actor(), case_id=case.pk, outcome="saved_with_downgrade")
    with pytest.raises(Conflict):
        actions.record_customer_answer(
            actor=acme.actor(), case_id=case.pk, attempt_id=declined.pk, accepted=True
        )
    accepted = actions.propose_offer(
        actor=acme.actor(), case_id=case.pk, offer_id=offers["downgrade"].pk, terms=Terms()
    )
    attempt = actions.record_customer_answer(
        actor=acme.actor(), case_id=case.pk, attempt_id=accepted.pk, accepted=True
    )
    assert attempt.answer == Answer.ACCEPTED
    rec = actions.record_outcome(
        actor=acme.actor(), case_id=case.pk, outcome="saved_with_downgrade"
    )
    assert rec.outcome == Outcome.SAVED_WITH_DOWNGRADE
    case.refresh_from_db()
    assert case.outcome
    assert _events(case, "retention.outcome_recorded") == 1


def test_only_retention_kinds_keep_a_record(acme: Org) -> None:
    """ED5: the retention record belongs to cancellation, refund, downgrade and
    level-change cases."""
    case = new_case(acme, kind="complaint")
    with pytest.raises(Conflict):
        actions.record_reasons(actor=acme.actor(), case_id=case.pk, stated_reason="x")
    assert not RetentionRecord.objects.exists()


def test_payout_is_finance_s_and_needs_a_refund(acme: Org) -> None:
    """ED5: finance records the payout, once, of a refund the invoice correction made."""
    case = new_case(acme, kind="refund", subject="Wants the money back")
    with pytest.raises(Conflict):
        actions.record_payout(actor=acme.actor(acme.accountant), case_id=case.pk, reference="T-1")
    actions.correct_invoice(
        actor=acme.actor(),
        case_id=case.pk,
        original=Money("100.00", "USD"),
        corrected=Money("0.00", "USD"),
        reason="not one lesson delivered",
    )
    with pytest.raises(Forbidden):
        actions.record_payout(actor=acme.actor(), case_id=case.pk, reference="T-1")
    rec = actions.record_payout(actor=acme.actor(acme.accountant), case_id=case.pk, reference="T-1")
    assert rec.payout_reference == "T-1"
    assert rec.payout_at is not None
    with pytest.raises(Conflict):
        actions.record_payout(actor=acme.actor(acme.accountant), case_id=case.pk, reference="T-2")
    assert _events(case, "refund.paid") == 1


def test_the_catalog_is_the_admin_s(acme: Org) -> None:
    """MT5: the catalog is configuration; keys are unique; a retired offer is not
    proposed again."""
    offers = _catalog(acme)
    with pytest.raises(Forbidden):
        actions.save_offer(
            actor=acme.actor(), values=OfferInput(key="x", kind="custom", label_en="X")
        )
    with pytest.raises(Invalid) as refused:
        actions.save_offer(
            actor=acme.actor(acme.admin),
            values=OfferInput(
                key="pause", kind="nap", label_en="", max_percent=Decimal(120), approver_role="x"
            ),
        )
    assert {e.field for e in refused.value.errors} == {
        "kind",
        "label_en",
        "max_percent",
        "approver_role",
    }
    with pytest.raises(Invalid) as refused:
        actions.save_offer(
            actor=acme.actor(acme.admin),
            values=OfferInput(key="pause", kind="pause", label_en="Pause again"),
        )
    assert refused.value.errors[0].field == "key"
    actions.retire_offer(actor=acme.actor(acme.admin), offer_id=offers["pause"].pk)
    case = new_case(acme, kind="cancellation", subject="Wants to cancel")
    with pytest.raises(Invalid) as refused:
        actions.propose_offer(
            actor=acme.actor(), case_id=case.pk, offer_id=offers["pause"].pk, terms=Terms(days=3)
        )
    assert refused.value.errors[0].field == "offer_id"


def test_the_retention_view_and_the_catalog_cost_fixed_queries(
    acme: Org, django_assert_max_num_queries: Any
) -> None:
    """MT8: a case's offers and corrections, and the catalog, read without N+1."""
    offers = _catalog(acme)
    case = new_case(acme, kind="cancellation", subject="Wants to cancel")
    for days in range(1, 8):
        actions.propose_offer(
            actor=acme.actor(), case_id=case.pk, offer_id=offers["pause"].pk, terms=Terms(days=days)
        )
    for corrected in ("10.00", "20.00", "30.00"):
        actions.correct_invoice(
            actor=acme.actor(),
            case_id=case.pk,
            original=Money("100.00", "USD"),
            corrected=Money(corrected, "USD"),
            reason="fewer seats",
        )
    api = Api(acme.agent)
    with django_assert_max_num_queries(10):
        body = api.get(f"cases/{case.pk}/retention").json()
    assert len(body["offers"]) == 7
    assert len(body["corrections"]) == 3
    assert body["refund_amount"] == {"amount": "70.00", "currency": "USD"}
    with django_assert_max_num_queries(6):
        listed = api.get("offers").json()
    assert [o["key"] for o in listed] == ["discount", "downgrade", "pause"]


def test_refuse_request_is_a_case_step_the_validator_knows(db: None) -> None:
    """ED5: eligibility is a playbook rule; `refuse_request` needs its reason in every
    language and is refused in an account rule (there is no case to record on)."""
    from ladder.playbooks.validation import check
    from tests.playbook_files import VALID

    case_rule = """
  - name: refund_after_six_lessons
    when: case.created
    with: {kind: refund}
    if: {field: customer.sessions_delivered, op: gt, value: 6}
    do:
      - refuse_request:
          reason: {en: Too late for a refund, zh-hans: 超过退费期限}
  - name: paid
    when: refund.paid
    do:
      - stop_clock: reply_24h
"""
    report = check(VALID + case_rule, filename="t.yaml")
    assert report.problems == []
    account_rule = """
  - name: refuse_on_signal
    when: signal.received
    with: {signal: churn_risk}
    do:
      - refuse_request:
          reason: {en: Not eligible}
"""
    report = check(VALID + account_rule, filename="t.yaml")
    messages = " ".join(p.message for p in report.problems)
    assert "refuse_request" in messages
    assert "zh-hans" in messages
