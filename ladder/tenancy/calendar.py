"""An organization's business hours: when the desk is open, and how much business time
lies between two instants. The procedure clocks count in this time: the 24-hour meeting
and the consecutive contact days (MT6), the daily notes (MT7), tutor matching within the
promised time (TD3)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

import holidays

if TYPE_CHECKING:
    from ladder.tenancy.models import Organization

# A search that finds no opening this far ahead is reported instead of run on: every
# weekday closed for five years means the calendar is misconfigured, not busy.
SEARCH_HORIZON_DAYS = 5 * 366

_ONE_DAY = dt.timedelta(days=1)
_NO_TIME = dt.timedelta(0)
_TICK = dt.timedelta(microseconds=1)


class Span(NamedTuple):
    """A stretch of business time, [start, end) in UTC."""

    start: dt.datetime
    end: dt.datetime


class BusinessCalendar:
    """The opening hours of one organization, in its own time zone.

    A day is open during its weekday's working intervals unless it is one of the
    organization's closures or a public holiday of its country (and subdivision).
    Working intervals are local wall times; an interval runs from the first instant
    the office clock shows its start until the first instant after that it shows its
    end. So on a spring-forward night a 01:00-04:00 interval lasts two hours, on a
    fall-back night three, and a start the clock skips opens at the jump.

    Methods take aware datetimes in any zone and return them in UTC: adding a
    timedelta to a datetime in a ``ZoneInfo`` zone does wall-clock arithmetic, which
    is wrong across a DST change, so we hand back values that cannot mislead.

    A calendar caches the days and holiday years it has worked out and does not see
    later edits to the organization: build one per unit of work.
    """

    def __init__(
        self,
        *,
        zone: zoneinfo.ZoneInfo,
        intervals: Iterable[tuple[int, dt.time, dt.time]],
        closures: Iterable[dt.date] = (),
        country: str = "",
        subdivision: str = "",
    ) -> None:
        hours: dict[int, list[tuple[dt.time, dt.time]]] = {}
        for weekday, start, end in intervals:
            if not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday}")
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("working intervals are local wall times, without a tzinfo")
            if not start < end:
                raise ValueError(f"a working interval must end after it starts: {start}-{end}")
            hours.setdefault(weekday, []).append((start, end))
        if subdivision and not country:
            raise ValueError(f"subdivision {subdivision!r} needs a country")
        if country:
            # Fail on a bad code now rather than in the middle of a clock computation.
            try:
                holidays.country_holidays(country, subdiv=subdivision or None, years=())
            except NotImplementedError as exc:
                raise ValueError(
                    f"no public-holiday calendar for country {country!r}"
                    + (f", subdivision {subdivision!r}" if subdivision else "")
                ) from exc
        self.zone = zone
        self.country = country
        self.subdivision = subdivision
        self._hours = {day: tuple(sorted(spans)) for day, spans in hours.items()}
        self._closures = frozenset(closures)
        self._holidays_by_year: dict[int, frozenset[dt.date]] = {}
        self._spans_by_day: dict[dt.date, tuple[Span, ...]] = {}

    @classmethod
    def for_organization(cls, organization: Organization) -> BusinessCalendar:
        """Two queries, or none if working_intervals and closures are prefetched."""
        return cls(
            zone=organization.zone,
            intervals=[(i.weekday, i.start, i.end) for i in organization.working_intervals.all()],
            closures=[c.date for c in organization.closures.all()],
            country=organization.country,
            subdivision=organization.subdivision,
        )

    def is_business_day(self, day: dt.date) -> bool:
        """Whether the desk opens at all on this local date."""
        if isinstance(day, dt.datetime):
            # A datetime is a date to Python, but which local date it falls on depends
            # on the zone; guessing would put late-evening instants on the wrong day.
            raise ValueError("is_business_day takes a local date; use is_open for an instant")
        return (
            day.weekday() in self._hours
            and day not in self._closures
            and day not in self._public_holidays(day.year)
        )

    def is_open(self, at: dt.datetime) -> bool:
        instant = _to_utc(at, "at")
        day = instant.astimezone(self.zone).date()
        # A fall-back across midnight can put an instant of one day's opening on the
        # neighbouring local date, so the neighbours are asked too.
        return any(
            span.start <= instant < span.end
            for near in (day - _ONE_DAY, day, day + _ONE_DAY)
            for span in self._spans_on(near)
        )

    def next_open(self, at: dt.datetime) -> dt.datetime:
        """The first open instant at or after ``at``."""
        instant = _to_utc(at, "at")
        self._require_hours()
        span = next(self._walk_spans(instant))
        return max(span.start, instant)

    def add(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The first instant by which ``duration`` of business time has passed since
        ``start``: inside an opening, or at the end of one."""
        cursor = _to_utc(start, "start")
        if duration < _NO_TIME:
            raise ValueError(f"duration must not be negative, got {duration}")
        self._require_hours()
        if not duration:
            # A clock of no business time is due at once, even while the desk is
            # closed; waiting for next_open would make it due later than nothing.
            return cursor
        remaining = duration
        spans = self._walk_spans(cursor)
        while True:
            span = next(spans)
            begin = max(span.start, cursor)
            available = span.end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Business time in [start, end); nothing if end is not after start."""
        low = _to_utc(start, "start")
        high = _to_utc(end, "end")
        total = _NO_TIME
        if high <= low:
            return total
        day = low.astimezone(self.zone).date() - _ONE_DAY
        last = high.astimezone(self.zone).date() + _ONE_DAY
        while day <= last:
            for span in self._spans_on(day):
                overlap = min(span.end, high) - max(span.start, low)
                if overlap > _NO_TIME:
                    total += overlap
            day += _ONE_DAY
        return total

    def local_day(self, at: dt.datetime) -> dt.date:
        """The organization's calendar date at an instant."""
        return _to_utc(at, "at").astimezone(self.zone).date()

    def next_business_day(self, day: dt.date) -> dt.date:
        """The first business day after ``day``."""
        self._require_hours()
        for offset in range(1, SEARCH_HORIZON_DAYS):
            candidate = day + offset * _ONE_DAY
            if self._spans_on(candidate):
                return candidate
        raise ValueError(f"no business day within {SEARCH_HORIZON_DAYS} days of {day}")

    def close_of_business(self, day: dt.date) -> dt.datetime | None:
        """When the desk closes on ``day`` (UTC), or None if it does not open that day.
        A duty "once per business day" (MT7) is due by then."""
        spans = self._spans_on(day)
        return spans[-1].end if spans else None

    def _require_hours(self) -> None:
        if not self._hours:
            raise ValueError("the calendar has no working intervals, so it is never open")

    def _walk_spans(self, instant: dt.datetime) -> Iterator[Span]:
        """Every span that ends after ``instant``, in order, without end."""
        day = instant.astimezone(self.zone).date() - _ONE_DAY
        closed_days = 0
        while True:
            spans = self._spans_on(day)
            closed_days = 0 if spans else closed_days + 1
            if closed_days > SEARCH_HORIZON_DAYS:
                raise ValueError(
                    f"the calendar is closed for {SEARCH_HORIZON_DAYS} days in a row"
                    f" from {day - SEARCH_HORIZON_DAYS * _ONE_DAY}"
                )
            for span in spans:
                if span.end > instant:
                    yield span
            day += _ONE_DAY

    def _public_holidays(self, year: int) -> frozenset[dt.date]:
        if not self.country:
            return frozenset()
        days = self._holidays_by_year.get(year)
        if days is None:
            days = frozenset(
                holidays.country_holidays(
                    self.country, subdiv=self.subdivision or None, years=year
                ).keys()
            )
            self._holidays_by_year[year] = days
        return days

    def _spans_on(self, day: dt.date) -> tuple[Span, ...]:
        spans = self._spans_by_day.get(day)
        if spans is None:
            spans = ()
            if self.is_business_day(day):
                spans = _merged(
                    Span(
                        self._first_instant_showing(dt.datetime.combine(day, start)),
                        self._first_instant_showing(dt.datetime.combine(day, end)),
                    )
                    for start, end in self._hours[day.weekday()]
                )
            self._spans_by_day[day] = spans
        return spans

    def _first_instant_showing(self, wall: dt.datetime) -> dt.datetime:
        """The first instant, in UTC, at which the office clock shows ``wall`` or later.

        It never decreases as ``wall`` grows, which keeps every day's spans after the
        previous day's and each span's start before its end."""
        earlier = wall.replace(tzinfo=self.zone, fold=0).astimezone(dt.UTC)
        if self._clock_at(earlier) == wall:
            # fold=0 picks the first of the two instants a fall-back shows twice.
            return earlier
        # The clock skips ``wall``. Resolved with the offset from before the jump it
        # lands after the jump, with the offset from after it lands before; the jump
        # lies between, and zoneinfo does not say where, so we search for it.
        before = wall.replace(tzinfo=self.zone, fold=1).astimezone(dt.UTC)
        after = earlier
        while after - before > _TICK:
            middle = before + (after - before) // 2
            if self._clock_at(middle) >= wall:
                after = middle
            else:
                before = middle
        return after

    def _clock_at(self, instant: dt.datetime) -> dt.datetime:
        return instant.astimezone(self.zone).replace(tzinfo=None)


def _to_utc(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value.isoformat()}")
    return value.astimezone(dt.UTC)


def _merged(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Sorted, with overlapping or touching spans joined and empty ones dropped (an
    interval wholly inside a skipped hour is empty)."""
    result: list[Span] = []
    for span in sorted(spans):
        if span.start >= span.end:
            continue
        if result and span.start <= result[-1].end:
            result[-1] = Span(result[-1].start, max(result[-1].end, span.end))
        else:
            result.append(span)
    return tuple(result)
