"""Optimistic concurrency: every update carries the version it was based on."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from ladder.cases import actions
from ladder.cases.models import Case, TimelineEvent
from ladder.errors import StaleVersion
from tests.conftest import Api, Org, build_org, is_postgres, new_case


def test_an_update_without_if_match_is_refused_with_428(acme: Org, api: Api) -> None:
    case = new_case(acme)
    r = api.patch(f"cases/{case.pk}", {"subject": "New subject"})
    assert r.status_code == 428
    assert "If-Match" in r.json()["detail"]
    case.refresh_from_db()
    assert case.subject == "Tutor did not show up"


def test_a_stale_update_gets_412_and_the_current_state(acme: Org, api: Api) -> None:
    """Two agents read version 1; the second write is refused, not silently lost."""
    case = new_case(acme)
    first = api.patch(f"cases/{case.pk}", {"subject": "First edit"}, if_match='"1"')
    assert first.status_code == 200
    assert first["ETag"] == '"2"'
    second = api.patch(f"cases/{case.pk}", {"subject": "Second edit"}, if_match='"1"')
    assert second.status_code == 412
    body = second.json()
    assert body["current"]["subject"] == "First edit"
    assert body["current"]["version"] == 2
    assert "version 1" in body["detail"]
    case.refresh_from_db()
    assert case.subject == "First edit"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("transition", {"to": "in_progress"}),
        ("assign", {"owner_id": None}),
        ("escalate", {"details": "Refund refused twice", "source_of_dispute": "Policy"}),
    ],
)
def test_every_case_action_checks_the_version(
    acme: Org, manager_api: Api, path: str, body: dict[str, Any]
) -> None:
    case = new_case(acme, owner_id=acme.agent.pk)
    actions.update_case(
        actor=acme.actor(), case_id=case.pk, expected_version=1, changes={"severity": "high"}
    )
    events = TimelineEvent.objects.filter(case=case).count()
    r = manager_api.post(f"cases/{case.pk}/{path}", body, if_match='"1"')
    assert r.status_code == 412
    assert r.json()["current"]["version"] == 2
    assert TimelineEvent.objects.filter(case=case).count() == events


def test_tasks_check_their_version_too(acme: Org, api: Api) -> None:
    r = api.post(
        "tasks",
        {
            "title": "Call the parent",
            "assignee_id": acme.agent.pk,
            "due_at": "2026-12-01T09:00:00Z",
        },
    )
    task = r.json()
    assert api.post(f"tasks/{task['id']}/complete", if_match='"1"').status_code == 200
    stale = api.post(f"tasks/{task['id']}/reopen", if_match='"1"')
    assert stale.status_code == 412
    assert stale.json()["current"]["done"] is True


def test_the_conditional_update_refuses_a_writer_that_read_an_old_version(acme: Org) -> None:
    """Even if a second writer got past the version check (no row locks on SQLite), the
    conditional UPDATE … WHERE version = N refuses it."""
    case = new_case(acme)
    Case.objects.filter(pk=case.pk).update(version=2)  # another writer committed
    with pytest.raises(StaleVersion):
        actions._save_case(case, 1, ["subject"], case.updated_at)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_on_postgres_one_wins() -> None:
    """Row locks and real concurrency need PostgreSQL: eight threads send the same
    version, exactly one update lands and the others get StaleVersion."""
    if not is_postgres():
        pytest.skip("needs PostgreSQL (row locks); CI runs it with DATABASE_URL set")
    o = build_org("race", "RACE")
    case = new_case(o)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def worker(i: int) -> None:
        barrier.wait()
        try:
            actions.update_case(
                actor=o.actor(o.manager),
                case_id=case.pk,
                expected_version=1,
                changes={"subject": f"edit {i}"},
            )
            results.append("ok")
        except StaleVersion:
            results.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok"] + ["stale"] * 7
    case.refresh_from_db()
    assert case.version == 2
    assert TimelineEvent.objects.filter(case=case, kind="case.field_changed").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_never_repeat_a_reference() -> None:
    if not is_postgres():
        pytest.skip("needs PostgreSQL (concurrent writers); CI runs it with DATABASE_URL set")
    o = build_org("burst", "BRST")
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            for _ in range(5):
                new_case(o)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    refs = list(Case.objects.filter(organization=o.org).values_list("reference", flat=True))
    assert len(refs) == len(set(refs)) == 40
    o.org.refresh_from_db()
    assert o.org.last_case_number == 40


def test_an_empty_customer_patch_changes_no_version(acme: Org, api: Api) -> None:
    r = api.patch(f"customers/{acme.customer.pk}", {}, if_match='"1"')
    assert r.status_code == 200
    assert r.json()["version"] == 1
    assert r["ETag"] == '"1"'
    stale = api.patch(f"customers/{acme.customer.pk}", {"name": "Renamed"}, if_match='"1"')
    assert stale.status_code == 200
    again = api.patch(f"customers/{acme.customer.pk}", {"name": "Again"}, if_match='"1"')
    assert again.status_code == 412
    assert again.json()["current"]["name"] == "Renamed"
