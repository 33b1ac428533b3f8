"""ladder.inserts: a case and its first timeline row in one round trip, written exactly
as the ORM's save() writes them (money, JSON, times), all or nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from ladder.cases.models import Case, TimelineEvent
from ladder.inserts import insert_pair
from tests.conftest import Org

AT = dt.datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=dt.UTC)


def _case(o: Org, number: int) -> Case:
    return Case(
        organization=o.org,
        number=number,
        reference=f"{o.org.case_prefix}-{number:06d}",
        customer=o.customer,
        kind="refund",
        channel="email",
        subject="Charged twice — 重复扣款",
        description="Line one\nline two",
        severity="high",
        money_at_stake=Money(Decimal("1234.50"), o.org.currency),  # type: ignore[misc]
        owner=o.agent,
        team=o.team,
        created_by=o.manager,
        created_at=AT,
        updated_at=AT,
    )


def _event(o: Org, case: Case) -> TimelineEvent:
    return TimelineEvent(
        organization_id=o.org.pk,
        case=case,
        kind="case.created",
        actor_staff=o.manager,
        actor_label="",
        data={"reference": case.reference, "nested": {"list": [1, "二", None]}},
        created_at=AT,
    )


def _stored(model: type[Any], pk: int) -> dict[str, Any]:
    row = model.objects.get(pk=pk)
    values = model_to_dict(row)
    values.pop("id")
    return values


@pytest.mark.django_db
def test_the_pair_is_stored_as_the_orm_stores_it(acme: Org) -> None:
    """TD1 (a case with its timeline): every column of the case and its timeline row
    reads back the same as rows saved by the ORM from the same values."""
    by_orm = _case(acme, 1)
    by_orm.save()
    orm_event = _event(acme, by_orm)
    orm_event.save()

    case = _case(acme, 2)
    event = _event(acme, case)
    insert_pair(case, event, link="case")

    assert case.pk is not None
    assert event.pk is not None
    assert event.case_id == case.pk
    assert not case._state.adding
    assert not event._state.adding
    mine, theirs = _stored(Case, case.pk), _stored(Case, by_orm.pk)
    assert (mine.pop("number"), mine.pop("reference")) == (2, "ACME-000002")
    theirs.pop("number"), theirs.pop("reference")
    assert mine == theirs
    stored = Case.objects.get(pk=case.pk)
    assert stored.money_at_stake == Money(Decimal("1234.50"), acme.org.currency)
    assert stored.created_at == AT
    mine, theirs = _stored(TimelineEvent, event.pk), _stored(TimelineEvent, orm_event.pk)
    assert (mine.pop("case"), theirs.pop("case")) == (case.pk, by_orm.pk)
    assert mine["data"].pop("reference") == "ACME-000002"
    assert theirs["data"].pop("reference") == "ACME-000001"
    assert mine == theirs
    assert list(case.timeline.values_list("pk", flat=True)) == [event.pk]


@pytest.mark.django_db
def test_one_statement_on_postgresql(acme: Org) -> None:
    case = _case(acme, 1)
    with CaptureQueriesContext(connection) as ctx:
        insert_pair(case, _event(acme, case), link="case")
    expected = 1 if connection.vendor == "postgresql" else 2
    assert len(ctx.captured_queries) == expected


@pytest.mark.django_db(transaction=True)
def test_a_refused_child_leaves_no_parent(acme: Org) -> None:
    """All or nothing: a timeline row the database refuses takes the case with it."""
    case = _case(acme, 1)
    event = _event(acme, case)
    event.organization_id = None  # type: ignore[assignment]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_pair(case, event, link="case")
    assert not Case.objects.exists()
    assert not TimelineEvent.objects.exists()


@pytest.mark.django_db
def test_only_new_rows_and_a_real_link(acme: Org) -> None:
    saved = _case(acme, 1)
    saved.save()
    with pytest.raises(ValueError, match="new rows only"):
        insert_pair(saved, _event(acme, saved), link="case")
    case = _case(acme, 2)
    with pytest.raises(ValueError, match="not a foreign key to Case"):
        insert_pair(case, _event(acme, case), link="actor_staff")
    assert Case.objects.count() == 1
