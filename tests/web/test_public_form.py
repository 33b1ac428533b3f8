"""The public complaint and call-back form: no login, one per organization at
/o/<slug>/complaint/, a web-form case with a reference number, a limit per address, and
refused input named next to its field."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ladder.cases.models import Case, Channel, Kind, TimelineEvent
from ladder.cases.models_public import PublicSubmission
from ladder.customers.models import Customer
from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.models import Organization
from tests.conftest import Org


def form_url(org: Organization) -> str:
    return reverse("web:public_complaint", kwargs={"slug": org.slug})


def done_url(org: Organization) -> str:
    return reverse("web:public_complaint_done", kwargs={"slug": org.slug})


def complaint(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "Dana Parent",
        "email": "dana@example.com",
        "phone": "",
        "description": "The tutor missed two sessions.\nNobody called us.",
    }
    values.update(overrides)
    return values


def visitor(address: str = "203.0.113.7") -> Client:
    return Client(REMOTE_ADDR=address)


def test_a_complaint_opens_a_web_form_case_and_shows_its_reference(acme: Org) -> None:
    """EB2, ED6: a customer files on the organization's public form (no login) and gets
    the case's reference number; the case is a complaint on the web-form channel."""
    client = visitor()
    page = client.get(form_url(acme.org))
    assert page.status_code == 200
    assert "Acme" in page.text
    assert 'name="csrfmiddlewaretoken"' in page.text
    response = client.post(form_url(acme.org), complaint())
    assert response.status_code == 302
    assert response["Location"] == done_url(acme.org)
    case = Case.objects.get(organization=acme.org)
    assert (case.kind, case.channel) == (Kind.COMPLAINT, Channel.WEB_FORM)
    assert case.subject == "The tutor missed two sessions."
    assert case.customer.name == "Dana Parent"
    event = TimelineEvent.objects.get(case=case, kind="case.created")
    assert event.actor_label == "engine (public complaint form)"
    done = client.get(done_url(acme.org))
    assert done.status_code == 200
    assert case.reference in done.text
    assert "Thank you, Dana Parent" in done.text


def test_a_call_back_request_needs_a_phone_and_is_marked(acme: Org) -> None:
    """EB2, EB3: a customer who asks to be called back leaves a phone number; the case
    says it is a call-back."""
    client = visitor()
    body = complaint(email="", phone="+1 555 0100", wants_callback="1")
    assert client.post(form_url(acme.org), body).status_code == 302
    case = Case.objects.get(organization=acme.org)
    assert case.request_type == "call-back"
    assert case.customer.contacts.get().phone == "+1 555 0100"
    assert "call you back" in client.get(done_url(acme.org)).text


def test_an_unknown_organization_has_no_form(db: None) -> None:
    """Each organization has its form at a stable address; any other address is 404."""
    client = visitor()
    assert client.get("/o/nobody/complaint/").status_code == 404
    assert client.post("/o/nobody/complaint/", complaint()).status_code == 404
    assert client.get("/o/nobody/complaint/done/").status_code == 404
    assert not Case.objects.exists()


def test_the_sixth_complaint_in_an_hour_from_one_address_is_refused(acme: Org, other: Org) -> None:
    """A limit per address keeps the public form from flooding the desk: the sixth
    complaint within an hour gets a 'too many' page (429) and files nothing; another
    address, and the same address an hour later, are served."""
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = visitor("198.51.100.20")
        for i in range(5):
            response = client.post(form_url(acme.org), complaint(name=f"Visitor {i}"))
            assert response.status_code == 302, i
            clock.shift(dt.timedelta(minutes=5))
        refused = client.post(form_url(acme.org), complaint(name="Sixth"))
        assert refused.status_code == 429
        assert "Too many complaints" in refused.text
        assert "Nothing was filed" in refused.text
        # The first of the five leaves the window 60 - 25 minutes from now.
        assert refused["Retry-After"] == str(35 * 60)
        assert Case.objects.filter(organization=acme.org).count() == 5
        assert not Customer.objects.filter(name="Sixth").exists()

        assert visitor("198.51.100.21").post(form_url(acme.org), complaint()).status_code == 302
        # The limit is per organization's form.
        assert client.post(form_url(other.org), complaint()).status_code == 302

        clock.shift(dt.timedelta(minutes=36))
        assert client.post(form_url(acme.org), complaint(name="Later")).status_code == 302
    assert Customer.objects.filter(name="Later").exists()


