"""`ladder worker` (issue 5 engine): the loop fires deadlines, runs queued tasks and
works through the outbox; on PostgreSQL, real worker processes prove the guarantees:
two workers never fire a deadline twice, a worker SIGKILLed mid-batch or mid-delivery
loses nothing, and a task run twice changes nothing twice."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ladder.cases.models import Case, TimelineEvent
from ladder.deadlines.actions import schedule_deadline
from ladder.deadlines.models import Deadline, Firing
from ladder.delivery import actions as delivery
from ladder.delivery.models import Delivery, DeliveryAttempt, DeliveryStatus, Integration
from ladder.delivery.tasks import attempt_delivery_task
from ladder.ops.management.commands.worker import WorkerLoop
from tests.conftest import Org, build_org, is_postgres, new_case
from tests.worker_app.kinds import EVENT, KIND
from tests.worker_app.peers import Endpoint, http_endpoint

REPO = Path(__file__).resolve().parent.parent
SECRET = "worker-test-secret"


def schedule_many(o: Org, cases: list[Case], count: int, **payload: Any) -> list[int]:
    due = timezone.now() - dt.timedelta(seconds=1)
    with transaction.atomic():
        return [
            schedule_deadline(
                organization_id=o.org.pk,
                kind=KIND,
                target_id=cases[i % len(cases)].pk,
                case_id=cases[i % len(cases)].pk,
                due_at=due,
                payload=payload,
            ).pk
            for i in range(count)
        ]


def effect_counts() -> dict[int, int]:
    rows = (
        TimelineEvent.objects.filter(kind=EVENT)
        .values("data__deadline")
        .annotate(n=Count("id"))
        .values_list("data__deadline", "n")
    )
    return {int(k): n for k, n in rows}


def assert_fired_exactly_once(ids: list[int]) -> None:
    assert Firing.objects.filter(deadline_id__in=ids).count() == len(ids)
    assert Deadline.objects.filter(pk__in=ids, fired_at__isnull=True).count() == 0
    counts = effect_counts()
    assert sorted(counts) == sorted(ids), "every deadline has its effect"
    assert set(counts.values()) == {1}, "no effect was applied twice"


def test_one_loop_fires_deadlines_runs_tasks_and_delivers(
    acme: Org, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    """issue 5 engine: a --batch loop works until nothing is due, on either database."""
    # A process recycles stale connections between rounds; here that connection holds
    # the test's transaction, so leave it be.
    for module in ("ladder.ops.management.commands.", "django_tasks_db.management.commands.db_"):
        monkeypatch.setattr(f"{module}worker.close_old_connections", lambda: None)
    ids = schedule_many(acme, [new_case(acme)], 7)
    with http_endpoint(SECRET) as endpoint:
        Integration.objects.create(
            organization=acme.org, kind="webhook", url=endpoint.url, secret=SECRET
        )
        with django_capture_on_commit_callbacks(execute=True):
            d = delivery.enqueue_delivery(
                organization_id=acme.org.pk, channel="webhook", idempotency_key="loop-1"
            )
        loop = WorkerLoop(name="loop", interval=0, batch=True, deadline_batch=3, delivery_batch=5)
        loop.run()
        assert endpoint.keys() == ["loop-1"]
    assert_fired_exactly_once(ids)
    assert set(Deadline.objects.values_list("fired_by", flat=True)) == {"loop"}
    d.refresh_from_db()
    assert d.status == DeliveryStatus.DELIVERED
    [task] = DBTaskResult.objects.all()
    assert task.status == "SUCCESSFUL"


# --- real worker processes, PostgreSQL only ----------------------------------------------


@pytest.fixture
def workers() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Starts real `ladder worker` processes on the test database, with the test
    deadline kind loaded through LADDER_EXTRA_APPS; kills what is left at the end."""
    if not is_postgres():
        pytest.skip(
            "needs PostgreSQL: worker processes share the test database (SQLite's test "
            "database is in memory); CI runs it with DATABASE_URL set"
        )
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LADDER_EXTRA_APPS": "tests.worker_app",
        "PYTHONPATH": str(REPO),
        "LADDER_DELIVERY_CLAIM_SECONDS": "3",
        "LADDER_WEBHOOK_TIMEOUT_SECONDS": "2",
        "LADDER_LOG_LEVEL": "WARNING",
    }
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "ladder.cli", "worker", "--name", name, *args]
        process = subprocess.Popen(command, cwd=REPO, env=env)  # noqa: S603 (our own command)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def wait_until(check: Callable[[], bool], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_fire_2000_due_deadlines_each_exactly_once(workers: Any) -> None:
    """issue 5 engine: two worker processes on the same due rows: nothing twice."""
    o = build_org("two", "TWO")
    cases = [new_case(o) for _ in range(5)]
    ids = schedule_many(o, cases, 2000, sleep=0.0005)
    a = workers("w-a", "--batch", "--deadline-batch", "100")
    b = workers("w-b", "--batch", "--deadline-batch", "100")
    assert a.wait(timeout=120) == 0
    assert b.wait(timeout=120) == 0
    assert_fired_exactly_once(ids)
    by_worker = dict(
        Deadline.objects.values("fired_by").annotate(n=Count("id")).values_list("fired_by", "n")
    )
    assert set(by_worker) == {"w-a", "w-b"}, by_worker  # both took a share
    assert sum(by_worker.values()) == 2000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(workers: Any) -> None:
    """issue 5 engine: SIGKILL a worker inside a firing transaction: its batch rolls
    back, and another worker fires everything, once."""
    o = build_org("kill", "KILL")
    cases = [new_case(o) for _ in range(3)]
    ids = schedule_many(o, cases, 600, sleep=0.005)  # a batch of 100 takes ~0.5 s
    victim = workers("victim", "--deadline-batch", "100", "--interval", "0.1")
    assert wait_until(lambda: Firing.objects.exists(), timeout=60)
    time.sleep(0.25)  # well inside the next batch
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    killed_at = Firing.objects.count()
    assert 0 < killed_at < 600
    assert killed_at % 100 == 0, "only whole batches were committed"
    survivor = workers("survivor", "--deadline-batch", "100", "--interval", "0.1")
    assert wait_until(lambda: Firing.objects.count() == 600, timeout=120)
    assert stop(survivor) == 0  # SIGTERM: finishes its batch and exits cleanly
    assert_fired_exactly_once(ids)
    assert Deadline.objects.filter(fired_by="survivor").count() == 600 - killed_at


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    with http_endpoint(SECRET) as e:
        yield e


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_is_taken_over_after_its_claim(
    workers: Any, endpoint: Endpoint
) -> None:
    """issue 5 engine: SIGKILL a worker while its webhook call hangs: after the claim
    runs out another worker delivers it; the receiver sees the same Idempotency-Key
    (twice: that is what the key is for) and Ladder records one delivered row."""
    o = build_org("hang", "HANG")
    Integration.objects.create(organization=o.org, kind="webhook", url=endpoint.url, secret=SECRET)
    endpoint.stall_first = 1
    victim = workers("victim", "--interval", "0.1")
    with transaction.atomic():
        d = delivery.enqueue_delivery(
            organization_id=o.org.pk, channel="webhook", idempotency_key="hang-1", body="hello"
        )
    assert endpoint.wait_for(1, timeout=30), "the victim made its call"
    d.refresh_from_db()
    assert d.status == DeliveryStatus.SENDING
    assert d.claimed_by in ("victim", "task:victim")  # by the task, or by deliver_due
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    endpoint.release.set()
    survivor = workers("survivor", "--interval", "0.2")
    assert wait_until(
        lambda: Delivery.objects.get(pk=d.pk).status == DeliveryStatus.DELIVERED, timeout=60
    )
    assert stop(survivor) == 0
    d.refresh_from_db()
    assert (d.attempts, d.claimed_by) == (2, "survivor")
    assert endpoint.keys() == ["hang-1", "hang-1"]
    assert all(r.signed for r in endpoint.requests)
    assert Delivery.objects.filter(idempotency_key="hang-1").count() == 1
    [attempt] = DeliveryAttempt.objects.filter(delivery=d)  # the victim recorded nothing
    assert (attempt.number, attempt.outcome, attempt.worker) == (2, "delivered", "survivor")
    # django-tasks-db leaves a killed worker's task RUNNING for ever (django-tasks-db#5):
    # nothing depends on it, the outbox row is the record.
    assert set(DBTaskResult.objects.values_list("status", flat=True)) <= {"RUNNING", "SUCCESSFUL"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_task_run_twice_changes_nothing_twice(workers: Any, endpoint: Endpoint) -> None:
    """issue 5 engine: the same attempt task queued twice and run by a real worker:
    one request, one attempt, one delivered row, both tasks successful."""
    o = build_org("twice", "TWICE")
    Integration.objects.create(organization=o.org, kind="webhook", url=endpoint.url, secret=SECRET)
    with transaction.atomic():
        d = delivery.enqueue_delivery(
            organization_id=o.org.pk, channel="webhook", idempotency_key="twice-1"
        )
    attempt_delivery_task.enqueue(delivery_id=d.pk)  # a duplicate of the on-commit one
    assert DBTaskResult.objects.count() == 2
    worker = workers("w", "--batch")
    assert worker.wait(timeout=60) == 0
    assert endpoint.keys() == ["twice-1"]
    assert DeliveryAttempt.objects.filter(delivery=d).count() == 1
    d.refresh_from_db()
    assert (d.status, d.attempts) == (DeliveryStatus.DELIVERED, 1)
    results = list(DBTaskResult.objects.values_list("status", "return_value"))
    assert results == [("SUCCESSFUL", "delivered")] * 2
