"""The health score on the desk (MT1): the customer page's Health panel, the admin's
weights page at /settings/health/, the money at risk on My work and the accounts at
risk at /accounts/at-risk/."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ladder.customers import actions as customer_actions
from ladder.customers.models import Customer
from ladder.health.models import HealthSettingsChange, HealthWeight
from ladder.health.score import recompute_customers
from ladder.money import make_money
from ladder.tenancy.models import Staff
from tests.conftest import Org, new_case
from tests.health_setup import add_signal


def client_for(staff: Staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def _rows(html: str, table_class: str) -> list[list[str]]:
    table = re.search(rf'<table class="{table_class}">(.*?)</table>', html, re.S)
    assert table is not None, table_class
    body = table.group(1).split("<tbody>", 1)[1]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_the_health_panel_explains_a_red_account(acme: Org) -> None:
    """MT1: the score, the band in words (not colour alone), when it was computed in
    the organization's zone, the components and the latest signals."""
    now = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    for _ in range(2):
        add_signal(acme.customer, "past_due", now, source="billing", value=Decimal("420.5"))
    add_signal(acme.customer, "upset", now - dt.timedelta(days=14), note="Shouted on the phone")
    recompute_customers([acme.customer.pk], at=now)
    page = client_for(acme.agent).get(f"/customers/{acme.customer.pk}/").content.decode()
    assert 'id="health"' in page
    assert "33<span" in page  # 100 − 60 − 7.5 = 32.5, rounded half up
    assert '<span class="band band-red" data-band="red">Red</span>' in page
    assert '<time datetime="2026-03-02T10:00:00+08:00">' in page  # Asia/Shanghai
    assert _rows(page, "health-components") == [
        ["Past due", "2", "30", "30", "2.00", "60.0"],
        ["Upset customer", "1", "15", "14", "0.50", "7.5"],
    ]
    signals = _rows(page, "health-signals")
    assert [(r[0], r[2], r[3], r[4]) for r in signals] == [
        ("Past due", "billing", "420.5", ""),
        ("Past due", "billing", "420.5", ""),
        ("Upset customer", "tests", "", "Shouted on the phone"),
    ]


def test_the_panel_costs_the_same_queries_for_1_or_30_signals(acme: Org) -> None:
    """MT1: the panel reads the score and the latest signals in two queries, however
    many signals the account has."""
    few = customer_actions.create_customer(actor=acme.actor(), name="Few")
    many = customer_actions.create_customer(actor=acme.actor(), name="Many")
    now = timezone.now()
    add_signal(few, "upset", now)
    for i in range(30):
        add_signal(many, "complaint", now - dt.timedelta(hours=i))
    recompute_customers([few.pk, many.pk], at=now)
    client = client_for(acme.agent)

    def count(customer: Customer) -> int:
        client.get(f"/customers/{customer.pk}/")
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(f"/customers/{customer.pk}/")
        assert r.status_code == 200
        return len(ctx.captured_queries)

    assert count(few) == count(many)
    assert count(many) <= 22


def test_an_account_without_signals_says_so(acme: Org) -> None:
    """MT1: no score is made up before the first signal."""
    page = client_for(acme.agent).get(f"/customers/{acme.customer.pk}/").content.decode()
    assert "No score yet: no signal has been received for this account." in page


# --- the weights page ----------------------------------------------------------------


def _form(**changes: str) -> dict[str, str]:
    from ladder.health.score import DEFAULT_WEIGHTS

    data = {"red_below": "40", "amber_below": "70"}
    for kind, weight in DEFAULT_WEIGHTS.items():
        data[f"weight_{kind}"] = str(weight.points)
        data[f"half_life_{kind}"] = str(weight.half_life_days)
    data.update(changes)
    return data


def test_an_admin_sets_the_weights_on_the_page(acme: Org) -> None:
    """MT1: a form per kind with the default alongside; saving writes and audits."""
    client = client_for(acme.admin)
    page = client.get("/settings/health/").content.decode()
    assert 'name="weight_past_due" inputmode="decimal" value="30.00"' in page
    assert "30.00 points, 30 days" in page
    r = client.post("/settings/health/", _form(weight_past_due="45", red_below="35"))
    assert r.status_code == 302
    assert HealthWeight.objects.get(organization=acme.org, kind="past_due").weight == 45
    assert HealthSettingsChange.objects.filter(organization=acme.org).count() == 1
    page = client.get("/settings/health/").content.decode()
    assert 'name="weight_past_due" inputmode="decimal" value="45.00"' in page
    assert 'id="red_below" name="red_below" inputmode="numeric" value="35"' in page


def test_bad_weights_on_the_page_are_shown_at_the_field(acme: Org) -> None:
    """MT1: 422, the message at the field, what was typed kept, nothing saved."""
    client = client_for(acme.admin)
    r = client.post("/settings/health/", _form(half_life_upset="0", amber_below="120"))
    assert r.status_code == 422
    page = r.content.decode()
    assert "must be a whole number of days from 1 to 365" in page
    assert 'name="half_life_upset" inputmode="numeric" value="0"' in page
    assert "must be a whole number from 0 to 100" in page
    assert not HealthWeight.objects.exists()


def test_only_admins_change_the_weights_on_the_page(acme: Org) -> None:
    """MT1: the page is readable by the desk, but saving needs `configure`."""
    client = client_for(acme.manager)
    page = client.get("/settings/health/").content.decode()
    assert "Only an admin can change the weights." in page
    assert client.post("/settings/health/", _form(weight_past_due="45")).status_code == 403
    assert not HealthWeight.objects.exists()


# --- money at risk -------------------------------------------------------------------


def _at_risk(o: Org) -> None:
    rich = customer_actions.create_customer(
        actor=o.actor(),
        name="Rich and red",
        mrr=make_money("2500.00", o.org.currency, "mrr"),
        contract_value=make_money("30000.00", o.org.currency, "contract_value"),
    )
    for _ in range(3):
        add_signal(rich, "past_due", timezone.now())
    recompute_customers([rich.pk], at=timezone.now())
    leaving = customer_actions.create_customer(
        actor=o.actor(), name="Leaving", mrr=make_money("100.00", o.org.currency, "mrr")
    )
    new_case(o, customer_id=leaving.pk, kind="downgrade", subject="Fewer seats")


def test_managers_see_money_at_risk_on_my_work_and_the_list(acme: Org) -> None:
    """MT1: the money-at-risk card on My work and the accounts at risk, most money
    first, with their score and band."""
    _at_risk(acme)
    client = client_for(acme.manager)
    work = client.get("/work/").content.decode()
    assert "Money at risk" in work
    assert re.search(r'data-testid="risk-mrr">2,600.00 \w{3}<', work)
    assert re.search(r'data-testid="risk-contract">30,000.00 \w{3}<', work)
    assert 'data-testid="risk-accounts">2<' in work
    page = client.get("/accounts/at-risk/")
    assert page.status_code == 200
    rows = _rows(page.content.decode(), "accounts")
    assert [(r[0], r[3], r[4], r[5]) for r in rows] == [
        ("Rich and red", "10", "Red", "0"),
        ("Leaving", "", "", "1"),
    ]


def test_agents_do_not_see_money_at_risk(acme: Org) -> None:
    """MT1: money at risk is for team leads and managers."""
    _at_risk(acme)
    client = client_for(acme.agent)
    assert "Money at risk" not in client.get("/work/").content.decode()
    assert client.get("/accounts/at-risk/").status_code == 403
