"""A manager reads why an account is red, in Debian's chromium (MT1): the Health panel
on the customer page (score, band in words, components, latest signals) and the money
at risk on My work, then the accounts at risk; axe-core on each page and a screenshot.
The signals are written as the intake writes them (tests/test_signals_*.py cover the
intake) and the score computed by the same function its worker step calls."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from ladder.customers import actions as customer_actions
from ladder.customers.models import Customer
from ladder.health.score import recompute_customers
from ladder.money import make_money
from tests.browser.conftest import check_accessibility, screenshot, sign_in
from tests.conftest import Org, build_org
from tests.health_setup import add_signal

PASSWORD = "pw-for-tests-only"


@pytest.fixture
def red_account(transactional_db: None) -> tuple[Org, Customer]:
    o = build_org("acme", "ACME")
    customer = customer_actions.create_customer(
        actor=o.actor(),
        name="Pinecrest Behavioral Health",
        mrr=make_money("2450.00", o.org.currency, "mrr"),
        contract_value=make_money("29400.00", o.org.currency, "contract_value"),
    )
    now = timezone.now()
    add_signal(customer, "past_due", now, source="billing", note="Invoice 1043 unpaid")
    add_signal(customer, "engagement_drop", now, source="crm")
    add_signal(customer, "upset", now, source="desk", note="Angry about the portal")
    recompute_customers([customer.pk], at=now)
    return o, customer


def test_a_manager_sees_why_an_account_is_red_and_the_money_at_risk(
    page: Any, axe_source: str, red_account: tuple[Org, Customer]
) -> None:
    """MT1: past due, engagement drop and upset take 60 points (40: amber, since red is
    below 40); silence after the issue takes 20 more: 20, red. The manager sees the
    money at risk on My work, reads the band's text and the components table on the
    customer page, and finds the account first among the accounts at risk."""
    o, customer = red_account
    add_signal(customer, "unresponsive", timezone.now(), source="desk")
    recompute_customers([customer.pk], at=timezone.now())  # 100 − 80 = 20: red
    sign_in(page, o.manager.user.username, PASSWORD)
    page.wait_for_url(re.compile("/work/"))
    risk = page.locator("section.money-at-risk")
    assert "Money at risk" in risk.inner_text()
    assert page.get_by_test_id("risk-mrr").inner_text().startswith("2,450.00")
    assert page.get_by_test_id("risk-contract").inner_text().startswith("29,400.00")
    assert page.get_by_test_id("risk-accounts").inner_text() == "1"
    check_accessibility(page, axe_source)
    screenshot(page, "my-work-money-at-risk")

    page.goto(f"/customers/{customer.pk}/")
    panel = page.locator("#health")
    assert panel.locator(".band").inner_text().endswith("Red")
    assert "20" in panel.locator(".health-score").inner_text()
    rows = panel.locator("table.health-components tbody tr")
    assert [rows.nth(i).locator("th").inner_text() for i in range(rows.count())] == [
        "Past due",
        "Unresponsive after an issue",
        "Engagement drop",
        "Upset customer",
    ]
    first = [c.strip() for c in rows.nth(0).locator("td").all_inner_texts()]
    assert first == ["1", "30", "30", "1.00", "30.0"]
    signals = panel.locator("table.health-signals")
    assert "Invoice 1043 unpaid" in signals.inner_text()
    check_accessibility(page, axe_source)
    screenshot(page, "customer-health-red")

    page.goto("/work/")
    page.get_by_role("link", name="See the accounts at risk").click()
    page.wait_for_url(re.compile("/accounts/at-risk/$"))
    row = page.locator("table.accounts tbody tr").first
    assert "Pinecrest Behavioral Health" in row.inner_text()
    assert "Red" in row.inner_text()
    check_accessibility(page, axe_source)
    screenshot(page, "accounts-at-risk")
