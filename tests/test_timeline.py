"""The timeline: every change recorded in the same transaction, append-only; and
escalation with its handoff summary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from ladder.cases import actions
from ladder.cases.models import Case, TimelineEvent
from ladder.errors import Invalid
from tests.conftest import Api, Org, new_case


def kinds(case: Case) -> list[str]:
    return list(TimelineEvent.objects.filter(case=case).values_list("kind", flat=True))


def test_every_action_appends_its_event_with_the_actor(acme: Org, api: Api) -> None:
    """Who, when, which field from what to what — for every change."""
    r = api.post("cases", {"customer_id": acme.customer.pk, "kind": "complaint", "subject": "Late"})
    case_id = r.json()["id"]
    api.patch(f"cases/{case_id}", {"severity": "high"}, if_match='"1"')
    api.post(f"cases/{case_id}/assign", {"owner_id": acme.agent.pk}, if_match='"2"')
    api.post(f"cases/{case_id}/transition", {"to": "in_progress"}, if_match='"3"')
    api.post(f"cases/{case_id}/interactions", {"kind": "call", "body": "Apologised"})
    api.post(
        "tasks",
        {
            "title": "Call back",
            "assignee_id": acme.agent.pk,
            "due_at": "2026-12-01T09:00:00Z",
            "case_id": case_id,
        },
    )
    timeline = api.get(f"cases/{case_id}/timeline").json()["items"]
    assert [e["kind"] for e in timeline] == [
        "case.created",
        "case.field_changed",
        "case.assigned",
        "case.status_changed",
        "interaction.logged",
        "task.created",
    ]
    changed = timeline[1]
    assert (changed["field"], changed["old_value"], changed["new_value"]) == (
        "severity",
        "medium",
        "high",
    )
    assert all(e["actor"]["staff_id"] == acme.agent.pk for e in timeline)
    assert all(e["actor"]["token_prefix"] for e in timeline)
    assert timeline[0]["at"] <= timeline[-1]["at"]


def test_a_refused_change_leaves_no_event(acme: Org) -> None:
    case = new_case(acme)
    with pytest.raises(Invalid):
        actions.update_case(
            actor=acme.actor(), case_id=case.pk, expected_version=1, changes={"subject": ""}
        )
    assert kinds(case) == ["case.created"]


def test_timeline_entries_cannot_be_edited_or_deleted(acme: Org) -> None:
    case = new_case(acme)
    event = TimelineEvent.objects.get(case=case)
    event.new_value = "tampered"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        TimelineEvent.objects.filter(case=case).update(new_value="tampered")
    with pytest.raises(TypeError):
        TimelineEvent.objects.filter(case=case).delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE cases_timelineevent SET new_value = 'tampered'",
        "DELETE FROM cases_timelineevent",
    ],
)
def test_the_database_refuses_raw_edits_of_the_timeline(acme: Org, sql: str) -> None:
    """Even SQL that bypasses the ORM cannot rewrite history (a trigger refuses)."""
    if sql.startswith("DELETE") and connection.vendor == "sqlite":
        pytest.skip("SQLite keeps no DELETE trigger (the test database must be emptied)")
    new_case(acme)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert TimelineEvent.objects.filter(new_value="tampered").count() == 0
    assert TimelineEvent.objects.count() == 1


def test_escalation_climbs_one_tier_with_the_handoff_summary(acme: Org, api: Api) -> None:
    """IN1: the manager gets the case with the details and the source of the dispute."""
    case = new_case(acme, owner_id=acme.agent.pk)
    r = api.post(
        f"cases/{case.pk}/escalate",
        {
            "details": "Customer refuses the standard claim answer; third call this week.",
            "source_of_dispute": "Exclusion clause 4.2 read as unfair by the customer",
            "owner_id": acme.manager.pk,
        },
        if_match='"1"',
    )
    assert r.status_code == 200, r.content
    assert r.json()["tier"] == 2
    assert r.json()["owner"]["id"] == acme.manager.pk
    event = api.get(f"cases/{case.pk}/timeline").json()["items"][-1]
    assert event["kind"] == "case.escalated"
    assert event["data"]["from_tier"] == 1
    assert event["data"]["to_tier"] == 2
    assert event["data"]["to_tier_name"] == "Manager"
    assert "unfair" in event["data"]["source_of_dispute"]
    assert event["data"]["old_owner"] == str(acme.agent)


def test_escalation_needs_a_written_handoff_summary(acme: Org, api: Api) -> None:
    """IN1: no escalation without the details and the source of the dispute."""
    case = new_case(acme)
    r = api.post(
        f"cases/{case.pk}/escalate", {"details": " ", "source_of_dispute": ""}, if_match='"1"'
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} >= {"source_of_dispute"}
    assert kinds(case) == ["case.created"]


def test_escalation_to_the_executive_and_no_further(acme: Org, manager_api: Api) -> None:
    """IN1, IN2: three levels; the executive is the top."""
    case = new_case(acme)
    summary = {"details": "Manager could not solve it", "source_of_dispute": "Claim denial"}
    r = manager_api.post(
        f"cases/{case.pk}/escalate",
        {**summary, "to_tier": 3, "owner_id": acme.executive.pk},
        if_match='"1"',
    )
    assert r.status_code == 200
    assert r.json()["tier"] == 3
    again = manager_api.post(f"cases/{case.pk}/escalate", summary, if_match='"2"')
    assert again.status_code == 409
    assert "top tier" in again.json()["detail"]


def test_escalation_owner_must_work_the_target_tier(acme: Org, api: Api) -> None:
    case = new_case(acme)
    r = api.post(
        f"cases/{case.pk}/escalate",
        {"details": "d", "source_of_dispute": "s", "owner_id": acme.accountant.pk},
        if_match='"1"',
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "owner_id"


def test_escalation_cannot_skip_down_or_sideways(acme: Org, api: Api) -> None:
    case = new_case(acme)
    r = api.post(
        f"cases/{case.pk}/escalate",
        {"details": "d", "source_of_dispute": "s", "to_tier": 1},
        if_match='"1"',
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "to_tier"


def test_a_closed_case_must_be_reopened_before_escalating(acme: Org, manager_api: Api) -> None:
    case = new_case(acme)
    case = actions.update_case(
        actor=acme.actor(),
        case_id=case.pk,
        expected_version=1,
        changes={"root_cause": "r", "resolution": "s"},
    )
    case = actions.transition_case(
        actor=acme.actor(), case_id=case.pk, expected_version=case.version, to="resolved"
    )
    r = manager_api.post(
        f"cases/{case.pk}/escalate",
        {"details": "d", "source_of_dispute": "s"},
        if_match=f'"{case.version}"',
    )
    assert r.status_code == 409
    assert r.json()["current"] == "resolved"


def test_logging_contact_marks_the_case_updated_without_a_new_version(acme: Org, api: Api) -> None:
    """EB1: whether a case has been updated is visible from its updated_at."""
    case = new_case(acme)
    before = case.updated_at
    api.post(f"cases/{case.pk}/interactions", {"kind": "contact_attempt", "outcome": "no_answer"})
    case.refresh_from_db()
    assert case.updated_at > before
    assert case.version == 1


def test_tasks_complete_and_reopen_on_the_timeline(acme: Org, api: Api) -> None:
    """ED10: meeting actions are tasks with a named person and a deadline."""
    case = new_case(acme)
    due = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    task = actions.create_task(
        actor=acme.actor(),
        title="Send the plan",
        assignee_id=acme.agent.pk,
        due_at=due,
        case_id=case.pk,
    )
    assert api.post(f"tasks/{task.pk}/complete", if_match='"1"').json()["done"] is True
    assert api.post(f"tasks/{task.pk}/complete", if_match='"2"').status_code == 409
    assert api.post(f"tasks/{task.pk}/reopen", if_match='"2"').json()["done"] is False
    moved = api.patch(f"tasks/{task.pk}", {"due_at": "2026-12-02T09:00:00+08:00"}, if_match='"3"')
    assert moved.json()["due_at"].startswith("2026-12-02T01:00:00")
    assert kinds(case)[-4:] == [
        "task.created",
        "task.completed",
        "task.reopened",
        "task.rescheduled",
    ]
