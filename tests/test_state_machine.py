"""The case state machine, tried on every pair of states through the API."""

from __future__ import annotations

from collections import deque

import pytest

from ladder.cases import actions
from ladder.cases.models import Case, TimelineEvent
from ladder.cases.states import ALLOWED, CLOSING, OPEN, Status
from tests.conftest import Api, Org, new_case


def path_to(target: Status) -> list[Status]:
    """The shortest run of allowed moves from NEW to ``target``."""
    seen = {Status.NEW: [Status.NEW]}
    queue = deque([Status.NEW])
    while queue:
        here = queue.popleft()
        for nxt in sorted(ALLOWED[here]):
            if nxt not in seen:
                seen[nxt] = [*seen[here], nxt]
                queue.append(nxt)
    return seen[target]


def case_in(o: Org, status: Status) -> Case:
    case = new_case(o)
    case = actions.update_case(
        actor=o.actor(o.manager),
        case_id=case.pk,
        expected_version=case.version,
        changes={"root_cause": "Tutor double-booked", "resolution": "Replacement session"},
    )
    for step in path_to(status)[1:]:
        case = actions.transition_case(
            actor=o.actor(o.manager), case_id=case.pk, expected_version=case.version, to=step
        )
    return case


def test_every_state_is_reachable_from_new() -> None:
    """The table has no dead states: everything can be reached and left."""
    for status in Status:
        assert path_to(status)[-1] == status
        assert ALLOWED[status], f"{status} is a dead end"


@pytest.mark.parametrize("target", list(Status))
@pytest.mark.parametrize("start", list(Status))
def test_every_pair_of_states(acme: Org, start: Status, target: Status) -> None:
    """TD1, IN1: an allowed move changes the status and appends one timeline event; a
    refused move answers 409 naming the current and allowed states and changes nothing."""
    api = Api(acme.manager)
    case = case_in(acme, start)
    events_before = TimelineEvent.objects.filter(case=case).count()
    r = api.post(f"cases/{case.pk}/transition", {"to": target.value}, if_match=f'"{case.version}"')
    case.refresh_from_db()
    if target in ALLOWED[start]:
        assert r.status_code == 200, r.json()
        assert r.json()["status"] == target.value
        assert case.status == target
        event = TimelineEvent.objects.filter(case=case).latest("id")
        assert (event.field, event.old_value, event.new_value) == ("status", start, target)
        assert event.actor_staff == acme.manager
        if target == Status.CLOSED:
            assert event.kind == "case.closed"
        elif start in (Status.RESOLVED, Status.CLOSED):
            assert event.kind == "case.reopened"
        else:
            assert event.kind == "case.status_changed"
    else:
        assert r.status_code == 409, r.json()
        body = r.json()
        assert body["current"] == start.value
        assert body["allowed"] == sorted(s.value for s in ALLOWED[start])
        assert start.value in body["detail"]
        assert case.status == start
        assert TimelineEvent.objects.filter(case=case).count() == events_before


def test_resolving_needs_root_cause_and_resolution(acme: Org, api: Api) -> None:
    """TD1: the root cause is identified before a resolution is agreed."""
    case = new_case(acme)
    r = api.post(f"cases/{case.pk}/transition", {"to": "resolved"}, if_match='"1"')
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"root_cause", "resolution"}
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_closing_and_reopening_need_the_close_permission(acme: Org, api: Api) -> None:
    """IN1: front-line staff answer and resolve; leads close and reopen."""
    resolved = case_in(acme, Status.RESOLVED)
    r = api.post(
        f"cases/{resolved.pk}/transition", {"to": "closed"}, if_match=f'"{resolved.version}"'
    )
    assert r.status_code == 403
    assert {pair[0] for pair in CLOSING} <= {Status.RESOLVED, Status.CLOSED}


def test_open_states_are_the_ones_before_resolution() -> None:
    assert Status.RESOLVED not in OPEN
    assert Status.CLOSED not in OPEN
    assert OPEN | {Status.RESOLVED, Status.CLOSED} == set(Status)


def test_a_resolved_case_keeps_its_root_cause_and_resolution(acme: Org, api: Api) -> None:
    """TD1: once resolved, the root cause and resolution can be corrected, not erased."""
    case = case_in(acme, Status.RESOLVED)
    v = f'"{case.version}"'
    r = api.patch(f"cases/{case.pk}", {"root_cause": "", "resolution": " "}, if_match=v)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"root_cause", "resolution"}
    fixed = api.patch(f"cases/{case.pk}", {"root_cause": "Tutor calendar sync bug"}, if_match=v)
    assert fixed.status_code == 200
