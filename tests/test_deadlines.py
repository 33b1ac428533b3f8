"""Deadlines (issue 5 engine): scheduling, cancelling, firing exactly once, stale and
failing handlers, and the unique firing that makes a double effect impossible. On
SQLite and on PostgreSQL alike; the real-worker tests are in test_worker.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from ladder.cases.models import Case, TimelineEvent
from ladder.deadlines import actions
from ladder.deadlines.models import Deadline, Firing, Outcome
from ladder.errors import Invalid
from tests.conftest import Org, new_case
from tests.worker_app.kinds import EVENT, KIND

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def schedule(o: Org, case: Case, *, minutes: int = -1, **payload: Any) -> Deadline:
    return actions.schedule_deadline(
        organization_id=o.org.pk,
        kind=KIND,
        target_id=case.pk,
        case_id=case.pk,
        due_at=NOW + dt.timedelta(minutes=minutes),
        payload=payload,
    )


def effects(deadline: Deadline) -> int:
    return TimelineEvent.objects.filter(kind=EVENT, data__deadline=deadline.pk).count()


def test_a_due_deadline_fires_once_and_applies_its_effect_once(acme: Org) -> None:
    """issue 5 engine: fire_due_deadlines fires a due row, records its Firing and the
    effect in one transaction; a second call finds nothing to fire."""
    d = schedule(acme, new_case(acme))
    assert actions.fire_due_deadlines(now=NOW, worker="w1") == 1
    d.refresh_from_db()
    assert d.fired_at == NOW  # a virtual `now` (the simulator's) is the firing time
    assert d.fired_by == "w1"
    firing = Firing.objects.get(deadline=d)
    assert (firing.outcome, firing.worker) == (Outcome.APPLIED, "w1")
    assert effects(d) == 1
    assert actions.fire_due_deadlines(now=NOW + dt.timedelta(hours=1)) == 0
    assert effects(d) == 1


def test_a_deadline_waits_for_its_due_time(acme: Org) -> None:
    """issue 5 engine: nothing fires before due_at; the simulator's virtual time fires it."""
    d = schedule(acme, new_case(acme), minutes=30)
    assert actions.fire_due_deadlines(now=NOW) == 0
    assert actions.fire_due_deadlines(now=NOW + dt.timedelta(minutes=29, seconds=59)) == 0
    assert actions.fire_due_deadlines(now=NOW + dt.timedelta(minutes=30)) == 1
    assert effects(d) == 1


def test_a_batch_takes_the_earliest_first_up_to_its_limit(acme: Org) -> None:
    """issue 5 engine: claims in due order, at most `limit` per batch."""
    case = new_case(acme)
    rows = [schedule(acme, case, minutes=-m) for m in (1, 5, 3, 4, 2)]
    assert actions.fire_due_deadlines(now=NOW, limit=2) == 2
    fired = set(Deadline.objects.filter(fired_at__isnull=False).values_list("pk", flat=True))
    assert fired == {rows[1].pk, rows[3].pk}  # due 5 and 4 minutes ago
    assert actions.fire_due_deadlines(now=NOW, limit=10) == 3


def test_cancelled_deadlines_never_fire(acme: Org) -> None:
    """issue 5 engine: cancel_deadlines cancels the unfired rows of a target and kind."""
    case, other = new_case(acme), new_case(acme)
    d1, d2, kept = schedule(acme, case), schedule(acme, case, minutes=10), schedule(acme, other)
    assert actions.cancel_deadlines(kind=KIND, target_id=case.pk, at=NOW) == 2
    assert actions.cancel_deadlines(kind=KIND, target_id=case.pk, at=NOW) == 0
    assert actions.fire_due_deadlines(now=NOW + dt.timedelta(hours=1)) == 1
    for d in (d1, d2):
        d.refresh_from_db()
        assert d.cancelled_at == NOW
        assert d.fired_at is None
        assert effects(d) == 0
    assert effects(kept) == 1


def test_a_fired_deadline_is_not_cancelled_afterwards(acme: Org) -> None:
    """issue 5 engine: cancelling after the firing changes nothing (and the database
    refuses a row both fired and cancelled)."""
    case = new_case(acme)
    d = schedule(acme, case)
    actions.fire_due_deadlines(now=NOW)
    assert actions.cancel_deadlines(kind=KIND, target_id=case.pk, at=NOW) == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        Deadline.objects.filter(pk=d.pk).update(cancelled_at=NOW)


