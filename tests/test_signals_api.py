"""The signals API (MT1): one signal, a bulk batch with per-row errors, the signed
webhook for systems without tokens, and a customer's signals page by page."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ladder.delivery.signing import sign
from ladder.health.models import Signal
from ladder.signals.hooks import set_hook_secret
from ladder.signals.models import HookReceipt
from tests.conftest import Api, Org

AT = "2026-03-02T10:00:00+08:00"


def row(o: Org, source_id: str, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "customer_id": o.customer.pk,
        "kind": "past_due",
        "occurred_at": AT,
        "source": "billing",
        "source_id": source_id,
    }
    values.update(extra)
    return values


def test_one_signal_is_created_then_a_repeat_is_a_duplicate(acme: Org, api: Api) -> None:
    """MT1: 201 with the stored signal; the same (source, source_id) again answers 200
    with duplicate: true and the signal stored first."""
    response = api.post("signals", row(acme, "inv-1", value="30", note="30 days"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "past_due"
    assert body["value"] == "30.0000"
    assert body["duplicate"] is False
    assert body["processed_at"] is None
    again = api.post("signals", row(acme, "inv-1", kind="upset"))
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["id"] == body["id"]
    assert again.json()["kind"] == "past_due"
    assert Signal.objects.count() == 1


def test_one_signal_for_another_organizations_customer_is_refused(
    acme: Org, other: Org, api: Api
) -> None:
    """MT1, tenancy: 422 naming customer_id, nothing stored."""
    response = api.post("signals", row(acme, "x", customer_id=other.customer.pk))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["customer_id"]
    assert not Signal.objects.exists()


def test_one_signal_with_a_naive_time_or_unknown_kind_is_refused(acme: Org, api: Api) -> None:
    """MT1: bad fields answer 422 naming them."""
    naive = api.post("signals", row(acme, "n", occurred_at="2026-03-02T10:00:00"))
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["field"] == "occurred_at"
    kind = api.post("signals", row(acme, "k", kind="sad"))
    assert kind.status_code == 422
    assert kind.json()["errors"][0]["field"] == "kind"


def test_bulk_counts_created_duplicates_and_row_errors(
    acme: Org, other: Org, api: Api, english: None
) -> None:
    """MT1: the good rows are stored; duplicates within the batch and across batches are
    counted; each bad row is listed with its index, field and reason."""
    api.post("signals", row(acme, "old"))
    rows = [
        row(acme, "a"),
        row(acme, "a"),  # repeated in the batch
        row(acme, "old"),  # stored before
        row(acme, "b", kind="nope"),
        row(acme, "c", customer_id=other.customer.pk),
        row(acme, "d", value="NaN"),
        row(acme, "e", value=12.25, note="ok"),
    ]
    response = api.post("signals/bulk", {"rows": rows})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["duplicates"], body["rejected"]) == (2, 2, 3)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (3, "kind"),
        (4, "customer_id"),
        (5, "value"),
    ]
    assert body["errors"][1]["message"] == f"no customer {other.customer.pk} in your organization"
    assert set(Signal.objects.values_list("source_id", flat=True)) == {"old", "a", "e"}


def test_bulk_refuses_a_body_that_is_not_rows(acme: Org, api: Api) -> None:
    """MT1: 422 when the body is not {rows: [...]}, or has more than 10,000 rows."""
    assert api.post("signals/bulk", {"signals": []}).json()["errors"][0]["field"] == "rows"
    response = api.post("signals/bulk", {"rows": [{}] * 10_001})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "rows"
    raw = api.client.post("/api/v1/signals/bulk", b"{not json", content_type="application/json")
    assert raw.status_code == 422


def test_bulk_takes_10000_rows_in_a_body_larger_than_the_usual_limit(
    acme: Org, api: Api, django_assert_max_num_queries: Any
) -> None:
    """MT1: 10,000 rows with notes (over 1 MB) go in one request, in a handful of
    queries."""
    rows = [row(acme, f"r{i}", note="n" * 100) for i in range(10_000)]
    with django_assert_max_num_queries(12):
        response = api.post("signals/bulk", {"rows": rows})
    assert response.status_code == 200, response.content[:300]
    assert response.json()["created"] == 10_000


def test_a_customers_signals_are_listed_newest_first_by_page(acme: Org, api: Api) -> None:
    """MT1: the customer's signals, newest first, with a cursor to the next page."""
    rows = [row(acme, f"s{i}", occurred_at=f"2026-03-0{i + 1}T10:00:00+08:00") for i in range(5)]
    api.post("signals/bulk", {"rows": rows})
    first = api.get(f"customers/{acme.customer.pk}/signals?limit=3").json()
    assert [s["source_id"] for s in first["items"]] == ["s4", "s3", "s2"]
    second = api.get(f"customers/{acme.customer.pk}/signals?limit=3&cursor={first['next_cursor']}")
    assert [s["source_id"] for s in second.json()["items"]] == ["s1", "s0"]
    assert second.json()["next_cursor"] is None


def test_another_organizations_customer_signals_are_not_found(
    acme: Org, other: Org, api: Api
) -> None:
    """Tenancy: 404, as for a customer that does not exist."""
    assert api.get(f"customers/{other.customer.pk}/signals").status_code == 404


