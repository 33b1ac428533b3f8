"""What POST /api/v1/cases costs the database, pinned so that it cannot grow unseen:
the token with its staff member and roles, the customer, owner and team in one
lookup with the case number (one statement on PostgreSQL, committed on its own; two
elsewhere), and then one short transaction with the case and its timeline row (one
statement on PostgreSQL, ladder.inserts; two elsewhere)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ladder.cases.models import Case, TimelineEvent
from tests.conftest import Api, Org, case_body

# Run without the test's own transaction around it (transaction=True), so that the
# statements are the ones production sends: BEGIN and COMMIT, no savepoints.
pytestmark = pytest.mark.django_db(transaction=True)


def _body(o: Org, **extra: Any) -> dict[str, Any]:
    return case_body(o, **{"owner_id": o.agent.pk, "team_id": o.team.pk, **extra})


def _kinds(ctx: CaptureQueriesContext) -> list[str]:
    out = []
    for q in ctx.captured_queries:
        sql = q["sql"].lstrip().upper()
        if sql.startswith("WITH PARTIES AS"):
            out.append("SELECT parties + UPDATE tenancy_organization")
        elif sql.startswith("WITH PARENT AS (INSERT"):
            tables = re.findall(r'INSERT INTO "?(\w+)"?', sql)
            out.append("INSERT " + " + ".join(t.lower() for t in tables))
        elif sql.startswith(("BEGIN", "COMMIT")):
            out.append(sql.split()[0])
        elif sql.startswith("UPDATE"):
            out.append("UPDATE " + sql.split()[1].strip('"').lower())
        elif sql.startswith("INSERT"):
            out.append("INSERT " + sql.split()[2].strip('"').lower())
        elif re.search(r'FROM "?TENANCY_APITOKEN"?', sql):
            out.append("SELECT token")
        else:
            out.append("SELECT parties")
    return out


def test_a_create_runs_three_statements_and_one_short_transaction(
    acme: Org, manager_api: Api
) -> None:
    """The statement count of POST /api/v1/cases with owner and team, BEGIN and COMMIT
    aside: three on PostgreSQL (the token; the parties with the number; the case with
    its timeline row), five elsewhere (9 before the create path was trimmed: roles,
    customer, owner, team, and the number in two)."""
    manager_api.post("cases", _body(acme))  # a first case: the one measured is number 2
    with CaptureQueriesContext(connection) as ctx:
        r = manager_api.post("cases", _body(acme, subject="Second"))
    assert r.status_code == 201, r.content
    if connection.vendor == "postgresql":
        before = ["SELECT parties + UPDATE tenancy_organization"]
        inserts = ["INSERT cases_case + cases_timelineevent"]
    else:
        before = ["SELECT parties", "UPDATE tenancy_organization"]
        inserts = ["INSERT cases_case", "INSERT cases_timelineevent"]
    assert _kinds(ctx) == [
        "SELECT token",
        *before,
        "BEGIN",
        *inserts,
        "COMMIT",
    ], [q["sql"][:120] for q in ctx.captured_queries]
    case = Case.objects.get(pk=r.json()["id"])
    assert case.number == 2
    assert case.reference == "ACME-000002"
    assert r.json()["owner"] == {"id": acme.agent.pk, "name": acme.agent.display_name}
    assert r.json()["team"] == {"id": acme.team.pk, "name": acme.team.name}
    assert r.json()["customer"] == {"id": acme.customer.pk, "name": acme.customer.name}
    event = TimelineEvent.objects.get(case=case, kind="case.created")
    assert event.data["owner"] == acme.agent.display_name
    assert event.data["team"] == acme.team.name
    assert event.data["customer"] == acme.customer.name


def test_a_refused_create_stops_before_the_number(acme: Org, other: Org, manager_api: Api) -> None:
    """An owner from another organization is refused by the one lookup, before a
    number is taken: no gap for a request that was never valid."""
    with CaptureQueriesContext(connection) as ctx:
        r = manager_api.post("cases", _body(acme, owner_id=other.agent.pk))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "owner_id"
    assert _kinds(ctx) == ["SELECT token", _parties()]
    acme.org.refresh_from_db()
    assert acme.org.last_case_number == 0


def _parties() -> str:
    if connection.vendor == "postgresql":
        return "SELECT parties + UPDATE tenancy_organization"
    return "SELECT parties"


@pytest.mark.parametrize("field", ["customer_id", "team_id"])
def test_a_missing_customer_or_team_takes_no_number(
    acme: Org, manager_api: Api, field: str
) -> None:
    r = manager_api.post("cases", _body(acme, **{field: 987654}))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == field
    acme.org.refresh_from_db()
    assert acme.org.last_case_number == 0


def test_an_assignment_the_caller_may_not_make_takes_no_number(acme: Org, api: Api) -> None:
    """An agent may open a case for themself but not for a colleague (403), and the
    refused create takes no number; their own case then gets number 1."""
    colleague = _body(acme, owner_id=acme.manager.pk)
    r = api.post("cases", colleague)
    assert r.status_code == 403
    acme.org.refresh_from_db()
    assert acme.org.last_case_number == 0
    r = api.post("cases", _body(acme, owner_id=acme.agent.pk))
    assert r.status_code == 201, r.content
    assert r.json()["reference"] == "ACME-000001"


def test_an_unknown_owner_is_named_before_the_missing_permission(acme: Org, api: Api) -> None:
    """Bad input first (422 naming the field), then what the caller may do (403)."""
    r = api.post("cases", _body(acme, owner_id=987654))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "owner_id"
