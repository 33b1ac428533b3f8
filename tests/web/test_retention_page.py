"""Retention on the desk (ED5, MT5, MT8): the case page's panel (reasons, offers,
answer, approval, invoice correction, payout, outcome), refusals beside the field with
nothing written, and the admin's catalog page at /settings/offers/."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.test import Client
from djmoney.money import Money

from ladder.cases.models import TimelineEvent
from ladder.retention import actions
from ladder.retention.actions import OfferInput, Terms
from ladder.retention.models import InvoiceCorrection, Offer, RetentionRecord, SaveAttempt
from ladder.tenancy.models import Staff
from tests.conftest import Org, new_case


def client_for(staff: Staff, language: str | None = None) -> Client:
    client = Client()
    client.force_login(staff.user)
    if language is not None:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _discount(o: Org) -> Offer:
    return actions.save_offer(
        actor=o.actor(o.admin),
        values=OfferInput(
            key="discount",
            kind="discount",
            label_en="Discount",
            label_zh_hans="折扣",
            max_percent=Decimal(20),
            approver_role="accounting",
        ),
    )


def test_the_panel_shows_on_retention_kinds_only(acme: Org, english: None) -> None:
    """ED5: cancellation, refund, downgrade and level change carry the panel."""
    client = client_for(acme.agent)
    complaint = new_case(acme)
    assert 'id="retention"' not in client.get(f"/cases/{complaint.pk}/").content.decode()
    _discount(acme)
    case = new_case(acme, kind="refund", subject="Wants the money back")
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="retention"' in page
    assert "Discount — up to 20%, approved by Accounting / finance" in page
    assert 'name="reference"' not in page  # the agent does not pay refunds


def test_an_offer_above_its_limit_is_refused_beside_the_field(acme: Org, english: None) -> None:
    """MT5: the refusal names the limit next to the percent; nothing is written."""
    offer = _discount(acme)
    case = new_case(acme, kind="downgrade", subject="Smaller plan")
    client = client_for(acme.agent)
    url = f"/cases/{case.pk}/retention/"
    r = client.post(url, {"step": "propose", "offer_id": offer.pk, "percent": "30"})
    assert r.status_code == 422
    text = r.content.decode()
    assert "is above the offer&#x27;s limit of 20%" in text
    assert 'value="30"' in text
    assert not SaveAttempt.objects.exists()
    r = client.post(url, {"step": "propose", "offer_id": offer.pk, "percent": "15"})
    assert r.status_code == 302
    attempt = SaveAttempt.objects.get()
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'name="decision"' not in page  # the agent does not approve
    accounting = client_for(acme.accountant)
    page = accounting.get(f"/cases/{case.pk}/").content.decode()
    assert 'name="decision" value="approve"' in page
    r = accounting.post(
        url,
        {"step": "decide", "attempt_id": attempt.pk, "decision": "approve", "decision_reason": ""},
    )
    assert r.status_code == 302
    r = client.post(url, {"step": "answer", "attempt_id": attempt.pk, "answer": "accepted"})
    assert r.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.decision, attempt.answer) == ("approved", "accepted")


def test_correction_payout_and_outcome_from_the_page(acme: Org, english: None) -> None:
    """ED5: the refund (original − corrected) is shown; a negative amount is refused
    beside its field; finance records the payout; the outcome is recorded."""
    case = new_case(acme, kind="refund", subject="Wants the money back")
    client = client_for(acme.agent)
    url = f"/cases/{case.pk}/retention/"
    bad: dict[str, Any] = {
        "step": "correct",
        "original": "-10",
        "corrected": "0",
        "correction_reason": "x",
    }
    r = client.post(url, bad)
    assert r.status_code == 422
    assert "cannot be negative" in r.content.decode()
    assert not InvoiceCorrection.objects.exists()
    r = client.post(
        url, {"step": "reasons", "stated_reason": "Too busy", "true_reason": "Class too fast"}
    )
    assert r.status_code == 302
    r = client.post(
        url,
        {
            "step": "correct",
            "original": "3600",
            "corrected": "1125.50",
            "correction_reason": "3 lessons",
        },
    )
    assert r.status_code == 302
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "2,474.50 USD" in page
    assert "partial refund" in page
    finance = client_for(acme.accountant)
    assert 'name="reference"' in finance.get(f"/cases/{case.pk}/").content.decode()
    r = finance.post(url, {"step": "payout", "reference": "PAY-7"})
    assert r.status_code == 302
    r = client.post(url, {"step": "outcome", "outcome": "refunded_full"})
    assert r.status_code == 422
    r = client.post(url, {"step": "outcome", "outcome": "refunded_partial"})
    assert r.status_code == 302
    rec = RetentionRecord.objects.get(case=case)
    assert (rec.payout_reference, rec.outcome) == ("PAY-7", "refunded_partial")
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Paid the refund of 2474.50 USD (reference PAY-7)" in page
    assert "True reason: Class too fast" in page


def test_the_panel_speaks_chinese(acme: Org) -> None:
    """ED5: the class teacher works in Simplified Chinese."""
    case = new_case(acme, kind="refund", subject="退费")
    actions.correct_invoice(
        actor=acme.actor(),
        case_id=case.pk,
        original=Money("100.00", "USD"),
        corrected=Money("0.00", "USD"),
        reason="全额",
    )
    page = client_for(acme.agent, "zh-hans").get(f"/cases/{case.pk}/").content.decode()
    assert "挽留" in page
    assert "退费金额（原金额 − 更正后金额）" in page
    assert "全额退费" in page


def test_the_catalog_page_is_the_admin_s(acme: Org, django_assert_max_num_queries: Any) -> None:
    """MT5: admins add and retire offers; others are refused; the list costs a fixed
    number of queries."""
    assert client_for(acme.agent).get("/settings/offers/").status_code == 403
    client = client_for(acme.admin)
    r = client.post(
        "/settings/offers/",
        {"key": "pause", "kind": "pause", "label_en": "Pause", "max_days": "-3"},
    )
    assert r.status_code == 422
    assert not Offer.objects.exists()
    for i in range(5):
        r = client.post(
            "/settings/offers/",
            {
                "key": f"pause{i}",
                "kind": "pause",
                "label_en": f"Pause {i}",
                "label_zh_hans": "暂停",
                "max_days": "90",
                "approver_role": "principal",
            },
        )
        assert r.status_code == 302
    with django_assert_max_num_queries(8):
        page = client.get("/settings/offers/").content.decode()
    assert page.count('name="step" value="retire"') == 5
    offer = Offer.objects.get(key="pause0")
    client.post("/settings/offers/", {"step": "retire", "offer_id": offer.pk})
    offer.refresh_from_db()
    assert offer.active is False
    case = new_case(acme, kind="cancellation", subject="Cancel")
    actions.propose_offer(
        actor=acme.actor(),
        case_id=case.pk,
        offer_id=Offer.objects.get(key="pause1").pk,
        terms=Terms(days=30),
    )
    assert TimelineEvent.objects.filter(case=case, kind="offer.proposed").count() == 1


def test_choosing_an_offer_narrows_the_terms_with_htmx(acme: Org, english: None) -> None:
    """MT5: the propose form shows the terms the chosen offer takes and its limits;
    htmx swaps the panel, and without a script the whole page comes back."""
    discount = _discount(acme)
    pause = actions.save_offer(
        actor=acme.actor(acme.admin),
        values=OfferInput(key="pause", kind="pause", label_en="Pause", max_days=90),
    )
    case = new_case(acme, kind="cancellation", subject="Cancel")
    client = client_for(acme.agent)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'name="percent"' not in page
    url = f"/cases/{case.pk}/retention/"
    part = client.get(url, {"offer_id": discount.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert part.lstrip().startswith('<section class="card retention"')
    assert 'name="percent"' in part
    assert 'name="amount"' in part
    assert 'name="days"' not in part
    assert "Limits: up to 20%, approved by Accounting / finance" in part
    part = client.get(url, {"offer_id": pause.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="days"' in part
    assert 'name="percent"' not in part
    whole = client.get(url, {"offer_id": pause.pk}).content.decode()
    assert "<html" in whole
    assert 'name="days"' in whole
    other = new_case(acme, kind="refund", subject="x").pk + 10_000
    assert client.get(f"/cases/{other}/retention/", HTTP_HX_REQUEST="true").status_code == 404
