"""Signal intake (MT1): rows checked one by one, the good ones stored in one go, repeats
of (source, source_id) counted as duplicates, within one batch and across batches."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from ladder.customers import actions as customer_actions
from ladder.health.intake import RowError, ingest_signals
from ladder.health.models import Signal
from tests.conftest import Org, build_org, is_postgres

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


def test_good_rows_are_stored_unprocessed(acme: Org) -> None:
    """MT1: each stored signal keeps its kind, time (UTC), source, value and note, and
    waits for the worker (processed_at NULL)."""
    result = ingest_signals(
        actor=acme.actor(),
        rows=[row(acme, "inv-1", value="12.5", note=" overdue "), row(acme, "inv-2", value=3)],
    )
    assert (result.created, result.duplicates, result.errors) == (2, 0, [])
    first = Signal.objects.get(source_id="inv-1")
    assert first.organization_id == acme.org.pk
    assert first.customer_id == acme.customer.pk
    assert first.occurred_at == dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    assert first.value == Decimal("12.5")
    assert first.note == "overdue"
    assert first.processed_at is None
    assert first.received_at is not None
    assert Signal.objects.get(source_id="inv-2").value == Decimal(3)


def test_a_repeated_source_id_is_a_duplicate_within_a_batch_and_across(acme: Org) -> None:
    """MT1: re-sending a batch imports nothing twice; a pair repeated inside one batch is
    stored once."""
    first = ingest_signals(
        actor=acme.actor(), rows=[row(acme, "a"), row(acme, "b"), row(acme, "a", kind="upset")]
    )
    assert (first.created, first.duplicates) == (2, 1)
    again = ingest_signals(actor=acme.actor(), rows=[row(acme, "a"), row(acme, "c")])
    assert (again.created, again.duplicates) == (1, 1)
    assert Signal.objects.count() == 3
    assert Signal.objects.get(source_id="a").kind == "past_due"  # the first one wins
    # The same source id from another source is another signal.
    other_source = ingest_signals(actor=acme.actor(), rows=[row(acme, "a", source="crm")])
    assert other_source.created == 1


def test_the_same_source_id_in_two_organizations_is_two_signals(acme: Org, other: Org) -> None:
    """MT1, tenancy: uniqueness is per organization."""
    assert ingest_signals(actor=acme.actor(), rows=[row(acme, "x")]).created == 1
    assert ingest_signals(actor=other.actor(), rows=[row(other, "x")]).created == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"kind": "sad"}, "kind", "must be one of"),
        ({"kind": None}, "kind", "is required"),
        ({"customer_id": "abc"}, "customer_id", "must be a customer id"),
        ({"customer_id": True}, "customer_id", "must be a customer id"),
        ({"occurred_at": "yesterday"}, "occurred_at", "ISO 8601"),
        ({"occurred_at": "2026-03-02T10:00:00"}, "occurred_at", "UTC offset"),
        ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at", "in the future"),
        ({"source": ""}, "source", "is required"),
        ({"source": "s" * 65}, "source", "longer than 64"),
        ({"source_id": "i" * 201}, "source_id", "longer than 200"),
        ({"source_id": 7}, "source_id", "must be text"),
        ({"value": "NaN"}, "value", "finite"),
        ({"value": float("inf")}, "value", "finite"),
        ({"value": "lots"}, "value", "must be a number"),
        ({"value": "1e15"}, "value", "less than 10^14"),
        ({"note": "n" * 2001}, "note", "longer than 2000"),
        ({"colour": "red"}, "colour", "not a field"),
    ],
)
def test_a_bad_row_names_its_field_and_the_others_are_stored(
    acme: Org, english: None, change: dict[str, Any], field: str, message: str
) -> None:
    """MT1: one bad row is reported with its index and field; the good rows go in."""
    bad = row(acme, "bad")
    bad.update(change)
    result = ingest_signals(actor=acme.actor(), rows=[row(acme, "ok-1"), bad, row(acme, "ok-2")])
    assert result.created == 2
    [error] = result.errors
    assert (error.row, error.field) == (1, field)
    assert message in error.message
    assert set(Signal.objects.values_list("source_id", flat=True)) == {"ok-1", "ok-2"}


def test_a_row_that_is_not_an_object_is_refused(acme: Org, english: None) -> None:
    result = ingest_signals(actor=acme.actor(), rows=[["past_due"], row(acme, "ok")])
    assert result.errors == [RowError(0, "row", "must be an object with the signal's fields")]
    assert result.created == 1


def test_another_organizations_customer_is_refused(acme: Org, other: Org, english: None) -> None:
    """MT1, tenancy: a customer id of another organization is refused like one that
    does not exist, naming customer_id."""
    result = ingest_signals(
        actor=acme.actor(),
        rows=[row(acme, "mine"), row(acme, "theirs", customer_id=other.customer.pk)],
    )
    assert result.created == 1
    assert result.errors == [
        RowError(1, "customer_id", f"no customer {other.customer.pk} in your organization")
    ]
    assert not Signal.objects.filter(customer=other.customer).exists()


def test_line_numbers_are_used_when_given(acme: Org) -> None:
    result = ingest_signals(
        actor=acme.actor(), rows=[row(acme, "a"), row(acme, "b", kind="x")], numbers=[2, 3]
    )
    assert [(e.row, e.field) for e in result.errors] == [(3, "kind")]


def test_a_future_time_within_clock_skew_is_accepted(acme: Org) -> None:
    soon = (timezone.now() + dt.timedelta(minutes=5)).isoformat()
    assert ingest_signals(actor=acme.actor(), rows=[row(acme, "s", occurred_at=soon)]).created == 1


def test_query_count_does_not_grow_with_rows(acme: Org, django_assert_max_num_queries: Any) -> None:
    """MT1: the bulk path checks every customer in one query and stores in one go: the
    same handful of queries for 10 rows as for 3,000, over 50 customers."""
    actor = acme.actor()
    ids = [acme.customer.pk] + [
        customer_actions.create_customer(actor=actor, name=f"C{i}").pk for i in range(49)
    ]
    small = [row(acme, f"s{i}", customer_id=ids[i % 50]) for i in range(10)]
    with django_assert_max_num_queries(8):
        assert ingest_signals(actor=actor, rows=small).created == 10
    large = [row(acme, f"l{i}", customer_id=ids[i % 50]) for i in range(3000)]
    with django_assert_max_num_queries(8):
        assert ingest_signals(actor=actor, rows=large).created == 3000


def test_the_permission_is_checked(acme: Org) -> None:
    """MT1: recording signals needs signal.create, which every role holds."""
    for staff in (acme.agent, acme.accountant, acme.executive):
        assert ingest_signals(actor=acme.actor(staff), rows=[row(acme, f"p{staff.pk}")]).created


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_sharing_keys_neither_deadlock_nor_double() -> None:
    """MT1: two connections send batches that share (source, source_id) pairs, in
    opposite orders, at the same time: every pair is stored once, every other row is
    counted a duplicate, and neither batch fails (the insert takes keys in one order)."""
    if not is_postgres():
        pytest.skip("needs PostgreSQL: concurrent connections on the test database")
    o = build_org("conc", "CONC")
    keys = [f"k{i:05d}" for i in range(3000)]
    outcomes: list[tuple[int, int]] = []
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def send(backwards: bool) -> None:
        try:
            start.wait()
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                batch = [row(o, k) for k in (reversed(chunk) if backwards else chunk)]
                result = ingest_signals(actor=o.actor(), rows=batch)
                outcomes.append((result.created, result.duplicates))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(False,)),
        threading.Thread(target=send, args=(True,)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert failures == []
    assert sum(c for c, _ in outcomes) == 3000
    assert sum(d for _, d in outcomes) == 3000
    assert Signal.objects.filter(organization=o.org).count() == 3000
