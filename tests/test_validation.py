"""Bad input gets 422 naming the field and the reason, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from ladder.cases.models import Case, Interaction, Task, TimelineEvent
from ladder.customers.models import Customer
from tests.conftest import Api, Org, new_case


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Case, Customer, Interaction, Task, TimelineEvent))


def _fields(r: Any) -> set[str]:
    assert r.status_code == 422, r.content
    body = r.json()
    assert body["detail"] == "invalid input"
    assert all(e["message"] for e in body["errors"])
    return {e["field"] for e in body["errors"]}


BAD_CASES = [
    ("oversized subject", {"subject": "x" * 201}, "subject"),
    ("oversized description", {"description": "x" * 20_001}, "description"),
    ("blank subject", {"subject": "   "}, "subject"),
    ("missing subject", {"subject": None}, "subject"),
    ("wrong type", {"customer_id": "abc"}, "customer_id"),
    ("unknown kind", {"kind": "tantrum"}, "kind"),
    ("unknown channel", {"channel": "carrier pigeon"}, "channel"),
    ("unknown severity", {"severity": "apocalyptic"}, "severity"),
    ("missing customer", {"customer_id": None}, "customer_id"),
    ("no such customer", {"customer_id": 987654}, "customer_id"),
    (
        "negative money",
        {"money_at_stake": {"amount": "-5", "currency": "USD"}},
        "money_at_stake.amount",
    ),
    (
        "money with 3 decimals",
        {"money_at_stake": {"amount": "1.005", "currency": "USD"}},
        "money_at_stake.amount",
    ),
    (
        "unknown currency",
        {"money_at_stake": {"amount": "5", "currency": "XYZ"}},
        "money_at_stake.currency",
    ),
    (
        "foreign currency",
        {"money_at_stake": {"amount": "5", "currency": "EUR"}},
        "money_at_stake.currency",
    ),
    ("no such owner", {"owner_id": 987654}, "owner_id"),
]


@pytest.mark.parametrize(("label", "change", "field"), BAD_CASES, ids=[b[0] for b in BAD_CASES])
def test_bad_case_input_is_refused(
    acme: Org, api: Api, label: str, change: dict[str, Any], field: str
) -> None:
    body: dict[str, Any] = {"customer_id": acme.customer.pk, "kind": "complaint", "subject": "ok"}
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    before = _counts()
    assert field in _fields(api.post("cases", body))
    assert _counts() == before


def test_a_body_that_is_not_json_is_refused(acme: Org, api: Api) -> None:
    r = api.client.post("/api/v1/cases", "{not json", content_type="application/json")
    assert r.status_code in (400, 422)
    assert Case.objects.count() == 0


def test_malformed_and_naive_dates_are_refused(acme: Org, api: Api) -> None:
    task = {"title": "Call back", "assignee_id": acme.agent.pk}
    assert "due_at" in _fields(api.post("tasks", {**task, "due_at": "next tuesday"}))
    assert "due_at" in _fields(api.post("tasks", {**task, "due_at": "2026-13-45T09:00:00Z"}))
    naive = _fields(api.post("tasks", {**task, "due_at": "2026-12-01T09:00:00"}))
    assert "due_at" in naive
    assert Task.objects.count() == 0


def test_an_interaction_in_the_future_is_refused(acme: Org, api: Api) -> None:
    case = new_case(acme)
    r = api.post(
        f"cases/{case.pk}/interactions",
        {"kind": "call", "body": "Spoke to the father", "occurred_at": "2099-01-01T00:00:00Z"},
    )
    assert "occurred_at" in _fields(r)


def test_a_contact_attempt_needs_an_outcome_and_only_it_has_one(acme: Org, api: Api) -> None:
    """MT6: contact attempts are counted by outcome, so the outcome is required."""
    case = new_case(acme)
    path = f"cases/{case.pk}/interactions"
    assert "outcome" in _fields(api.post(path, {"kind": "contact_attempt"}))
    assert "outcome" in _fields(api.post(path, {"kind": "call", "outcome": "no_answer"}))
    ok = api.post(path, {"kind": "contact_attempt", "outcome": "voicemail"})
    assert ok.status_code == 201
    assert ok.json()["outcome"] == "voicemail"


def test_unknown_query_values_are_refused(acme: Org, api: Api) -> None:
    assert "status" in _fields(api.get("cases?status=on_fire"))
    assert "limit" in _fields(api.get("cases?limit=100000"))
    assert "cursor" in _fields(api.get("cases?cursor=garbage"))
    assert "sort" in _fields(api.get("cases?sort=colour"))


def test_a_patch_cannot_null_a_required_field(acme: Org, api: Api) -> None:
    case = new_case(acme)
    assert "subject" in _fields(api.patch(f"cases/{case.pk}", {"subject": None}, if_match='"1"'))
    case.refresh_from_db()
    assert case.version == 1


def test_a_bad_if_match_is_refused(acme: Org, api: Api) -> None:
    case = new_case(acme)
    r = api.patch(f"cases/{case.pk}", {"subject": "x"}, if_match="yesterday")
    assert "If-Match" in _fields(r)


def test_customer_input_names_the_nested_field(acme: Org, api: Api) -> None:
    r = api.post(
        "customers",
        {
            "name": "Lee family",
            "contacts": [{"name": "Mrs Lee", "email": "not-an-email"}],
            "programs": [
                {
                    "name": "Math",
                    "purchased": "20",
                    "term_start": "2026-09-01",
                    "term_end": "2026-06-01",
                }
            ],
            "external_link": "javascript:alert(1)",
        },
    )
    assert _fields(r) >= {"contacts.0.email", "programs.0.term_end", "external_link"}
    assert Customer.objects.filter(name="Lee family").count() == 0


def test_a_filter_given_twice_is_refused(acme: Org, api: Api) -> None:
    """A repeated filter would silently keep only its last value; every API filter takes
    one value, so the request is refused naming the parameter."""
    response = api.get("/api/v1/cases?category=billing&category=fraud&kind=complaint")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "category", "message": "is given more than once"}
    ]


def test_the_nul_character_is_refused_in_bodies_and_queries(acme: Org, api: Api) -> None:
    """PostgreSQL text cannot hold NUL: the API refuses it naming the field, instead of
    failing in the database (schemathesis found it)."""
    body = api.post("customers", {"name": "A\u0000B"})
    assert body.status_code == 422
    assert body.json()["errors"][0]["field"] == "name"
    query = api.get("cases?q=a%00b")
    assert query.status_code == 422
    assert query.json()["errors"] == [
        {"field": "q", "message": "must not contain the NUL character"}
    ]
    assert not Customer.objects.filter(name__startswith="A").exists()


def test_a_date_that_overflows_utc_is_refused(acme: Org, api: Api) -> None:
    """A time at the edge of the calendar that cannot be converted to UTC is a 422
    naming the field, not a server error (schemathesis found it)."""
    response = api.post(
        "tasks",
        {"title": "Call back", "assignee_id": acme.agent.pk, "due_at": "0001-01-01T00:00:00+01:00"},
    )
    assert response.status_code == 422
    assert "due_at" in _fields(response)
