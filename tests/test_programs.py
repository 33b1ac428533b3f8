"""Programs and their sessions: recorded through the API, imported from CSV (a
malformed row is reported with its line number, the others imported; a repeated
source id is ignored), always adding up to ``delivered`` and firing
``sessions.recorded`` on the customer's open cases (TD3, ED1, ED2, ED3, ED4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from pytest_django import DjangoAssertNumQueries

from ladder.cases.models import TimelineEvent
from ladder.customers.actions import ProgramInput, create_customer
from ladder.customers.models import Customer, Program, Session
from ladder.errors import Invalid
from ladder.playbooks import actions as playbook_actions
from ladder.programs import actions
from tests.conftest import Api, Org, new_case

NOW = dt.datetime.now(dt.UTC)


def family(o: Org, *, delivered: int = 2) -> Customer:
    return create_customer(
        actor=o.actor(),
        name="The Wang family",
        owner_id=o.manager.pk,
        programs=[
            ProgramInput(
                name="Maths",
                unit="hours",
                purchased=Decimal(20),
                delivered=Decimal(delivered),
                term_start=dt.date(2026, 1, 5),
                term_end=dt.date(2026, 6, 26),
            )
        ],
    )


def program_of(customer: Customer) -> Program:
    return customer.programs.get()


def sessions_sum(program: Program) -> Decimal:
    total = Session.objects.filter(program=program).aggregate(t=Sum("units"))["t"]
    return total or Decimal(0)


def held(hours_ago: float = 1) -> str:
    return (NOW - dt.timedelta(hours=hours_ago)).isoformat()


def test_a_session_through_the_api_adds_to_delivered(acme: Org, api: Api) -> None:
    """TD3: a session of 1.5 hours moves delivered from 2 to 3.5; the sessions (the
    opening balance among them) add up to it; the list shows it newest first."""
    program = program_of(family(acme))
    r = api.post(
        f"programs/{program.pk}/sessions",
        {"held_at": held(), "units": "1.5", "note": "fractions", "source_id": "reg-1"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["units"] == "1.50"
    program.refresh_from_db()
    assert program.delivered == Decimal("3.5")
    assert sessions_sum(program) == program.delivered
    listed = api.get(f"programs/{program.pk}/sessions").json()
    items = listed["items"]
    assert [s["note"] for s in items] == [
        "delivered before the program was recorded",  # the opening balance, at creation
        "fractions",
    ]
    assert items[0]["held_at"] > items[1]["held_at"]
    detail = api.get(f"programs/{program.pk}").json()
    assert detail["delivered"] == "3.50"
    assert detail["unused"] == "16.50"


def test_a_repeated_source_id_is_ignored(acme: Org, api: Api) -> None:
    """A session sent twice (a retry, an overlapping export) is stored once."""
    program = program_of(family(acme))
    body = {"held_at": held(), "units": "1", "source_id": "lesson-77"}
    first = api.post(f"programs/{program.pk}/sessions", body)
    again = api.post(f"programs/{program.pk}/sessions", {**body, "units": "2"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    program.refresh_from_db()
    assert program.delivered == Decimal(3)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"held_at": held(), "units": "-1"}, "units"),
        ({"held_at": held(), "units": "0"}, "units"),
        ({"held_at": held(), "units": "19"}, "units"),  # 2 + 19 > 20 purchased
        ({"held_at": "2026-03-02T18:00:00", "units": "1"}, "held_at"),  # naive
        ({"held_at": "yesterday at six", "units": "1"}, "held_at"),
        ({"held_at": held(-48), "units": "1"}, "held_at"),  # the day after tomorrow
        ({"held_at": held(), "units": "1", "note": "x" * 501}, "note"),
    ],
    ids=["negative", "zero", "beyond-purchased", "naive", "malformed", "future", "long-note"],
)
def test_bad_sessions_are_refused_with_the_field_and_nothing_is_written(
    acme: Org, api: Api, body: dict[str, str], field: str
) -> None:
    """Bad input is a 422 naming the field; delivered and the sessions are unchanged."""
    program = program_of(family(acme))
    r = api.post(f"programs/{program.pk}/sessions", body)
    assert r.status_code == 422, r.content
    assert field in {e["field"] for e in r.json()["errors"]}
    program.refresh_from_db()
    assert program.delivered == Decimal(2)
    assert Session.objects.filter(program=program).count() == 1  # the opening balance


def test_another_organizations_program_is_not_found(acme: Org, other: Org, api: Api) -> None:
    """Tenancy: a foreign program id is a 404 on every program route, and nothing is
    written (tests/test_tenancy.py walks the routes too)."""
    theirs = program_of(family(other))
    assert (
        api.post(f"programs/{theirs.pk}/sessions", {"held_at": held(), "units": "1"}).status_code
        == 404
    )
    assert api.get(f"programs/{theirs.pk}/sessions").status_code == 404
    assert api.get(f"programs/{theirs.pk}").status_code == 404
    theirs.refresh_from_db()
    assert theirs.delivered == Decimal(2)


def test_a_session_fires_sessions_recorded_on_the_customers_open_cases(acme: Org) -> None:
    """ED3/ED4: lesson clocks and feedback duties count delivered lessons: each open
    case of the customer gets sessions.recorded with the new count."""
    customer = family(acme)
    case = new_case(acme, customer_id=customer.pk)
    actions.record_session(
        actor=acme.actor(),
        program_id=program_of(customer).pk,
        held_at=NOW - dt.timedelta(hours=2),
        units=Decimal(1),
    )
    event = TimelineEvent.objects.get(case=case, kind="sessions.recorded")
    assert event.data == {"program": "Maths", "from": "2.00", "to": "3.00"}


def test_the_old_count_entry_records_the_difference_as_a_session(acme: Org) -> None:
    """The count taken from a register (record_sessions, used by scenarios) goes through
    the same use case: the difference becomes a session; the count never goes down."""
    program = program_of(family(acme))
    playbook_actions.record_sessions(
        actor=acme.actor(), program_id=program.pk, delivered=Decimal(6)
    )
    program.refresh_from_db()
    assert program.delivered == Decimal(6)
    assert sessions_sum(program) == Decimal(6)
    with pytest.raises(Invalid):
        playbook_actions.record_sessions(
            actor=acme.actor(), program_id=program.pk, delivered=Decimal(5)
        )


def test_listing_sessions_costs_the_same_queries_for_many(
    acme: Org, api: Api, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    """The list is one query for the program and one for the page, whatever its
    length (after the token lookup)."""
    program = program_of(family(acme, delivered=0))
    for i in range(12):
        actions.record_session(
            actor=acme.actor(),
            program_id=program.pk,
            held_at=NOW - dt.timedelta(days=i + 1),
            units=Decimal(1),
        )
    api.get("me")
    with django_assert_num_queries(3):  # token, program, page
        r = api.get(f"programs/{program.pk}/sessions?limit=5")
    assert len(r.json()["items"]) == 5
    assert r.json()["next_cursor"]


def test_editing_a_program_sets_owner_tutor_and_waiting_list_dates(
    acme: Org, other: Org, api: Api
) -> None:
    """ED1 class teacher, TD3 tutor request and promise, ED2 payment and class start;
    a foreign staff member is refused by field; a stale version is a 412."""
    program = program_of(family(acme))
    body = {
        "owner_id": acme.manager.pk,
        "tutor_name": "Ms Lin",
        "status": "waiting",
        "class_start": "2026-09-01",
        "tutor_requested_at": "2026-08-20T09:00:00+08:00",
        "match_within_hours": 72,
    }
    r = api.patch(f"programs/{program.pk}", body, if_match='"1"')
    assert r.status_code == 200, r.content
    out = r.json()
    assert (out["owner_id"], out["tutor_name"], out["status"], out["version"]) == (
        acme.manager.pk,
        "Ms Lin",
        "waiting",
        2,
    )
    foreign = api.patch(f"programs/{program.pk}", {"tutor_id": other.agent.pk}, if_match='"2"')
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "tutor_id"
    stale = api.patch(f"programs/{program.pk}", {"tutor_name": "Mr Wu"}, if_match='"1"')
    assert stale.status_code == 412
    naive = api.patch(f"programs/{program.pk}", {"paid_at": "2026-08-01T10:00:00"}, if_match='"2"')
    assert naive.status_code == 422
    assert Program.objects.get(pk=program.pk).tutor_name == "Ms Lin"


# --- CSV import ------------------------------------------------------------------------


def csv_text(program: Program, *rows: str) -> str:
    return "\n".join(["program_id,held_at,units,note,source_id", *rows]) + "\n"


def test_a_malformed_row_is_reported_with_its_line_and_the_others_are_imported(
    acme: Org, other: Org
) -> None:
    """Done means: a malformed CSV row is reported with its line number, the other rows
    imported; a repeated source id (in the file or already recorded) is skipped; a
    foreign program is refused like a missing one."""
    program = program_of(family(acme))
    theirs = program_of(family(other))
    p = program.pk
    text = csv_text(
        program,
        f"{p},2026-03-02T18:00,1,first,a-1",  # line 2: local time (Asia/Shanghai)
        f"{p},not a date,1,,a-2",  # line 3
        f"{p},2026-03-04T18:00+08:00,-1,,a-3",  # line 4
        f"{p},2026-03-05T18:00Z,1.5,,a-1",  # line 5: repeats a-1
        f"{theirs.pk},2026-03-05T18:00Z,1,,b-1",  # line 6
        f"{p},2026-03-06T18:00Z,2,,a-4",  # line 7
    )
    report = actions.import_sessions(actor=acme.actor(), text=text)
    assert report.imported == 2
    assert report.duplicates == 1
    assert [line for line, _ in report.errors] == [3, 4, 6]
    assert "held_at" in report.errors[0][1]
    assert "units" in report.errors[1][1]
    program.refresh_from_db()
    assert program.delivered == Decimal(5)
    assert sessions_sum(program) == Decimal(5)
    first = Session.objects.get(program=program, source_id="a-1")
    assert first.held_at == dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    again = actions.import_sessions(actor=acme.actor(), text=text)
    assert (again.imported, again.duplicates) == (0, 3)
    theirs.refresh_from_db()
    assert theirs.delivered == Decimal(2)


def test_an_import_beyond_the_purchase_refuses_the_row_that_passes_it(acme: Org) -> None:
    """Rows apply in file order; the one that would pass the purchase is refused."""
    program = program_of(family(acme))
    p = program.pk
    text = csv_text(program, f"{p},2026-03-02T18:00Z,10,,", f"{p},2026-03-03T18:00Z,10,,")
    report = actions.import_sessions(actor=acme.actor(), text=text)
    assert report.imported == 1
    assert report.errors[0][0] == 3
    assert "beyond" in report.errors[0][1]


def test_a_file_without_the_columns_is_refused_whole(acme: Org) -> None:
    with pytest.raises(Invalid) as exc:
        actions.import_sessions(actor=acme.actor(), text="id,when\n1,2\n")
    assert exc.value.errors[0].field == "file"


def test_the_import_command_reports_lines_and_exits_2(acme: Org, tmp_path: Path) -> None:
    """`ladder import-sessions FILE --org SLUG`: refused rows on stderr with their line,
    the rest imported, exit status 2."""
    program = program_of(family(acme))
    path = tmp_path / "sessions.csv"
    path.write_text(
        csv_text(program, f"{program.pk},2026-03-02T18:00,1,,r1", f"{program.pk},x,1,,r2")
    )
    with pytest.raises(CommandError) as exc:
        call_command("import-sessions", str(path), "--org", "acme", "--as", "agent@acme")
    assert exc.value.returncode == 2
    program.refresh_from_db()
    assert program.delivered == Decimal(3)
    assert Session.objects.get(source_id="r1").recorded_by == acme.agent
    path.write_text(csv_text(program, f"{program.pk},2026-03-03T18:00,1,,r3"))
    call_command("import-sessions", str(path), "--org", "acme")
    program.refresh_from_db()
    assert program.delivered == Decimal(4)
