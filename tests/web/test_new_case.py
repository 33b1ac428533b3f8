"""New case from the desk: an agent taking a phone call picks or creates the customer,
is shown that customer's open cases and when each was last updated (EB1), and opens
the case with a request type and description (EB2)."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client
from django.utils import timezone

from ladder.cases import actions
from ladder.cases.models import Case
from ladder.customers.actions import create_customer
from ladder.customers.models import Customer
from ladder.tenancy.models import Staff
from tests.conftest import Org, new_case

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def client_for(staff: Staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def case_form(customer: Customer, **extra: object) -> dict[str, object]:
    return {
        "step": "case",
        "customer": customer.pk,
        "kind": "leadership_request",
        "channel": "phone",
        "subject": "Wants to speak to a manager about the rebate",
        "description": "Installer promised a rebate check; agreed to wait for a call back.",
        "request_type": "callback",
        "category": "installer promises",
        "severity": "high",
        "money_at_stake": "7500.00",
        "take": "on",
        **extra,
    }


def test_the_agent_finds_the_customer_by_name_as_they_type(acme: Org) -> None:
    """EB1 starts with the customer: the search answers as the agent types (htmx) with
    each match's open cases counted; no match offers to add the customer."""
    customer = create_customer(actor=acme.actor(), name="Rosa Delgado")
    new_case(acme, customer_id=customer.pk)
    client = client_for(acme.agent)
    page = client.get("/cases/new/").content.decode()
    search = re.search(r'<input id="customer-q"[^>]*>', page)
    assert search
    assert 'hx-get="/cases/new/customers/"' in search.group(0)
    assert 'hx-target="#customer-results"' in search.group(0)
    assert '<div id="customer-results" aria-live="polite">' in page

    r = client.get("/cases/new/customers/", {"q": "delg"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    fragment = r.content.decode()
    assert "<html" not in fragment
    assert f'href="/cases/new/?customer={customer.pk}">Rosa Delgado</a>' in fragment
    assert "1 open case" in fragment
    # Without JavaScript the same search is a plain GET of the page.
    assert "Rosa Delgado" in client.get("/cases/new/", {"q": "rosa"}).content.decode()
    assert "Add them below" in client.get("/cases/new/customers/", {"q": "zzz"}).content.decode()


def test_a_new_customer_then_a_case_defaulting_to_the_phone(acme: Org) -> None:
    """EB2: the agent creates the customer (name, contact, phone, e-mail), then the
    case with the customer request type and description; the channel defaults to the
    phone, money at stake is in the organization's currency, and the agent owns it."""
    client = client_for(acme.agent)
    r = client.post(
        "/cases/new/",
        {
            "step": "customer",
            "name": "Harbor Solar Homeowner",
            "contact_name": "Dana Whitfield",
            "phone": "+1 555 0100",
            "email": "dana@example.com",
        },
    )
    assert r.status_code == 302
    customer = Customer.objects.get(organization=acme.org, name="Harbor Solar Homeowner")
    assert r["Location"] == f"/cases/new/?customer={customer.pk}"
    contact = customer.contacts.get()
    assert (contact.name, contact.phone, contact.email, contact.is_primary) == (
        "Dana Whitfield",
        "+1 555 0100",
        "dana@example.com",
        True,
    )
    page = client.get(r["Location"]).content.decode()
    assert '<option value="phone" selected>Phone</option>' in page
    assert "Money at stake (USD)" in page
    assert "already has an open case" not in page

    r = client.post("/cases/new/", case_form(customer, team=acme.team.pk))
    assert r.status_code == 302
    case = Case.objects.get(customer=customer)
    assert r["Location"] == f"/cases/{case.pk}/"
    assert (case.channel, case.kind, case.request_type, case.severity) == (
        "phone",
        "leadership_request",
        "callback",
        "high",
    )
    assert str(case.money_at_stake) in ("$7,500.00", "US$7,500.00")
    assert (case.owner_id, case.team_id, case.created_by_id) == (
        acme.agent.pk,
        acme.team.pk,
        acme.agent.pk,
    )


def test_an_existing_open_case_is_shown_before_another_is_opened(acme: Org) -> None:
    """EB1: first check whether a case already exists and whether it has been updated:
    the customer's open case is shown — reference, subject, status, owner, and when it
    was last updated, in words and in the organization's zone — and a new case is
    opened only when the agent confirms the call is about something else."""
    existing = new_case(acme, owner_id=acme.agent.pk, subject="Rebate check never arrived")
    three_hours_ago = timezone.now() - dt.timedelta(hours=3)
    Case.objects.filter(pk=existing.pk).update(updated_at=three_hours_ago)
    closed = new_case(acme, subject="An old resolved matter")
    closed = actions.update_case(
        actor=acme.actor(),
        case_id=closed.pk,
        expected_version=closed.version,
        changes={"root_cause": "r", "resolution": "s"},
    )
    actions.transition_case(
        actor=acme.actor(), case_id=closed.pk, expected_version=closed.version, to="resolved"
    )
    client = client_for(acme.agent)
    page = client.get(f"/cases/new/?customer={acme.customer.pk}").content.decode()
    panel = page[page.index('id="open-heading"') : page.index('id="case-heading"')]
    assert "This customer already has an open case" in panel
    assert f'<a href="/cases/{existing.pk}/">{existing.reference}</a>' in panel
    assert "Rebate check never arrived" in panel
    assert ">New</span>" in panel
    assert acme.agent.display_name in panel
    assert "updated 3\xa0hours ago" in panel
    local = three_hours_ago.astimezone(acme.org.zone)
    assert f'datetime="{local.isoformat()}"' in panel  # Asia/Shanghai, +08:00
    assert "An old resolved matter" not in panel

    # Not confirmed: nothing is created, and the page asks beside the box.
    r = client.post("/cases/new/", case_form(acme.customer, seen_open=str(existing.pk)))
    assert r.status_code == 409
    body = r.content.decode()
    assert existing.reference in body
    errors = re.search(r'<ul class="errorlist" id="case-confirm_new_error">(.*?)</ul>', body)
    assert errors
    assert "already has an open case" in errors.group(1)
    box = re.search(r'<input[^>]*id="case-confirm_new"[^>]*>', body)
    assert box
    assert 'aria-invalid="true"' in box.group(0)
    assert Case.objects.filter(customer=acme.customer).count() == 2

    # Confirmed, having seen the open case: the new case is opened.
    r = client.post(
        "/cases/new/", case_form(acme.customer, seen_open=str(existing.pk), confirm_new="on")
    )
    assert r.status_code == 302
    assert Case.objects.filter(customer=acme.customer).count() == 3


def test_a_case_opened_meanwhile_is_shown_before_confirming(acme: Org) -> None:
    """EB1: a confirmation covers the open cases the agent saw; one opened by a
    colleague in the meantime is shown first."""
    seen = new_case(acme, subject="The one the agent saw")
    client = client_for(acme.agent)
    page = client.get(f"/cases/new/?customer={acme.customer.pk}").content.decode()
    assert f'name="seen_open" value="{seen.pk}"' in page
    meanwhile = new_case(acme, subject="Opened by a colleague meanwhile")
    r = client.post(
        "/cases/new/", case_form(acme.customer, seen_open=str(seen.pk), confirm_new="on")
    )
    assert r.status_code == 409
    body = r.content.decode()
    assert "Opened by a colleague meanwhile" in body
    assert f'name="seen_open" value="{seen.pk},{meanwhile.pk}"' in body
    assert Case.objects.filter(customer=acme.customer).count() == 2


def test_refused_case_fields_are_shown_beside_the_field(acme: Org) -> None:
    """Forms show errors next to the field: a subject is required (the action says
    so); money at stake has at most two decimals (the form's parsing). Nothing is
    created."""
    customer = create_customer(actor=acme.actor(), name="New family")
    client = client_for(acme.agent)
    for field, value, message in (
        ("subject", " ", "is required"),
        ("money_at_stake", "10.005", "no more than 2 decimal places"),
    ):
        r = client.post("/cases/new/", case_form(customer, **{field: value}))
        assert r.status_code == 422
        page = r.content.decode()
        control = re.search(rf'<[^>]+id="case-{field}"[^>]*>', page)
        assert control
        assert 'aria-invalid="true"' in control.group(0)
        errors = re.search(rf'<ul class="errorlist" id="case-{field}_error">(.*?)</ul>', page)
        assert errors
        assert message in errors.group(1)
    assert not Case.objects.filter(customer=customer).exists()


def test_a_customer_needs_a_name(acme: Org) -> None:
    """The customer's name is required, beside the field; nothing is created."""
    count = Customer.objects.count()
    r = client_for(acme.agent).post(
        "/cases/new/", {"step": "customer", "name": "", "email": "not-an-address"}
    )
    assert r.status_code == 422
    page = r.content.decode()
    assert re.search(r'id="customer-name_error">.*?is required', page)
    assert re.search(r'id="customer-email_error">.*?is not an e-mail address', page)
    assert Customer.objects.count() == count


def test_another_organizations_customer_is_not_found(acme: Org, other: Org) -> None:
    """Tenancy: another organization's customer answers 404, shown or posted."""
    client = client_for(acme.agent)
    assert client.get(f"/cases/new/?customer={other.customer.pk}").status_code == 404
    r = client.post("/cases/new/", case_form(other.customer, confirm_new="on"))
    assert r.status_code == 404
    assert not Case.objects.filter(customer=other.customer).exists()
    fragment = client.get("/cases/new/customers/", {"q": "Customer of"}).content.decode()
    assert "Customer of acme" in fragment
    assert "Customer of other" not in fragment


def test_customer_names_and_open_cases_are_escaped(acme: Org) -> None:
    """Security: <script> in a customer's name and an open case's subject is text."""
    customer = create_customer(actor=acme.actor(), name=f"Evil {XSS}")
    new_case(acme, customer_id=customer.pk, subject=XSS)
    client = client_for(acme.agent)
    fragment = client.get("/cases/new/customers/", {"q": "evil"}).content.decode()
    assert XSS not in fragment
    assert ESCAPED in fragment
    page = client.get(f"/cases/new/?customer={customer.pk}").content.decode()
    assert XSS not in page
    assert page.count(ESCAPED) >= 2
    r = client.get("/cases/new/", {"q": XSS})
    assert XSS not in r.content.decode()
