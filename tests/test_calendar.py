"""The business calendar: opening hours, holidays, closures and DST, and the business-time
arithmetic the procedure clocks run on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pytest_django import DjangoAssertNumQueries

from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.calendar import BusinessCalendar

UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = dt.timedelta(hours=1)
TICK = dt.timedelta(microseconds=1)

Interval = tuple[int, dt.time, dt.time]

WEEKDAYS = range(5)
NINE_TO_SIX_WITH_LUNCH: list[Interval] = [
    *((d, dt.time(9), dt.time(12)) for d in WEEKDAYS),
    *((d, dt.time(13), dt.time(18)) for d in WEEKDAYS),
]
NINE_TO_FIVE: list[Interval] = [(d, dt.time(9), dt.time(17)) for d in WEEKDAYS]


def calendar(
    intervals: Sequence[Interval] = NINE_TO_SIX_WITH_LUNCH,
    *,
    zone: ZoneInfo = SHANGHAI,
    closures: Sequence[dt.date] = (),
    country: str = "",
    subdivision: str = "",
) -> BusinessCalendar:
    return BusinessCalendar(
        zone=zone,
        intervals=intervals,
        closures=closures,
        country=country,
        subdivision=subdivision,
    )


def at(
    zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


# --- examples ---------------------------------------------------------------------------


def test_lunch_break_is_not_business_time() -> None:
    """MT6, TD3: a clock stops over lunch and an answer due at noon is due at noon."""
    cal = calendar()
    monday = (2025, 6, 9)
    assert cal.is_open(at(SHANGHAI, *monday, 11, 59))
    assert not cal.is_open(at(SHANGHAI, *monday, 12, 30))
    assert cal.between(at(SHANGHAI, *monday, 11), at(SHANGHAI, *monday, 14)) == 2 * HOUR
    assert cal.add(at(SHANGHAI, *monday, 11, 30), HOUR) == at(SHANGHAI, *monday, 13, 30)
    # The first instant the hour is used up is the start of lunch, not the end of it.
    assert cal.add(at(SHANGHAI, *monday, 11), HOUR) == at(SHANGHAI, *monday, 12)
    assert cal.next_open(at(SHANGHAI, *monday, 12, 15)) == at(SHANGHAI, *monday, 13)


def test_weekend_is_skipped() -> None:
    """MT6, TD3."""
    cal = calendar(NINE_TO_FIVE)
    friday_four = at(SHANGHAI, 2025, 6, 6, 16)
    assert not cal.is_business_day(dt.date(2025, 6, 7))
    assert not cal.is_business_day(dt.date(2025, 6, 8))
    assert cal.add(friday_four, 2 * HOUR) == at(SHANGHAI, 2025, 6, 9, 10)
    assert cal.next_open(at(SHANGHAI, 2025, 6, 7, 12)) == at(SHANGHAI, 2025, 6, 9, 9)
    assert cal.between(friday_four, at(SHANGHAI, 2025, 6, 9, 10)) == 2 * HOUR


def test_a_24_business_hour_clock_started_friday_afternoon_ends_tuesday() -> None:
    """MT6: the meeting with the customer and the team lead is due within 24 hours, counted
    in business hours (8-12 and 13-20, Monday to Friday)."""
    long_days = [
        *((d, dt.time(8), dt.time(12)) for d in WEEKDAYS),
        *((d, dt.time(13), dt.time(20)) for d in WEEKDAYS),
    ]
    cal = calendar(long_days, country="CN")
    started = at(SHANGHAI, 2025, 6, 6, 15)
    due = cal.add(started, 24 * HOUR)
    # Friday 15-20 is 5 h, Monday 11 h, Tuesday 8-12 and 13-17 the last 8 h.
    assert due == at(SHANGHAI, 2025, 6, 10, 17)
    assert due.astimezone(SHANGHAI).strftime("%A") == "Tuesday"
    assert cal.between(started, due) == 24 * HOUR


def test_chinese_national_day_closes_the_desk() -> None:
    """MT6, MT7: National Day week is no contact day and no day a daily note falls due."""
    cal = calendar(country="CN")
    assert cal.is_business_day(dt.date(2025, 9, 30))
    assert not cal.is_business_day(dt.date(2025, 10, 1))
    # The holiday package lists the whole 2025 week, substituted days off included.
    assert not any(cal.is_business_day(dt.date(2025, 10, day)) for day in range(1, 9))
    assert cal.add(at(SHANGHAI, 2025, 9, 30, 17), 2 * HOUR) == at(SHANGHAI, 2025, 10, 9, 10)

    day = dt.date(2025, 9, 29)
    contact_days: list[dt.date] = []
    while len(contact_days) < 10:
        if cal.is_business_day(day):
            contact_days.append(day)
        day += dt.timedelta(days=1)
    assert contact_days[2] == dt.date(2025, 10, 9)
    assert contact_days[-1] == dt.date(2025, 10, 20)


def test_us_thanksgiving_closes_the_desk() -> None:
    """MT6, TD3."""
    cal = calendar(NINE_TO_FIVE, zone=NEW_YORK, country="US")
    assert not cal.is_business_day(dt.date(2025, 11, 27))
    assert cal.is_business_day(dt.date(2025, 11, 28))
    assert cal.add(at(NEW_YORK, 2025, 11, 26, 16), 2 * HOUR) == at(NEW_YORK, 2025, 11, 28, 10)


def test_a_subdivision_adds_its_own_holidays() -> None:
    """California keeps César Chávez Day; the rest of the United States does not."""
    monday = dt.date(2025, 3, 31)
    assert calendar(NINE_TO_FIVE, zone=NEW_YORK, country="US").is_business_day(monday)
    assert not calendar(
        NINE_TO_FIVE, zone=NEW_YORK, country="US", subdivision="CA"
    ).is_business_day(monday)


def test_own_closure_closes_the_desk() -> None:
    """MT6, MT7, TD3."""
    cal = calendar(closures=[dt.date(2025, 6, 11)])
    assert not cal.is_business_day(dt.date(2025, 6, 11))
    assert not cal.is_open(at(SHANGHAI, 2025, 6, 11, 10))
    assert cal.add(at(SHANGHAI, 2025, 6, 10, 17), 2 * HOUR) == at(SHANGHAI, 2025, 6, 12, 10)


def test_dst_change_over_a_weekend_keeps_the_office_hours() -> None:
    """MT6, TD3: New York springs forward and falls back on Sunday nights; Monday still
    opens at nine local time."""
    cal = calendar(NINE_TO_FIVE, zone=NEW_YORK)
    assert cal.add(at(NEW_YORK, 2025, 3, 7, 16), 2 * HOUR) == at(NEW_YORK, 2025, 3, 10, 10)
    assert cal.add(at(NEW_YORK, 2025, 10, 31, 16), 2 * HOUR) == at(NEW_YORK, 2025, 11, 3, 10)
    assert cal.next_open(at(NEW_YORK, 2025, 3, 8)) == dt.datetime(2025, 3, 10, 13, tzinfo=UTC)
    assert cal.next_open(at(NEW_YORK, 2025, 11, 1)) == dt.datetime(2025, 11, 3, 14, tzinfo=UTC)


def test_dst_change_inside_an_interval_counts_real_time() -> None:
    """An interval across the change lasts as long as the clock on the wall says, less or
    more the hour the clock skips or repeats."""
    night = calendar([(6, dt.time(1), dt.time(4))], zone=NEW_YORK)

    def sunday_night(month: int, day: int) -> dt.timedelta:
        return night.between(at(NEW_YORK, 2025, month, day), at(NEW_YORK, 2025, month, day, 12))

    assert sunday_night(3, 2) == 3 * HOUR
    assert sunday_night(3, 9) == 2 * HOUR
    assert sunday_night(11, 2) == 4 * HOUR
    # 01:00-02:00 EST, then the clock jumps to 03:00 EDT.
    assert night.add(at(NEW_YORK, 2025, 3, 8, 12), 90 * dt.timedelta(minutes=1)) == at(
        NEW_YORK, 2025, 3, 9, 3, 30
    )


def test_an_interval_starting_in_a_skipped_hour_opens_at_the_jump() -> None:
    cal = calendar([(6, dt.time(2, 30), dt.time(3, 30))], zone=NEW_YORK)
    opens = cal.next_open(at(NEW_YORK, 2025, 3, 8))
    assert opens == at(NEW_YORK, 2025, 3, 9, 3)
    assert cal.between(opens, at(NEW_YORK, 2025, 3, 9, 12)) == dt.timedelta(minutes=30)
    assert not cal.is_open(opens - TICK)


def test_an_interval_starting_in_a_repeated_hour_opens_at_its_first_showing() -> None:
    cal = calendar([(6, dt.time(1, 30), dt.time(2, 30))], zone=NEW_YORK)
    first_half_past_one = dt.datetime(2025, 11, 2, 5, 30, tzinfo=UTC)
    assert cal.next_open(at(NEW_YORK, 2025, 11, 1)) == first_half_past_one
    assert cal.between(first_half_past_one, at(NEW_YORK, 2025, 11, 2, 12)) == 2 * HOUR


def test_shanghai_hours_are_local_whatever_zone_the_caller_uses() -> None:
    """Answers come back in UTC, so that adding a timedelta to them is real time."""
    cal = calendar()
    assert cal.is_open(dt.datetime(2025, 6, 10, 1, 30, tzinfo=UTC))  # 09:30 in Shanghai
    assert not cal.is_open(dt.datetime(2025, 6, 10, 0, 30, tzinfo=UTC))  # 08:30
    assert not cal.is_open(dt.datetime(2025, 6, 10, 10, 30, tzinfo=UTC))  # 18:30
    opens = cal.next_open(dt.datetime(2025, 6, 9, 16, tzinfo=UTC))  # Tuesday 00:00
    assert opens == at(SHANGHAI, 2025, 6, 10, 9)
    assert opens.tzinfo is UTC
    assert cal.add(at(NEW_YORK, 2025, 6, 9, 21), HOUR) == at(SHANGHAI, 2025, 6, 10, 10)


def test_next_open_is_the_instant_itself_when_open() -> None:
    cal = calendar()
    now = at(SHANGHAI, 2025, 6, 10, 10, 17)
    assert cal.next_open(now) == now


def test_adding_nothing_gives_the_start_back() -> None:
    cal = calendar()
    closed = at(SHANGHAI, 2025, 6, 7, 12)
    assert cal.add(closed, dt.timedelta(0)) == closed


def test_negative_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        calendar().add(at(SHANGHAI, 2025, 6, 10, 10), -HOUR)


def test_between_backwards_is_nothing() -> None:
    cal = calendar()
    assert (
        cal.between(at(SHANGHAI, 2025, 6, 10, 11), at(SHANGHAI, 2025, 6, 10, 10)) == dt.timedelta()
    )


def test_naive_datetimes_are_refused() -> None:
    cal = calendar()
    naive = dt.datetime(2025, 6, 10, 10)
    aware = at(SHANGHAI, 2025, 6, 10, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.is_open(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.next_open(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add(naive, HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.between(naive, aware)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.between(aware, naive)


def test_is_business_day_refuses_a_datetime() -> None:
    with pytest.raises(ValueError, match="local date"):
        calendar().is_business_day(at(SHANGHAI, 2025, 6, 10, 10))


def test_a_calendar_without_hours_refuses_to_search_instead_of_looping() -> None:
    cal = calendar([])
    start = at(SHANGHAI, 2025, 6, 10, 10)
    with pytest.raises(ValueError, match="no working intervals"):
        cal.next_open(start)
    with pytest.raises(ValueError, match="no working intervals"):
        cal.add(start, HOUR)
    with pytest.raises(ValueError, match="no working intervals"):
        cal.add(start, dt.timedelta(0))
    assert not cal.is_open(start)
    assert not cal.is_business_day(start.date())
    assert cal.between(start, start + 30 * 24 * HOUR) == dt.timedelta()


def test_a_calendar_closed_for_years_refuses_to_search_on() -> None:
    day = dt.date(2025, 6, 9)
    closures = [day + dt.timedelta(days=n) for n in range(6 * 366)]
    cal = calendar(closures=closures)
    with pytest.raises(ValueError, match="closed for"):
        cal.next_open(at(SHANGHAI, 2025, 6, 9, 10))


@pytest.mark.parametrize(
    ("intervals", "country", "subdivision", "message"),
    [
        ([(7, dt.time(9), dt.time(17))], "", "", "weekday"),
        ([(0, dt.time(17), dt.time(9))], "", "", "end after"),
        ([(0, dt.time(9), dt.time(9))], "", "", "end after"),
        ([(0, dt.time(9, tzinfo=UTC), dt.time(17))], "", "", "wall times"),
        (NINE_TO_FIVE, "XX", "", "country 'XX'"),
        (NINE_TO_FIVE, "US", "ZZ", "subdivision 'ZZ'"),
        (NINE_TO_FIVE, "", "CA", "needs a country"),
    ],
)
def test_bad_calendar_data_is_refused(
    intervals: list[Interval], country: str, subdivision: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        calendar(intervals, country=country, subdivision=subdivision)


def test_calendar_of_an_organization_reads_its_hours_closures_and_holidays(
    db: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    """MT6, MT7, TD3: the clocks of an organization run on its own calendar."""
    org = tenancy_actions.create_organization(
        slug="calendar-school",
        name="Calendar School",
        case_prefix="ABC",
        timezone_name="Asia/Shanghai",
        country="CN",
        working_intervals=NINE_TO_SIX_WITH_LUNCH,
        closures=[(dt.date(2025, 6, 11), "Staff training")],
    )
    with django_assert_num_queries(2):
        cal = BusinessCalendar.for_organization(org)
    assert cal.zone == SHANGHAI
    assert cal.is_open(at(SHANGHAI, 2025, 6, 10, 9))
    assert not cal.is_open(at(SHANGHAI, 2025, 6, 10, 12, 30))
    assert not cal.is_business_day(dt.date(2025, 6, 11))  # its own closure
    assert not cal.is_business_day(dt.date(2025, 10, 1))  # National Day
    assert cal.add(at(SHANGHAI, 2025, 6, 10, 17), 2 * HOUR) == at(SHANGHAI, 2025, 6, 12, 10)


# --- properties ---------------------------------------------------------------------------

# Zones with the awkward cases: no DST, DST at 02:00, a half-hour DST (Lord Howe), and
# changes at midnight, forward (Santiago) and back across midnight (Beirut).
ZONES = [
    ZoneInfo(name)
    for name in (
        "UTC",
        "Asia/Shanghai",
        "America/New_York",
        "Europe/London",
        "Australia/Lord_Howe",
        "America/Santiago",
        "Asia/Beirut",
    )
]
QUARTERS_A_DAY = 96


def _quarter(index: int) -> dt.time:
    if index == QUARTERS_A_DAY:
        return dt.time.max
    return dt.time(index // 4, index % 4 * 15)


@st.composite
def intervals(draw: st.DrawFn) -> Interval:
    weekday = draw(st.integers(0, 6))
    start = draw(st.integers(0, QUARTERS_A_DAY - 2))
    end = draw(st.integers(start + 2, QUARTERS_A_DAY))
    return weekday, _quarter(start), _quarter(end)


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    return BusinessCalendar(
        zone=draw(st.sampled_from(ZONES)),
        intervals=draw(st.lists(intervals(), min_size=1, max_size=8)),
        closures=draw(st.sets(st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 31)), max_size=10)),
        country=draw(st.sampled_from(["", "CN", "US"])),
    )


def _dst_change_days() -> list[tuple[ZoneInfo, dt.date]]:
    days = []
    for zone in ZONES:
        day = dt.date(2024, 1, 1)
        while day < dt.date(2028, 1, 1):
            noon = dt.datetime.combine(day, dt.time(12), tzinfo=zone)
            if noon.utcoffset() != (noon + dt.timedelta(days=1)).utcoffset():
                days.append((zone, day + dt.timedelta(days=1)))
            day += dt.timedelta(days=1)
    return days


DST_CHANGE_DAYS = _dst_change_days()


@st.composite
def near_a_dst_change(draw: st.DrawFn) -> dt.datetime:
    zone, day = draw(st.sampled_from(DST_CHANGE_DAYS))
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(UTC)
    offset = draw(st.timedeltas(-dt.timedelta(days=3), dt.timedelta(days=3)))
    return (midnight + offset).astimezone(draw(st.sampled_from(ZONES)))


# Random instants seldom fall near a DST change, so half of them are drawn near one.
def _real_instant(value: dt.datetime) -> dt.datetime:
    # Hypothesis may draw a wall time that a DST jump skips; PEP 495 makes such a value
    # compare unequal to every other zone's, so turn it into the instant it stands for.
    assert value.tzinfo is not None
    return value.astimezone(dt.UTC).astimezone(value.tzinfo)


instants = st.one_of(
    st.datetimes(
        min_value=dt.datetime(2024, 1, 1),
        max_value=dt.datetime(2027, 12, 31),
        timezones=st.sampled_from(ZONES),
    ),
    near_a_dst_change(),
).map(_real_instant)
durations = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(hours=60))

properties = settings(max_examples=75, deadline=None)


@properties
@given(cal=calendars(), start=instants, duration=durations)
def test_between_measures_exactly_what_add_added(
    cal: BusinessCalendar, start: dt.datetime, duration: dt.timedelta
) -> None:
    """MT6, TD3: a clock's due time is exactly its business duration away."""
    assert cal.between(start, cal.add(start, duration)) == duration


