"""The health score in playbook rules (MT1): the customer fields `health_score`,
`health_band` and `signals_<kind>_30d`, and the shipped software playbook's proactive
rules. Here the signals are written as the intake writes them and the account rules
are run with `on_account_event`, as the worker's signal step does; the walk through
the API and a real worker is tests/test_proactive_flow.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import transaction

from ladder.cases.models import Case
from ladder.customers.models import Customer
from ladder.health.score import recompute_customers
from ladder.playbooks import validation
from ladder.playbooks.accounts import AccountEvent, on_account_event
from ladder.playbooks.models import AccountDecision
from tests.conftest import Org
from tests.health_setup import add_signal
from tests.playbook_setup import install_playbook

SHIPPED = Path(__file__).resolve().parent.parent / "ladder" / "playbooks" / "shipped"
NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)

FIELDS_BOOK = """
playbook: fields
title: Health fields
languages: [en]
tiers:
  - {level: 1, name: Agent, role: agent}
rules:
  - name: amber_and_complaining
    when: signal.received
    with: {signal: complaint}
    if:
      all:
        - {field: customer.health_band, op: in, value: [amber, red]}
        - {field: customer.health_score, op: lt, value: 70}
        - {field: customer.signals_complaint_30d, op: gte, value: 2}
    do:
      - open_case:
          kind: complaint
          subject: Complaints pile up on an account at risk
"""


def _customer(o: Org) -> Customer:
    return Customer.objects.select_related("organization").get(pk=o.customer.pk)


def _signal(o: Org, kind: str, at: dt.datetime) -> None:
    """A signal arrives: written, scored, and the account rules hear it."""
    add_signal(o.customer, kind, at)
    with transaction.atomic():
        recompute_customers([o.customer.pk], at=at)
        on_account_event(
            AccountEvent(
                customer=_customer(o), trigger="signal.received", at=at, data={"signal": kind}
            )
        )


def test_the_health_fields_are_known_to_validation(acme: Org) -> None:
    """MT1: a rule may read the score, the band and the 30-day counts; a misspelt kind
    is refused."""
    report = validation.check(FIELDS_BOOK, filename="fields.yaml", organization=acme.org)
    assert report.ok, report.problems
    bad = FIELDS_BOOK.replace("signals_complaint_30d", "signals_complaints_30d")
    report = validation.check(bad, filename="fields.yaml", organization=acme.org)
    assert any("signals_complaints_30d" in str(p) for p in report.problems), report.problems


def test_rules_read_the_score_band_and_recent_counts(acme: Org) -> None:
    """MT1: the rule fires once the account is amber and has two complaints within 30
    days; a complaint from 31 days ago does not count."""
    install_playbook(acme.org, FIELDS_BOOK)
    _signal(acme, "complaint", NOW - 31 * DAY)
    _signal(acme, "past_due", NOW - DAY)
    _signal(acme, "complaint", NOW)
    assert not Case.objects.exists()  # one complaint in 30 days
    _signal(acme, "complaint", NOW + dt.timedelta(hours=1))
    case = Case.objects.get(customer=acme.customer)
    assert case.subject == "Complaints pile up on an account at risk"


@pytest.fixture
def software(acme: Org) -> Org:
    """Acme runs the shipped software playbook; the customer's CSM is the manager."""
    install_playbook(acme.org, (SHIPPED / "software.yaml").read_text(encoding="utf-8"))
    Customer.objects.filter(pk=acme.customer.pk).update(owner=acme.manager)
    return acme


def test_past_due_and_engagement_drop_open_one_proactive_case(software: Org) -> None:
    """MT1: past due alone opens nothing; an engagement drop within 30 days of it opens
    an escalation case on the signal channel, in the price category, for the customer's
    CSM, before the customer asks to cancel; a further signal adds no second case."""
    _signal(software, "past_due", NOW - 10 * DAY)
    assert not Case.objects.filter(customer=software.customer).exists()
    _signal(software, "engagement_drop", NOW)
    case = Case.objects.get(customer=software.customer)
    assert (case.kind, case.channel, case.category, case.severity, case.owner) == (
        "escalation",
        "signal",
        "price_related",
        "high",
        software.manager,
    )
    decision = AccountDecision.objects.get(customer=software.customer, case=case)
    assert decision.rule == "proactive_past_due_and_engagement_drop"
    _signal(software, "past_due", NOW + DAY)
    assert (
        Case.objects.filter(
            customer=software.customer, subject__startswith="Past due and less engaged"
        ).count()
        == 1
    )


def test_signals_a_month_apart_open_nothing(software: Org) -> None:
    """MT1: the two signals count together only within 30 days."""
    _signal(software, "past_due", NOW - 40 * DAY)
    _signal(software, "engagement_drop", NOW)
    assert not Case.objects.filter(customer=software.customer).exists()


def test_an_account_turning_red_gets_a_proactive_case(software: Org) -> None:
    """MT1: health.changed to red opens an escalation case for the CSM; amber does not."""
    add_signal(software.customer, "downgrade_request", NOW)
    add_signal(software.customer, "unresponsive", NOW)
    recompute_customers([software.customer.pk], at=NOW)  # 55: amber
    assert not Case.objects.filter(customer=software.customer).exists()
    add_signal(software.customer, "upset", NOW)
    add_signal(software.customer, "complaint", NOW)
    recompute_customers([software.customer.pk], at=NOW)  # 30: red
    case = Case.objects.get(customer=software.customer)
    assert case.subject.startswith("Health score turned red")
    assert (case.kind, case.owner) == ("escalation", software.manager)
    assert AccountDecision.objects.get(case=case).rule == "proactive_health_red"
