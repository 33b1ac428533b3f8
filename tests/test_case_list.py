"""The case list: filters, sorting, keyset paging and a pinned query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ladder.cases import actions
from ladder.tenancy import actions as tenancy_actions
from tests.conftest import Api, Org, new_case


def ids(r: object) -> list[int]:
    return [c["id"] for c in r.json()["items"]]  # type: ignore[attr-defined]


def test_filters_narrow_the_list(acme: Org, api: Api) -> None:
    other_team = tenancy_actions.create_team(organization=acme.org, name="Billing")
    a = new_case(acme, kind="refund", category="teaching", team_id=acme.team.pk)
    b = new_case(acme, kind="cancellation", owner_id=acme.agent.pk, team_id=other_team.pk)
    c = new_case(acme, subject="Installer never came back")
    actions.escalate_case(
        actor=acme.actor(), case_id=c.pk, expected_version=1, details="d", source_of_dispute="s"
    )
    assert ids(api.get("cases?kind=refund")) == [a.pk]
    assert ids(api.get("cases?category=teaching")) == [a.pk]
    assert ids(api.get(f"cases?owner_id={acme.agent.pk}")) == [b.pk]
    assert ids(api.get(f"cases?team_id={other_team.pk}&status=new")) == [b.pk]
    assert ids(api.get("cases?tier=2")) == [c.pk]
    assert ids(api.get("cases?q=installer")) == [c.pk]
    assert ids(api.get(f"cases?q={a.reference}")) == [a.pk]
    assert set(ids(api.get("cases?unowned=true"))) == {a.pk, c.pk}
    assert ids(api.get(f"cases?customer_id={acme.customer.pk}")) == [c.pk, b.pk, a.pk]
    assert ids(api.get("cases?sort=created_at")) == [a.pk, b.pk, c.pk]


def test_paging_walks_every_case_once_even_while_cases_arrive(acme: Org, api: Api) -> None:
    """Keyset paging: a case created while a client pages does not shift the pages."""
    created = [new_case(acme, subject=f"Case {i}").pk for i in range(23)]
    seen: list[int] = []
    r = api.get("cases?limit=5")
    while True:
        seen += ids(r)
        new_case(acme, subject="Arrived while paging")
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
        r = api.get(f"cases?limit=5&cursor={cursor}")
    assert seen == sorted(created, reverse=True)


def test_a_cursor_is_bound_to_its_sort(acme: Org, api: Api) -> None:
    for _ in range(3):
        new_case(acme)
    cursor = api.get("cases?limit=1").json()["next_cursor"]
    r = api.get(f"cases?limit=1&sort=updated_at&cursor={cursor}")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "cursor"


def test_the_list_costs_the_same_queries_for_one_case_or_fifty(acme: Org, api: Api) -> None:
    """No N+1: the page is one query whatever its length (plus authentication)."""
    new_case(acme, owner_id=acme.agent.pk, team_id=acme.team.pk)
    with CaptureQueriesContext(connection) as one:
        assert len(ids(api.get("cases"))) == 1
    for _ in range(49):
        new_case(acme, owner_id=acme.agent.pk, team_id=acme.team.pk)
    with CaptureQueriesContext(connection) as fifty:
        assert len(ids(api.get("cases"))) == 50
    assert len(fifty) == len(one) <= 3, [q["sql"] for q in fifty.captured_queries]


def test_the_list_uses_no_count_and_no_offset(acme: Org, api: Api) -> None:
    for _ in range(3):
        new_case(acme)
    cursor = api.get("cases?limit=1").json()["next_cursor"]
    with CaptureQueriesContext(connection) as ctx:
        api.get(f"cases?limit=1&cursor={cursor}&team_id={acme.team.pk}&status=new")
    sql = " ".join(q["sql"].upper() for q in ctx.captured_queries)
    assert "COUNT(" not in sql
    assert "OFFSET" not in sql


def test_other_lists_pin_their_query_counts(acme: Org, api: Api) -> None:
    case = new_case(acme)
    for i in range(10):
        actions.log_interaction(actor=acme.actor(), case_id=case.pk, kind="note", body=f"n{i}")
    for path in (
        "customers",
        "staff",
        "teams",
        "tasks",
        f"cases/{case.pk}/timeline",
        f"cases/{case.pk}/interactions",
        f"cases/{case.pk}",
    ):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(path).status_code == 200
        assert len(ctx) <= 6, (path, [q["sql"] for q in ctx.captured_queries])


def test_no_foreign_key_keeps_an_index_a_composite_index_starts_with(db: None) -> None:
    """Every insert maintains every index: a single-column index that a composite one
    starts with only costs (migration cases/0006). The list's indexes stay."""
    with connection.cursor() as cursor:
        for table in ("cases_case", "cases_interaction", "cases_task", "cases_timelineevent"):
            indexes = [
                c["columns"]
                for c in connection.introspection.get_constraints(cursor, table).values()
                if c["index"] and not c["unique"] and not c["primary_key"]
            ]
            singles = {cols[0] for cols in indexes if len(cols) == 1}
            leading = {cols[0] for cols in indexes if len(cols) > 1}
            assert not singles & leading, (table, sorted(singles & leading))
        case_indexes = connection.introspection.get_constraints(cursor, "cases_case")
    assert case_indexes["case_team_status"]["columns"] == [
        "organization_id",
        "team_id",
        "status",
        "created_at",
        "id",
    ]


@pytest.mark.parametrize("path", ["cases", "customers", "tasks", "staff"])
def test_an_empty_cursor_is_refused_naming_the_field(api: Api, path: str) -> None:
    """Bad input gets a clear error: `?cursor=` is no cursor a list gave out."""
    r = api.get(f"{path}?cursor=")
    assert r.status_code == 422
    assert "cursor" in r.content.decode()
