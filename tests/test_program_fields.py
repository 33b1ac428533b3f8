"""The program fields playbook conditions read (``program.*``): pure functions of a
program and a date, so each is checked on its own (TD3, ED2, ED9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ladder.customers.models import Program
from ladder.programs import fields

START = dt.date(2026, 3, 2)
END = dt.date(2026, 6, 29)  # 119 days


def program(**values: object) -> Program:
    base: dict[str, object] = {
        "name": "Maths",
        "purchased": Decimal(40),
        "delivered": Decimal(0),
        "term_start": START,
        "term_end": END,
    }
    base.update(values)
    return Program(**base)


def test_pace_is_planned_minus_delivered_in_percent_of_the_purchase() -> None:
    """TD3: halfway through the term half the hours should be used; with a quarter
    delivered the family is 25 % behind."""
    p = program(term_end=START + dt.timedelta(days=100), delivered=Decimal(10))
    midway = START + dt.timedelta(days=50)
    assert fields.planned_units(p, midway) == Decimal(20)
    assert fields.pace_behind(p, midway) == Decimal("25.0")
    assert fields.unused(p) == Decimal(30)


def test_pace_before_the_term_and_after_it() -> None:
    """TD3: nothing is planned before the term starts; everything by its end; ahead of
    plan is negative."""
    p = program(delivered=Decimal(4))
    assert fields.planned_units(p, START - dt.timedelta(days=3)) == 0
    assert fields.pace_behind(p, START) == Decimal("-10.0")
    assert fields.planned_units(p, END + dt.timedelta(days=9)) == Decimal(40)
    assert fields.pace_behind(p, END) == Decimal("90.0")


def test_pace_without_term_dates_or_purchase_is_unknown() -> None:
    """A program without a term has no plan, so no pace (a rule's gte never holds)."""
    assert fields.pace_behind(program(term_start=None), START) is None
    assert fields.pace_behind(program(term_end=None), START) is None
    assert fields.pace_behind(program(purchased=Decimal(0)), START) is None


@given(
    purchased=st.integers(min_value=1, max_value=500),
    delivered_share=st.integers(min_value=0, max_value=100),
    length=st.integers(min_value=0, max_value=400),
    offset=st.integers(min_value=-30, max_value=500),
)
def test_pace_stays_between_minus_100_and_100(
    purchased: int, delivered_share: int, length: int, offset: int
) -> None:
    """Planned is never negative nor above the purchase, so the lag stays within one
    whole purchase either way; delivering the plan exactly is on plan."""
    delivered = Decimal(purchased * delivered_share) / 100
    p = program(
        purchased=Decimal(purchased),
        delivered=delivered,
        term_end=START + dt.timedelta(days=length),
    )
    today = START + dt.timedelta(days=offset)
    planned = fields.planned_units(p, today)
    assert planned is not None
    assert 0 <= planned <= p.purchased
    lag = fields.pace_behind(p, today)
    assert lag is not None
    assert Decimal(-100) <= lag <= Decimal(100)
    on_plan = program(
        purchased=Decimal(purchased), delivered=planned, term_end=START + dt.timedelta(days=length)
    )
    assert fields.pace_behind(on_plan, today) == 0


def test_days_since_the_last_session_count_from_the_term_start_when_there_is_none() -> None:
    """TD3 session interruption: days since the last session; a program that never
    had one counts from its term start, and has no value before it."""
    p = program()
    today = START + dt.timedelta(days=20)
    assert fields.days_since_last_session(p, today, START + dt.timedelta(days=15)) == 5
    assert fields.days_since_last_session(p, today, None) == 20
    assert fields.days_since_last_session(p, START - dt.timedelta(days=1), None) is None
    assert fields.days_since_last_session(program(term_start=None), today, None) is None


def test_days_to_term_end_and_class_start() -> None:
    """ED9: the renewal window is 14 days before the term ends; ED2: the waiting list
    runs until the class starts."""
    p = program(class_start=dt.date(2026, 3, 9))
    assert fields.days_to_term_end(p, END - dt.timedelta(days=14)) == 14
    assert fields.days_to_class_start(p, START) == 7
    assert fields.days_to_class_start(program(), START) is None
    assert fields.days_to_term_end(program(term_end=None), START) is None


def test_paid_and_tutor_matching() -> None:
    """ED2 unpaid reminders; TD3 tutor matched within the promised time."""
    asked = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    waiting = program(tutor_requested_at=asked, match_within_hours=72)
    assert not fields.paid(waiting)
    assert fields.paid(program(paid_at=asked))
    assert not fields.tutor_matched(waiting)
    assert fields.hours_waiting_for_tutor(waiting, asked + dt.timedelta(hours=71, minutes=59)) == 71
    assert not fields.match_overdue(waiting, asked + dt.timedelta(hours=71, minutes=59))
    assert fields.match_overdue(waiting, asked + dt.timedelta(hours=72))
    matched = program(
        tutor_requested_at=asked,
        tutor_matched_at=asked + dt.timedelta(hours=80),
        match_within_hours=72,
    )
    assert fields.tutor_matched(matched)
    assert fields.hours_waiting_for_tutor(matched, asked + dt.timedelta(days=9)) is None
    assert not fields.match_overdue(matched, asked + dt.timedelta(days=9))
    assert fields.hours_waiting_for_tutor(program(), asked) is None
    assert not fields.match_overdue(
        program(tutor_requested_at=asked), asked + dt.timedelta(days=99)
    )