@properties
@given(cal=calendars(), start=instants, duration=durations)
def test_add_ends_inside_an_opening_or_at_its_end(
    cal: BusinessCalendar, start: dt.datetime, duration: dt.timedelta
) -> None:
    """MT6, TD3."""
    assume(duration > dt.timedelta(0))
    due = cal.add(start, duration)
    assert due > start
    assert cal.is_open(due) or cal.is_open(due - TICK)


@properties
@given(
    cal=calendars(),
    starts=st.lists(instants, min_size=2, max_size=2),
    lengths=st.lists(durations, min_size=2, max_size=2),
)
def test_add_never_runs_backwards(
    cal: BusinessCalendar, starts: list[dt.datetime], lengths: list[dt.timedelta]
) -> None:
    """MT6, TD3: a later start or a longer clock is never due earlier."""
    early, late = sorted(starts)
    short, long = sorted(lengths)
    assert cal.add(early, short) <= cal.add(early, long)
    assert cal.add(early, short) <= cal.add(late, short)


@properties
@given(cal=calendars(), points=st.lists(instants, min_size=3, max_size=3))
def test_between_adds_up_and_never_exceeds_elapsed_time(
    cal: BusinessCalendar, points: list[dt.datetime]
) -> None:
    first, middle, last = sorted(points)
    assert cal.between(first, middle) + cal.between(middle, last) == cal.between(first, last)
    assert cal.between(first, last) <= last - first
    assert cal.between(last, first) == dt.timedelta(0)