def test_refused_input_does_not_count_against_the_limit(acme: Org) -> None:
    """A visitor who mistypes is not locked out: only filed complaints count."""
    client = visitor()
    for _ in range(6):
        assert client.post(form_url(acme.org), complaint(email="not-an-address")).status_code == 200
    assert not PublicSubmission.objects.exists()
    assert client.post(form_url(acme.org), complaint()).status_code == 302


def test_the_address_is_kept_only_as_a_digest(acme: Org) -> None:
    """The rate limit stores no visitor's address in the clear."""
    assert visitor("192.0.2.55").post(form_url(acme.org), complaint()).status_code == 302
    row = PublicSubmission.objects.get()
    assert "192.0.2.55" not in row.address_digest
    assert re.fullmatch(r"[0-9a-f]{64}", row.address_digest)


@pytest.mark.parametrize(
    ("field", "body", "message"),
    [
        ("description", complaint(description="x" * 5_001), "at most 5000 characters"),
        ("description", complaint(description="   "), "This field is required."),
        ("name", complaint(name=""), "This field is required."),
        ("name", complaint(name="n" * 201), "at most 200 characters"),
        ("email", complaint(email="dana@"), "Enter a valid email address."),
        ("email", complaint(email="", phone=""), "give an e-mail address or a phone number"),
        ("phone", complaint(wants_callback="1"), "a call-back needs a phone number"),
        ("phone", complaint(phone="1" * 41), "at most 40 characters"),
        ("name", complaint(name="Dana\x00"), "Null characters are not allowed."),
    ],
)
def test_oversized_or_malformed_input_is_refused_next_to_its_field(
    acme: Org, field: str, body: dict[str, Any], message: str
) -> None:
    """Refused input changes nothing and says why beside the field, with the field
    marked invalid and pointing at its message (for screen readers)."""
    response = visitor().post(form_url(acme.org), body)
    assert response.status_code == 200
    html = response.text
    error = re.search(rf'<span class="error" id="id_{field}-error">([^<]*)</span>', html)
    assert error is not None, html
    assert message in error.group(1)
    control = re.search(rf'<(?:input|textarea) id="id_{field}"[^>]*>', html)
    assert control is not None
    assert 'aria-invalid="true"' in control.group(0)
    assert f"id_{field}-error" in control.group(0)
    assert 'role="alert"' in html
    assert not Case.objects.exists()
    assert Customer.objects.filter(organization=acme.org).count() == 1  # the cast's own
    assert not PublicSubmission.objects.exists()


def test_the_form_speaks_the_organizations_language_unless_the_visitor_switched(
    db: None,
) -> None:
    """ED1-ED10 come from a Chinese school: its form is in Chinese by default, whatever
    the browser asks for; a visitor who switched language gets theirs."""
    school = tenancy_actions.create_organization(
        slug="school", name="School", locale="zh-hans", case_prefix="SCH"
    )
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(form_url(school))
    assert '<html lang="zh-hans">' in page.text
    switched = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert switched.post("/language/", {"language": "en", "next": form_url(school)}).status_code
    assert '<html lang="en">' in switched.get(form_url(school)).text


def test_the_done_page_without_a_complaint_leads_to_the_form(acme: Org, other: Org) -> None:
    """The reference is shown only to the browser that filed, and only on the form of
    the organization it was filed with."""
    assert visitor().get(done_url(acme.org))["Location"] == form_url(acme.org)
    client = visitor()
    assert client.post(form_url(acme.org), complaint()).status_code == 302
    assert client.get(done_url(other.org))["Location"] == form_url(other.org)


def test_the_form_costs_a_fixed_handful_of_queries(acme: Org) -> None:
    """Fast: showing the form reads one row; filing writes the case in a bounded number
    of statements."""
    client = visitor()
    client.get(form_url(acme.org))  # the session and CSRF cookies
    with CaptureQueriesContext(connection) as shown:
        assert client.get(form_url(acme.org)).status_code == 200
    assert len(shown) == 1
    with CaptureQueriesContext(connection) as filed:
        assert client.post(form_url(acme.org), complaint()).status_code == 302
    assert len(filed) <= 20
    with CaptureQueriesContext(connection) as done:
        assert client.get(done_url(acme.org)).status_code == 200
    assert len(done) == 2  # the organization and the session