def test_a_stale_deadline_is_marked_fired_with_outcome_stale(acme: Org) -> None:
    """issue 5 engine: the handler re-checks and says stale: fired, no effect."""
    case = new_case(acme)
    stale, live = schedule(acme, case, stale=True), schedule(acme, case)
    assert actions.fire_due_deadlines(now=NOW) == 2
    assert Firing.objects.get(deadline=stale).outcome == Outcome.STALE
    assert Firing.objects.get(deadline=live).outcome == Outcome.APPLIED
    assert (effects(stale), effects(live)) == (0, 1)


def test_a_failing_handler_does_not_block_the_rest_of_the_batch(acme: Org, settings: Any) -> None:
    """issue 5 engine: the batch falls back to one savepoint per row; the bad row is
    retried with backoff and, after the last attempt, marked fired with outcome failed."""
    settings.LADDER_DEADLINE_MAX_ATTEMPTS = 2
    settings.LADDER_DEADLINE_RETRY_SECONDS = 60
    case = new_case(acme)
    first, bad, last = schedule(acme, case), schedule(acme, case, fail=True), schedule(acme, case)
    result = actions.fire_batch(now=NOW, worker="w1")
    assert (result.claimed, result.applied, result.retrying, result.failed) == (3, 2, 1, 0)
    assert (effects(first), effects(bad), effects(last)) == (1, 0, 1)
    bad.refresh_from_db()
    assert bad.fired_at is None
    assert bad.attempts == 1
    assert "asked to fail" in bad.last_error
    assert bad.retry_at is not None
    assert NOW + dt.timedelta(seconds=30) <= bad.retry_at <= NOW + dt.timedelta(seconds=60)
    # Held back until its retry time, then fails for good on the second attempt.
    assert actions.fire_batch(now=NOW + dt.timedelta(seconds=29)).claimed == 0
    result = actions.fire_batch(now=NOW + dt.timedelta(minutes=2), worker="w2")
    assert (result.claimed, result.failed) == (1, 1)
    bad.refresh_from_db()
    assert bad.fired_at is not None
    assert Firing.objects.get(deadline=bad).outcome == Outcome.FAILED
    assert effects(bad) == 0


def test_firing_the_same_deadline_twice_is_refused_by_the_unique_constraint(acme: Org) -> None:
    """issue 5 engine: the Firing row is unique per deadline, so a second firing is an
    IntegrityError, not a second effect."""
    d = schedule(acme, new_case(acme))
    actions.fire_due_deadlines(now=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Firing.objects.create(deadline=d, fired_at=NOW, worker="again", outcome=Outcome.APPLIED)
    # Even if the row were somehow made due again, firing it rolls its effect back.
    Deadline.objects.filter(pk=d.pk).update(fired_at=None)
    result = actions.fire_batch(now=NOW, worker="again")
    assert (result.claimed, result.applied) == (1, 0)
    assert effects(d) == 1
    d.refresh_from_db()
    assert d.fired_at is not None  # put back in step with its one firing
    assert Firing.objects.filter(deadline=d).count() == 1


def test_scheduling_needs_a_known_kind_and_an_aware_time(acme: Org) -> None:
    """issue 5 engine: a kind without a handler, or a naive due time, is refused."""
    case = new_case(acme)
    with pytest.raises(ValueError, match="no handler"):
        actions.schedule_deadline(
            organization_id=acme.org.pk, kind="no.such", target_id=1, due_at=NOW
        )
    with pytest.raises(Invalid):
        actions.schedule_deadline(
            organization_id=acme.org.pk,
            kind=KIND,
            target_id=case.pk,
            due_at=dt.datetime(2026, 11, 23, 9, 0),
        )


def test_the_wall_clock_is_used_without_a_virtual_now(acme: Org) -> None:
    """issue 5 engine: without `now`, fired_at is when the effect was applied."""
    d = schedule(acme, new_case(acme))
    before = timezone.now()
    assert actions.fire_due_deadlines() == 1
    d.refresh_from_db()
    assert d.fired_at is not None
    assert before <= d.fired_at <= timezone.now()