@properties
@given(cal=calendars(), start=instants)
def test_next_open_is_open_and_skips_no_business_time(
    cal: BusinessCalendar, start: dt.datetime
) -> None:
    opens = cal.next_open(start)
    assert opens >= start
    assert cal.is_open(opens)
    assert cal.between(start, opens) == dt.timedelta(0)
    if cal.is_open(start):
        assert opens == start


@properties
@given(
    zone=st.sampled_from(ZONES),
    hours=st.lists(intervals(), min_size=1, max_size=8),
    instant=st.datetimes(
        min_value=dt.datetime(2024, 1, 1),
        max_value=dt.datetime(2027, 12, 31),
        timezones=st.just(UTC),
    ),
)
def test_is_open_follows_the_office_clock_away_from_dst_changes(
    zone: ZoneInfo, hours: list[Interval], instant: dt.datetime
) -> None:
    """MT7: whether the desk is open is what the clock on the office wall says."""
    cal = BusinessCalendar(zone=zone, intervals=hours, country="CN")
    wall = instant.astimezone(zone)
    day = wall.date()
    # Around a DST change the wall clock skips or repeats times, and the calendar's rule
    # (first showing of the start to first showing of the end) is what decides.
    assume(
        zone.utcoffset(dt.datetime.combine(day - dt.timedelta(days=1), dt.time()))
        == zone.utcoffset(dt.datetime.combine(day + dt.timedelta(days=2), dt.time()))
    )
    by_the_clock = cal.is_business_day(day) and any(
        weekday == day.weekday() and start <= wall.time() < end for weekday, start, end in hours
    )
    assert cal.is_open(instant) == by_the_clock
