"""The customer page: contacts, products, money, owner, programs and the customer's
cases, newest first and bounded, with the queue a link away for the rest."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from ladder.customers.actions import ContactInput, ProgramInput, create_customer
from ladder.customers.models import Customer
from ladder.tenancy.models import Staff
from tests.conftest import Org, new_case

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def client_for(staff: Staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def family(o: Org, name: str = "The Chen family") -> Customer:
    return create_customer(
        actor=o.actor(),
        name=name,
        owner_id=o.manager.pk,
        mrr=Money("320.00", "USD"),
        contract_value=Money("3840.00", "USD"),
        external_link="https://crm.example.com/accounts/42",
        contacts=[
            ContactInput(name="Mei Chen", relation="parent", phone="+86 138 0000 0000"),
            ContactInput(name="Li Chen", relation="student", email="li@example.com"),
        ],
        products=["Maths tutoring", "SAT prep"],
        programs=[
            ProgramInput(
                name="Maths, spring",
                purchased=Decimal(48),
                delivered=Decimal(12),
                term_start=dt.date(2026, 3, 2),
                term_end=dt.date(2026, 6, 26),
                cohort="G7-B",
            )
        ],
    )


def test_customer_page_shows_contacts_products_money_owner_and_programs(acme: Org) -> None:
    """The account at a glance: contacts, products, MRR and contract value (MT3), the
    owner (ED1), and each program's lessons purchased and delivered, term and class
    (ED1, TD3: unused purchased hours are watched)."""
    customer = family(acme)
    r = client_for(acme.agent).get(f"/customers/{customer.pk}/")
    assert r.status_code == 200
    page = r.content.decode()
    assert "<h1>The Chen family</h1>" in page
    for text in (
        "Mei Chen",
        "parent",
        "+86 138 0000 0000",
        "li@example.com",
        "Maths tutoring",
        "SAT prep",
        "320.00 USD",
        "3,840.00 USD",
        acme.manager.display_name,
        "Maths, spring",
        "G7-B",
        "Lessons",
        ">48<",
        ">12<",
        ">36<",  # remaining
        'datetime="2026-03-02"',
        'datetime="2026-06-26"',
        "https://crm.example.com/accounts/42",
    ):
        assert text in page, text
    assert f'href="/cases/new/?customer={customer.pk}"' in page


def test_customer_cases_are_listed_newest_first_with_a_link_to_the_rest(acme: Org) -> None:
    """The customer's cases, newest first; past the bound the queue, filtered by the
    customer, has the rest."""
    customer = family(acme)
    first = new_case(acme, customer_id=customer.pk, subject="First complaint")
    second = new_case(acme, customer_id=customer.pk, subject="Second complaint")
    page = client_for(acme.agent).get(f"/customers/{customer.pk}/").content.decode()
    refs = re.findall(r'<a href="/cases/(\d+)/">', page)
    assert refs == [str(second.pk), str(first.pk)]
    assert "All cases of this customer" not in page

    for i in range(20):
        new_case(acme, customer_id=customer.pk, subject=f"Complaint {i}")
    page = client_for(acme.agent).get(f"/customers/{customer.pk}/").content.decode()
    assert len(re.findall(r'<a href="/cases/(\d+)/">', page)) == 20
    assert "First complaint" not in page
    assert f"/queues/?customer={customer.pk}&amp;" in page
    assert "All cases of this customer, in the queue" in page


def test_customer_page_costs_the_same_queries_for_1_or_20_cases(acme: Org) -> None:
    """Fast: the query count does not grow with the customer's cases (≤ 20)."""
    one = family(acme, "One case")
    new_case(acme, customer_id=one.pk)
    many = family(acme, "Many cases")
    for _ in range(20):
        new_case(acme, customer_id=many.pk, owner_id=acme.agent.pk, team_id=acme.team.pk)
    client = client_for(acme.agent)

    def count(customer: Customer) -> int:
        client.get(f"/customers/{customer.pk}/")
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(f"/customers/{customer.pk}/")
        assert r.status_code == 200
        return len(ctx.captured_queries)

    assert count(one) == count(many)
    assert count(many) <= 20


def test_another_organizations_customer_is_not_found(acme: Org, other: Org) -> None:
    """Tenancy: another organization's customer id answers 404."""
    client = client_for(acme.agent)
    assert client.get(f"/customers/{other.customer.pk}/").status_code == 404
    assert client.get("/customers/999999/").status_code == 404
    assert client.get("/customers/99999999999999999999/").status_code == 404


def test_customer_text_is_escaped(acme: Org) -> None:
    """Security: <script> in the name, contacts, products, programs and a case subject
    is shown as text."""
    customer = create_customer(
        actor=acme.actor(),
        name=XSS,
        contacts=[ContactInput(name=XSS, relation=XSS, phone=XSS)],
        products=[XSS],
        programs=[ProgramInput(name=XSS, purchased=Decimal(10), cohort=XSS)],
    )
    new_case(acme, customer_id=customer.pk, subject=XSS)
    r = client_for(acme.agent).get(f"/customers/{customer.pk}/")
    page = r.content.decode()
    assert XSS not in page
    assert page.count(ESCAPED) >= 8


def test_the_customer_page_needs_a_signed_in_staff_member(acme: Org) -> None:
    """Nobody sees a customer without signing in."""
    r = Client().get(f"/customers/{acme.customer.pk}/")
    assert r.status_code == 302
    assert "/login/" in r["Location"]


def test_the_customer_page_says_what_the_account_rules_did(acme: Org) -> None:
    """MT1: a manager sees why the account has a proactive case: the rule, the signal
    that fired it and a link to the case it opened."""
    from django.db import transaction
    from django.utils import timezone

    from ladder.playbooks.accounts import AccountEvent, on_account_event
    from tests.playbook_setup import install_playbook

    install_playbook(
        acme.org,
        """
playbook: watch
title: Watch
tiers:
  - {level: 1, name: Agent, role: agent}
rules:
  - name: past_due_opens_a_case
    when: signal.received
    with: {signal: past_due}
    do:
      - open_case: {kind: escalation, subject: Account past due}
""",
    )
    customer = family(acme)
    client = client_for(acme.manager)
    assert (
        "No account rule has acted for this customer."
        in client.get(f"/customers/{customer.pk}/").content.decode()
    )
    with transaction.atomic():
        on_account_event(
            AccountEvent(
                customer=Customer.objects.select_related("organization").get(pk=customer.pk),
                trigger="signal.received",
                at=timezone.now(),
                data={"signal": "past_due"},
            )
        )
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    reference = customer.cases.get().reference
    assert "watch v1: past_due_opens_a_case" in html
    assert "signal past_due" in html
    assert re.search(rf'Opened case <a href="/cases/\d+/">{reference}</a>', html)
