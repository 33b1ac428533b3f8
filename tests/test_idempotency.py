"""Retries are safe: creates accept an Idempotency-Key."""

from __future__ import annotations

from typing import Any

from ladder.cases.models import Case, Interaction, Task
from ladder.customers.models import Customer
from tests.conftest import Api, Org, new_case


def _case_body(o: Org, subject: str = "Wants to speak to a manager") -> dict[str, object]:
    return {"customer_id": o.customer.pk, "kind": "leadership_request", "subject": subject}


def test_the_same_key_and_body_returns_the_first_result(acme: Org, api: Api) -> None:
    """EB2: a retried create makes one case, not two."""
    first = api.post("cases", _case_body(acme), idempotency_key="call-42")
    again = api.post("cases", _case_body(acme), idempotency_key="call-42")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first["ETag"] == again["ETag"] == '"1"'
    assert Case.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(acme: Org, api: Api) -> None:
    api.post("cases", _case_body(acme), idempotency_key="call-43")
    r = api.post("cases", _case_body(acme, "Another subject"), idempotency_key="call-43")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Case.objects.count() == 1


def test_keys_belong_to_their_caller(acme: Org, api: Api, manager_api: Api) -> None:
    api.post("cases", _case_body(acme), idempotency_key="shared")
    manager_api.post("cases", _case_body(acme), idempotency_key="shared")
    assert Case.objects.count() == 2


def test_a_failed_create_frees_its_key(acme: Org, api: Api) -> None:
    bad = {"customer_id": 999999, "kind": "complaint", "subject": "x"}
    assert api.post("cases", bad, idempotency_key="k1").status_code == 422
    good = {"customer_id": acme.customer.pk, "kind": "complaint", "subject": "x"}
    # The corrected retry under the same key creates the case, once.
    assert api.post("cases", good, idempotency_key="k1").status_code == 201
    assert api.post("cases", good, idempotency_key="k1").status_code == 201
    assert Case.objects.count() == 1


def test_a_malformed_key_is_refused(acme: Org, api: Api) -> None:
    r = api.post("cases", _case_body(acme), idempotency_key="x" * 300)
    assert r.status_code == 422
    assert Case.objects.count() == 0


def test_every_create_endpoint_is_idempotent(acme: Org, api: Api) -> None:
    case = new_case(acme)
    creates: list[tuple[str, dict[str, Any], Any]] = [
        ("customers", {"name": "Wei Family"}, Customer),
        (f"cases/{case.pk}/interactions", {"kind": "note", "body": "Called twice"}, Interaction),
        (
            "tasks",
            {"title": "Follow up", "assignee_id": acme.agent.pk, "due_at": "2026-12-01T09:00:00Z"},
            Task,
        ),
    ]
    for path, body, model in creates:
        before = model.objects.count()
        first = api.post(path, body, idempotency_key=f"key-{path}")
        again = api.post(path, body, idempotency_key=f"key-{path}")
        assert first.status_code == 201, first.content
        assert first.json() == again.json()
        assert model.objects.count() == before + 1
