"""`ladder worker`: one loop per process that fires due deadlines, runs queued
django-tasks tasks, works through the delivery outbox, processes received signals and
refreshes the health scores that are a day old. Run as many as you like, on one host or
several: every step claims its rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a
conditional UPDATE everywhere), so none does the same thing twice."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from argparse import ArgumentParser
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker as TaskWorker
from django_tasks_db.models import DBTaskResult

from ladder.deadlines.actions import fire_batch
from ladder.delivery.actions import deliver_due
from ladder.health.processing import process_signals
from ladder.health.score import refresh_stale

logger = logging.getLogger("ladder.worker")

# Deadline batches per round before the worker turns to tasks and deliveries: a long
# backlog of deadlines cannot starve the outbox.
BATCHES_PER_ROUND = 20


@dataclass
class Round:
    fired: int = 0
    claimed: int = 0
    tasks: int = 0
    deliveries: int = 0
    signals: int = 0
    health: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.claimed or self.tasks or self.deliveries or self.signals or self.health)


class WorkerLoop:
    def __init__(
        self,
        *,
        name: str,
        interval: float,
        batch: bool,
        deadline_batch: int,
        delivery_batch: int,
        signal_batch: int = 500,
    ) -> None:
        self.name = name
        self.interval = interval
        self.batch = batch
        self.deadline_batch = deadline_batch
        self.delivery_batch = delivery_batch
        self.signal_batch = signal_batch
        self.stopping = threading.Event()

    def stop(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping.is_set():
            raise SystemExit(1)  # a second signal: stop now
        logger.warning(
            "worker=%s %s: finishing the batch, then stopping", self.name, signal.strsignal(signum)
        )
        self.stopping.set()

    def run(self) -> None:
        logger.warning("worker=%s started (pid %s)", self.name, os.getpid())
        while not self.stopping.is_set():
            close_old_connections()
            done = self.round()
            close_old_connections()
            if done.busy:
                continue
            if self.batch:
                break
            self.stopping.wait(self.interval)
        logger.warning("worker=%s stopped", self.name)

    def round(self) -> Round:
        done = Round()
        for _ in range(BATCHES_PER_ROUND):
            if self.stopping.is_set():
                return done
            started = time.monotonic()
            result = fire_batch(limit=self.deadline_batch, worker=self.name)
            if not result.claimed:
                break
            done.claimed += result.claimed
            done.fired += result.fired
            logger.info(
                "worker=%s deadlines claimed=%s applied=%s stale=%s failed=%s retrying=%s in %.3fs",
                self.name,
                result.claimed,
                result.applied,
                result.stale,
                result.failed,
                result.retrying,
                time.monotonic() - started,
            )
            if result.claimed < self.deadline_batch:
                break
        if not self.stopping.is_set():
            done.tasks = self.run_tasks()
        if not self.stopping.is_set():
            started = time.monotonic()
            done.deliveries = deliver_due(limit=self.delivery_batch, worker=self.name)
            if done.deliveries:
                logger.info(
                    "worker=%s deliveries attempted=%s in %.3fs",
                    self.name,
                    done.deliveries,
                    time.monotonic() - started,
                )
        if not self.stopping.is_set():
            done.signals = self.run_signals()
        if not self.stopping.is_set():
            # Decay changes health scores without new signals: each round refreshes a
            # batch of those computed more than a day ago (MT1, docs/health.md).
            started = time.monotonic()
            done.health = refresh_stale(at=timezone.now(), limit=self.deadline_batch)
            if done.health:
                logger.info(
                    "worker=%s health scores refreshed=%s in %.3fs",
                    self.name,
                    done.health,
                    time.monotonic() - started,
                )
        return done

    def run_signals(self) -> int:
        """MT1: one batch of received signals through the account rules and the score."""
        started = time.monotonic()
        result = process_signals(limit=self.signal_batch)
        if result.signals:
            logger.info(
                "worker=%s signals processed=%s customers=%s failed=%s in %.3fs",
                self.name,
                result.signals,
                result.customers,
                result.failed,
                time.monotonic() - started,
            )
        return result.signals

    def run_tasks(self) -> int:
        """Runs the queued django-tasks tasks (at most a batch), with django-tasks-db's
        own worker: its claim, its bookkeeping, its signals. A fresh one a round, in
        batch mode, so it returns when the queue is empty; it installs no signal
        handlers, ours stay in charge."""
        tasks = TaskRunner(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=self.delivery_batch,
            worker_id=self.name[:64],
            excluded_queue_names=[],
        )
        tasks.run()
        ran = tasks.ran
        if ran:
            logger.info("worker=%s tasks ran=%s", self.name, ran)
        return ran


class TaskRunner(TaskWorker):
    """django-tasks-db's worker, counting what it ran."""

    ran = 0

    def run_task(self, db_task_result: DBTaskResult[Any, Any]) -> None:
        try:
            super().run_task(db_task_result)
        finally:
            self.ran += 1


def default_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{get_random_string(4)}"


class Command(BaseCommand):
    help = "Run the background worker: deadlines, queued tasks, the delivery outbox, signals."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="work until nothing is due, then exit"
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls when idle"
        )
        parser.add_argument(
            "--name", default="", help="this worker's name in the records (default: host-pid)"
        )
        parser.add_argument(
            "--deadline-batch", type=int, default=500, help="deadlines claimed per transaction"
        )
        parser.add_argument(
            "--delivery-batch", type=int, default=50, help="deliveries and tasks per round"
        )
        parser.add_argument(
            "--signal-batch", type=int, default=500, help="signals processed per transaction"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not logger.handlers and options["verbosity"] >= 1:
            handler = logging.StreamHandler(self.stdout)
            handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False
        loop = WorkerLoop(
            name=options["name"] or default_name(),
            interval=options["interval"],
            batch=options["batch"],
            deadline_batch=options["deadline_batch"],
            delivery_batch=options["delivery_batch"],
            signal_batch=options["signal_batch"],
        )
        signal.signal(signal.SIGTERM, loop.stop)
        signal.signal(signal.SIGINT, loop.stop)
        loop.run()
