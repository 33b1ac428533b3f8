"""Signal processing in the worker (MT1): stored signals reach the active playbook's
account rules (``signal.received``) and the customer's open cases (``case.signal``),
and are marked processed; real worker processes each take a share, none twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Count
from django.utils import timezone

from ladder.cases.models import Case, TimelineEvent
from ladder.customers.models import Customer
from ladder.health.intake import ingest_signals
from ladder.health.models import Signal
from ladder.health.processing import process_signals
from ladder.money import make_money
from ladder.ops.management.commands.worker import WorkerLoop
from ladder.playbooks.models import AccountDecision
from tests.conftest import Org, build_org, new_case
from tests.playbook_setup import install_playbook
from tests.test_worker import wait_until, workers

__all__ = ["workers"]  # the fixture that starts real `ladder worker` processes

BOOK = """
playbook: signals
title: {en: Signal watch, zh-hans: 信号关注}
languages: [en, zh-hans]
tiers:
  - {level: 1, name: {en: Agent, zh-hans: 客服}, role: agent}
  - {level: 2, name: {en: Manager, zh-hans: 经理}, role: manager}
rules:
  - name: big_past_due_opens_a_case
    when: signal.received
    with: {signal: past_due}
    if: {field: event.value, op: gte, value: 1000}
    do:
      - open_case:
          kind: escalation
          subject: {en: Large invoice past due, zh-hans: 大额账单逾期}
          severity: high
  - name: upset_raises_the_case
    when: case.signal
    with: {signal: upset}
    do:
      - set_severity: critical
"""


def _rows(o: Org, kind: str, count: int, *, value: str = "", prefix: str = "s") -> list[Any]:
    at = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    return [
        {
            "customer_id": o.customer.pk,
            "kind": kind,
            "occurred_at": at,
            "source": "billing",
            "source_id": f"{prefix}{i}",
            "value": value,
        }
        for i in range(count)
    ]


def _setup(o: Org) -> None:
    install_playbook(o.org, BOOK)
    Customer.objects.filter(pk=o.customer.pk).update(
        owner=o.manager, mrr=make_money("100.00", "CNY", "mrr")
    )


def test_processing_fires_the_account_rule_and_marks_the_signal(acme: Org) -> None:
    """MT1: a stored past-due signal worth 1,500 opens the proactive case through the
    signal.received rule (which reads event.value); one worth 10 does not; both are
    marked processed."""
    _setup(acme)
    ingest_signals(actor=acme.actor(), rows=_rows(acme, "past_due", 1, value="10", prefix="low"))
    assert process_signals().signals == 1
    assert not Case.objects.filter(customer=acme.customer).exists()
    ingest_signals(actor=acme.actor(), rows=_rows(acme, "past_due", 1, value="1500"))
    assert not Case.objects.filter(customer=acme.customer).exists()  # stored, not yet heard
    done = process_signals()
    assert (done.signals, done.customers, done.failed) == (1, 1, 0)
    case = Case.objects.get(customer=acme.customer)
    assert (case.kind, case.channel, case.severity, case.owner) == (
        "escalation",
        "signal",
        "high",
        acme.manager,
    )
    decision = AccountDecision.objects.get(customer=acme.customer)
    assert (decision.rule, decision.trigger) == ("big_past_due_opens_a_case", "signal.received")
    assert not Signal.objects.filter(processed_at__isnull=True).exists()
    assert process_signals().signals == 0


def test_a_signal_reaches_the_open_case_on_its_timeline(acme: Org) -> None:
    """MT1: the upset customer's open case hears the signal (case.signal) and records
    it on its timeline with the signal's source."""
    _setup(acme)
    case = new_case(acme)
    ingest_signals(actor=acme.actor(), rows=_rows(acme, "upset", 1))
    process_signals()
    case.refresh_from_db()
    assert case.severity == "critical"
    event = TimelineEvent.objects.get(case=case, kind="signal.received")
    assert (event.data["signal"], event.data["source"], event.data["source_id"]) == (
        "upset",
        "billing",
        "s0",
    )


def test_the_worker_loop_processes_signals_in_batches(acme: Org, monkeypatch: Any) -> None:
    """MT1: `ladder worker --batch` works through every stored signal, a batch per
    transaction, then stops."""
    monkeypatch.setattr("ladder.ops.management.commands.worker.close_old_connections", lambda: None)
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    _setup(acme)
    ingest_signals(actor=acme.actor(), rows=_rows(acme, "engagement_drop", 25))
    loop = WorkerLoop(
        name="loop", interval=0, batch=True, deadline_batch=10, delivery_batch=10, signal_batch=10
    )
    loop.run()
    assert Signal.objects.filter(processed_at__isnull=True).count() == 0
    assert len(set(Signal.objects.values_list("processed_at", flat=True))) == 3  # 10 + 10 + 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_process_each_signal_once(workers: Any) -> None:
    """MT1: two real worker processes on 1,200 signals: each signal reaches the open
    case's timeline exactly once (SKIP LOCKED: no batch is taken twice)."""
    o = build_org("sig", "SIG")
    install_playbook(o.org, BOOK)
    case = new_case(o)
    ingest_signals(actor=o.actor(), rows=_rows(o, "complaint", 1200))
    a = workers("w-a", "--batch", "--signal-batch", "50")
    b = workers("w-b", "--batch", "--signal-batch", "50")
    assert a.wait(timeout=180) == 0
    assert b.wait(timeout=180) == 0
    assert wait_until(lambda: not Signal.objects.filter(processed_at__isnull=True).exists())
    heard = (
        TimelineEvent.objects.filter(case=case, kind="signal.received")
        .values("data__source_id")
        .annotate(n=Count("id"))
    )
    counts = {row["data__source_id"]: row["n"] for row in heard}
    assert len(counts) == 1200
    assert set(counts.values()) == {1}