def test_the_list_costs_the_same_queries_for_many_signals(
    acme: Org, api: Api, django_assert_max_num_queries: Any
) -> None:
    """No N+1: a page of 200 signals in the same few queries as a page of 1."""
    api.post("signals/bulk", {"rows": [row(acme, f"q{i}") for i in range(300)]})
    with django_assert_max_num_queries(4):
        page = api.get(f"customers/{acme.customer.pk}/signals?limit=200")
    assert len(page.json()["items"]) == 200


# --- the signed webhook ------------------------------------------------------------------


def _hook(body: bytes, **headers: str) -> Any:
    return Client().post(
        "/api/v1/hooks/signals", body, content_type="application/json", headers=headers
    )


def _signed(slug: str, secret: str, body: bytes, *, at: int | None = None) -> dict[str, str]:
    timestamp = str(int(time.time()) if at is None else at)
    return {
        "X-Ladder-Organization": slug,
        "X-Ladder-Timestamp": timestamp,
        "X-Ladder-Signature": sign(secret=secret, timestamp=timestamp, body=body),
    }


@pytest.fixture
def secret(acme: Org) -> str:
    return set_hook_secret(organization=acme.org)


def test_a_signed_webhook_is_accepted(acme: Org, secret: str) -> None:
    """MT1: a system without tokens posts the bulk body signed with the
    organization's hook secret."""
    body = json.dumps({"rows": [row(acme, "h1"), row(acme, "h2", kind="x")]}).encode()
    response = _hook(body, **_signed("acme", secret, body))
    assert response.status_code == 200, response.content
    assert (response.json()["created"], response.json()["rejected"]) == (1, 1)
    assert Signal.objects.get().organization_id == acme.org.pk


def test_an_unsigned_webhook_is_refused(acme: Org, secret: str) -> None:
    """MT1: no signature: 401, nothing stored."""
    body = json.dumps({"rows": [row(acme, "h1")]}).encode()
    assert _hook(body).status_code == 401
    assert _hook(body, **{"X-Ladder-Organization": "acme"}).status_code == 401
    assert not Signal.objects.exists()


def test_a_stale_timestamp_is_refused(acme: Org, secret: str) -> None:
    """MT1: a timestamp more than five minutes old (or ahead): 401. A minute past the
    limit, so that a slow machine's second between signing and checking cannot bring
    the one ahead back inside it."""
    body = json.dumps({"rows": [row(acme, "h1")]}).encode()
    old = _hook(body, **_signed("acme", secret, body, at=int(time.time()) - 360))
    assert old.status_code == 401
    assert "stale" in old.json()["detail"]
    ahead = _hook(body, **_signed("acme", secret, body, at=int(time.time()) + 360))
    assert ahead.status_code == 401
    assert not Signal.objects.exists()


def test_a_replayed_signature_is_refused(acme: Org, secret: str) -> None:
    """MT1: the same signed request a second time: 401 (its receipt is kept)."""
    body = json.dumps({"rows": [row(acme, "h1")]}).encode()
    headers = _signed("acme", secret, body)
    assert _hook(body, **headers).status_code == 200
    replay = _hook(body, **headers)
    assert replay.status_code == 401
    assert "replay" in replay.json()["detail"]
    assert HookReceipt.objects.count() == 1


def test_another_organizations_secret_or_a_tampered_body_is_refused(
    acme: Org, other: Org, secret: str
) -> None:
    """MT1: signed with the other organization's secret, for acme: 401; so is a body
    changed after signing, a rotated secret, and an organization without a hook."""
    other_secret = set_hook_secret(organization=other.org)
    body = json.dumps({"rows": [row(acme, "h1")]}).encode()
    assert _hook(body, **_signed("acme", other_secret, body)).status_code == 401
    headers = _signed("acme", secret, body)
    assert _hook(body.replace(b"h1", b"h2"), **headers).status_code == 401
    rotated = set_hook_secret(organization=acme.org)
    assert rotated != secret
    assert _hook(body, **_signed("acme", secret, body)).status_code == 401
    assert _hook(body, **_signed("nobody", secret, body)).status_code == 401
    assert not Signal.objects.exists()
    assert _hook(body, **_signed("acme", rotated, body)).status_code == 200


def test_old_receipts_are_pruned(acme: Org, secret: str) -> None:
    """Receipts older than the window a timestamp can be accepted in are deleted."""
    HookReceipt.objects.create(
        organization=acme.org,
        signature="sha256=old",
        received_at=timezone.now() - dt.timedelta(hours=1),
    )
    body = json.dumps({"rows": [row(acme, "h1")]}).encode()
    assert _hook(body, **_signed("acme", secret, body)).status_code == 200
    assert list(HookReceipt.objects.values_list("signature", flat=True)) != ["sha256=old"]
    assert not HookReceipt.objects.filter(signature="sha256=old").exists()


def test_a_bulk_body_over_the_limit_is_refused_with_413(acme: Org, api: Api, settings: Any) -> None:
    """The bulk routes read bodies up to LADDER_BULK_BODY_MAX, beyond it 413."""
    settings.LADDER_BULK_BODY_MAX = 1000
    response = api.post("signals/bulk", {"rows": [row(acme, f"b{i}") for i in range(20)]})
    assert response.status_code == 413
    assert "larger than 1000 bytes" in response.json()["detail"]
    assert not Signal.objects.exists()
