"""The customer page's programs panel: each program with its pace, a session recorded
from the page, and a CSV upload whose refused rows are shown with their line numbers
(TD3, ED1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ladder.customers.actions import ProgramInput, create_customer
from ladder.customers.models import Customer, Program, Session
from tests.conftest import Org

TODAY = dt.datetime(2026, 3, 3, 10, 0, tzinfo=dt.UTC)


def client_for(o: Org) -> Client:
    client = Client()
    client.force_login(o.agent.user)
    return client


def family(o: Org, programs: int = 1) -> Customer:
    return create_customer(
        actor=o.actor(),
        name="The Zhou family",
        programs=[
            ProgramInput(
                name=f"Maths {i}",
                unit="hours",
                purchased=Decimal(40),
                delivered=Decimal(2),
                term_start=dt.date(2026, 1, 5),
                term_end=dt.date(2026, 6, 26),
            )
            for i in range(programs)
        ],
    )


def test_the_panel_shows_each_programs_pace(acme: Org) -> None:
    """TD3: planned by today, delivered and how far behind, so unused hours are seen."""
    with time_machine.travel(TODAY, tick=False):
        customer = family(acme)
        page = client_for(acme).get(f"/customers/{customer.pk}/").content.decode()
    assert "Maths 0" in page
    assert "28.1% behind" in page  # 57 of 172 days: 13.26 of 40 planned, 2 delivered
    assert "Record a session" in page
    assert "Import sessions from a CSV file" in page


def test_the_customer_page_costs_the_same_for_more_programs(acme: Org) -> None:
    """The programs and their last sessions come in one query, however many."""
    one = family(acme, programs=1)
    three = family(acme, programs=3)
    client = client_for(acme)
    client.get(f"/customers/{one.pk}/")

    def count(customer: Customer) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/customers/{customer.pk}/").status_code == 200
        return len(ctx)

    assert count(one) == count(three)


def test_a_session_recorded_on_the_page(acme: Org) -> None:
    """ED1: the class teacher records a lesson in the organization's local time."""
    customer = family(acme)
    program = customer.programs.get()
    r = client_for(acme).post(
        f"/customers/{customer.pk}/programs/{program.pk}/sessions/",
        {"held_at": "2026-03-02T18:00", "units": "1.5", "note": "algebra"},
        follow=True,
    )
    assert "Session recorded." in r.content.decode()
    session = Session.objects.get(program=program, note="algebra")
    assert session.held_at == dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)  # Shanghai
    assert Program.objects.get(pk=program.pk).delivered == Decimal("3.5")


def test_a_bad_session_on_the_page_says_why_and_writes_nothing(acme: Org) -> None:
    customer = family(acme)
    program = customer.programs.get()
    r = client_for(acme).post(
        f"/customers/{customer.pk}/programs/{program.pk}/sessions/",
        {"held_at": "2026-03-02T18:00", "units": "39"},
        follow=True,
    )
    assert "beyond the 40.00 purchased" in r.content.decode()
    assert Program.objects.get(pk=program.pk).delivered == Decimal(2)


def test_another_organizations_program_is_404_on_the_page(acme: Org, other: Org) -> None:
    theirs = family(other)
    program = theirs.programs.get()
    mine = family(acme)
    client = client_for(acme)
    body = {"held_at": "2026-03-02T18:00", "units": "1"}
    assert (
        client.post(f"/customers/{theirs.pk}/programs/{program.pk}/sessions/", body).status_code
        == 404
    )
    assert (
        client.post(f"/customers/{mine.pk}/programs/{program.pk}/sessions/", body).status_code
        == 404
    )
    assert Program.objects.get(pk=program.pk).delivered == Decimal(2)


def test_an_upload_imports_the_good_rows_and_names_the_bad_line(acme: Org) -> None:
    """A malformed CSV row is reported with its line number; the other rows imported."""
    customer = family(acme)
    p = customer.programs.get().pk
    text = (
        "program_id,held_at,units,note,source_id\n"
        f"{p},2026-03-02T18:00,1,,x1\n"
        f"{p},2026-03-0218:00,1,,x2\n"
        f"{p},2026-03-03T18:00,2,,x3\n"
    )
    upload = SimpleUploadedFile("sessions.csv", text.encode(), content_type="text/csv")
    r = client_for(acme).post(
        f"/customers/{customer.pk}/sessions/import/", {"file": upload}, follow=True
    )
    page = r.content.decode()
    assert "Imported 2 session(s)" in page
    assert "Line 3: held_at" in page
    assert Program.objects.get(pk=p).delivered == Decimal(5)
