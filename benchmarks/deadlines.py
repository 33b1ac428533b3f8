"""Deadlines under a burst: 100,000 open cases, each with a running clock and an
unfired deadline, of which 10,000 fall due at the same moment; two real `ladder
worker` processes fire them.

    python benchmarks/deadlines.py           # what `make bench-deadlines` runs
    python benchmarks/deadlines.py --cases 20000 --burst 2000   # a quick look

It makes its own PostgreSQL database (``ladder_bench_deadlines``, dropped at the end
unless ``--keep``), migrated with ``ladder migrate``, with the organization, staff and
customers made through our actions and the cases bulk-loaded by
:mod:`benchmarks.dataset` (the case benchmark's loader). Then, with plain SQL: every
case is made open, gets a running clock (an open follow-up task due in 24 hours) and
a ``bench.breach`` deadline on it (see :mod:`benchmarks.clock_app.kinds`), due in a
month. A round moves one tenth of the deadlines (``id % 10 = k``) to the same instant
a few seconds ahead, starts two workers (production settings, default ``--interval``
of 1 s) and measures, from the rows themselves:

- time until all fired: the last ``fired_at`` minus the due time;
- burst rate: fired rows a second between the first and the last firing;
- lateness (``fired_at - due_at``), p50 and p99;
- exactly once: one Firing and one ``clock.breached`` timeline event per deadline,
  none elsewhere.

Round 1 runs both workers to the end; round 2 SIGKILLs one of them a third of the way
through the burst. The floor is a plain-SQL sweep of another tenth, made due: ``UPDATE
… SET fired_at = now() … FOR UPDATE SKIP LOCKED … RETURNING`` in batches of 500, from
one connection, with no effect and no Firing rows. Exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import dataset
from benchmarks.run import (
    database_url,
    drop_database,
    loadavg,
    machine,
    migrate_and_set_up,
    p,
    production_env,
    recreate_database,
    say,
)

REPO = Path(__file__).resolve().parent.parent
KIND = "bench.breach"

# The targets (from the issue).
ALL_FIRED_S = 60.0
P99_LATENESS_S = 5.0
BURST_RATE = 2000.0

OPEN_STATUSES = ("new", "in_progress", "awaiting_customer", "awaiting_approval")


@dataclass
class RoundResult:
    name: str
    due: int
    fired: int
    firings: int
    effects: int
    distinct_effects: int
    stray: int  # fired rows outside the round's tenth
    all_fired_s: float
    burst_rate: float
    p50_s: float
    p99_s: float
    max_s: float
    by_worker: dict[str, int]
    killed: str = ""

    @property
    def exactly_once(self) -> bool:
        return (
            self.fired == self.due
            and self.firings == self.due
            and self.effects == self.due
            and self.distinct_effects == self.due
            and self.stray == 0
        )


def prepare(db_url: str, staff_id: int) -> None:
    """Open cases, one running clock and one far-off deadline each, in plain SQL."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE cases_case SET status = 'in_progress' WHERE NOT status = ANY(%s)",
            [list(OPEN_STATUSES)],
        )
        conn.execute("DELETE FROM cases_task")
        conn.execute(
            "INSERT INTO cases_task (organization_id, case_id, title, assignee_id, due_at, "
            "done, version, created_at) SELECT organization_id, id, "
            "'Meeting with the customer within 24 hours', %s, now() + interval '1 day', "
            "false, 1, now() FROM cases_case",
            [staff_id],
        )
        conn.execute(
            "INSERT INTO deadlines_deadline (organization_id, case_id, kind, target_id, "
            "due_at, payload, created_at, fired_by, attempts, last_error) "
            "SELECT organization_id, case_id, %s, id, now() + interval '30 days', '{}', "
            "now(), '', 0, '' FROM cases_task ORDER BY id",
            [KIND],
        )
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")


def start_worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "ladder.cli", "worker", "--name", name],
        cwd=REPO,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def fired_in(conn: psycopg.Connection[Any], k: int) -> int:
    row = conn.execute(
        "SELECT count(*) FROM deadlines_deadline WHERE id %% 10 = %s AND fired_at IS NOT NULL",
        [k],
    ).fetchone()
    return int(row[0]) if row else 0


def run_round(
    db_url: str, env: dict[str, str], workdir: Path, k: int, *, kill: bool, lead: float
) -> RoundResult:
    name = f"round {k + 1}" + (" (one worker SIGKILLed mid-burst)" if kill else "")
    with psycopg.connect(db_url, autocommit=True) as conn:
        due_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lead)
        due = conn.execute(
            "UPDATE deadlines_deadline SET due_at = %s WHERE id %% 10 = %s", [due_at, k]
        ).rowcount
        workers = {
            n: start_worker(env, n, workdir / f"{n}.log") for n in (f"r{k + 1}-a", f"r{k + 1}-b")
        }
        killed = ""
        give_up = time.monotonic() + lead + 180
        while time.monotonic() < give_up:
            done = fired_in(conn, k)
            if kill and not killed and done >= due // 3:
                killed = f"r{k + 1}-a"
                workers[killed].send_signal(signal.SIGKILL)
                say(f"  SIGKILLed {killed} at {done:,} of {due:,} fired")
            if done >= due:
                break
            time.sleep(0.1)
        for process in workers.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in workers.values():
            process.wait(timeout=60)
        lateness = [
            float(r[0])
            for r in conn.execute(
                "SELECT extract(epoch FROM fired_at - due_at) FROM deadlines_deadline "
                "WHERE id %% 10 = %s AND fired_at IS NOT NULL",
                [k],
            )
        ]
        span = conn.execute(
            "SELECT extract(epoch FROM max(fired_at) - min(due_at)), "
            "extract(epoch FROM max(fired_at) - min(fired_at)) FROM deadlines_deadline "
            "WHERE id %% 10 = %s",
            [k],
        ).fetchone()
        firings = conn.execute(
            "SELECT count(*) FROM deadlines_firing f JOIN deadlines_deadline d "
            "ON d.id = f.deadline_id WHERE d.id %% 10 = %s",
            [k],
        ).fetchone()
        effects = conn.execute(
            "SELECT count(*), count(DISTINCT data->>'deadline') FROM cases_timelineevent "
            "WHERE kind = 'clock.breached' AND (data->>'deadline')::bigint %% 10 = %s",
            [k],
        ).fetchone()
        stray = conn.execute(
            "SELECT count(*) FROM deadlines_deadline WHERE id %% 10 > %s AND fired_at IS NOT NULL",
            [k],
        ).fetchone()
        by_worker: dict[Any, Any] = dict(
            conn.execute(
                "SELECT fired_by, count(*) FROM deadlines_deadline WHERE id %% 10 = %s "
                "AND fired_at IS NOT NULL GROUP BY fired_by ORDER BY fired_by",
                [k],
            ).fetchall()
        )
    all_fired = float(span[0]) if span and span[0] is not None else float("inf")
    spread = float(span[1]) if span and span[1] is not None else 0.0
    return RoundResult(
        name=name,
        due=due,
        fired=len(lateness),
        firings=int(firings[0]) if firings else 0,
        effects=int(effects[0]) if effects else 0,
        distinct_effects=int(effects[1]) if effects else 0,
        stray=int(stray[0]) if stray else 0,
        all_fired_s=all_fired,
        burst_rate=(len(lateness) / spread) if spread > 0 else float("inf"),
        p50_s=p(lateness, 50) if lateness else float("inf"),
        p99_s=p(lateness, 99) if lateness else float("inf"),
        max_s=max(lateness) if lateness else float("inf"),
        by_worker={str(w): int(n) for w, n in by_worker.items()},
        killed=killed,
    )


def sql_floor(db_url: str, k: int, batch: int = 500) -> tuple[int, float]:
    """The same sweep with nothing but SQL: claim, mark fired, return the ids."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE deadlines_deadline SET due_at = now() - interval '1 second' "
            "WHERE id %% 10 = %s",
            [k],
        )
        swept = 0
        started = time.perf_counter()
        while True:
            rows = conn.execute(
                "WITH due AS (SELECT id FROM deadlines_deadline WHERE fired_at IS NULL "
                "AND cancelled_at IS NULL AND due_at <= now() ORDER BY due_at, id "
                "LIMIT %s FOR UPDATE SKIP LOCKED) UPDATE deadlines_deadline d "
                "SET fired_at = now(), fired_by = 'sql' FROM due WHERE d.id = due.id "
                "RETURNING d.id",
                [batch],
            ).fetchall()
            if not rows:
                break
            swept += len(rows)
        return swept, time.perf_counter() - started


def verdicts(rounds: list[RoundResult]) -> list[tuple[str, str, bool]]:
    out = []
    for r in rounds:
        out += [
            (
                f"{r.name}: all {r.due:,} fired within {ALL_FIRED_S:.0f} s",
                f"{r.all_fired_s:.2f} s",
                r.fired == r.due and r.all_fired_s <= ALL_FIRED_S,
            ),
            (
                f"{r.name}: p99 lateness <= {P99_LATENESS_S:.0f} s",
                f"{r.p99_s:.2f} s",
                r.p99_s <= P99_LATENESS_S,
            ),
            (
                f"{r.name}: burst >= {BURST_RATE:,.0f}/s",
                f"{r.burst_rate:,.0f}/s",
                r.burst_rate >= BURST_RATE,
            ),
            (
                f"{r.name}: none twice, none lost",
                f"{r.fired:,} fired, {r.firings:,} firings, {r.effects:,} effects "
                f"({r.distinct_effects:,} distinct), {r.stray} stray",
                r.exactly_once,
            ),
        ]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--db", default="ladder_bench_deadlines")
    ap.add_argument(
        "--admin-dsn",
        default=os.environ.get("BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    ap.add_argument("--lead", type=float, default=8.0, help="seconds from start to the burst")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args(argv)

    info = machine()
    with psycopg.connect(a.admin_dsn) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        info["postgresql"] = str(row[0]) if row else ""
    say(f"Ladder deadline benchmark, {info}")
    db_url = database_url(a.admin_dsn, a.db)
    env = production_env(db_url)
    env["LADDER_EXTRA_APPS"] = "benchmarks.clock_app"
    env["PYTHONPATH"] = str(REPO)
    env["LADDER_LOG_LEVEL"] = "WARNING"
    workdir = Path(tempfile.mkdtemp(prefix="ladder-bench-deadlines-"))
    recreate_database(a.admin_dsn, a.db)
    try:
        migrate_and_set_up(env)
        cast = dataset.build_cast(customers=200)
        from django.db import connections

        connections.close_all()
        say(f"loading {a.cases:,} cases (load average {loadavg()}) ...")
        report = dataset.load_cases(
            dsn=db_url, cast=cast, count=a.cases, now=dt.datetime.now(dt.UTC)
        )
        started = time.perf_counter()
        prepare(db_url, cast.staff[0].id)
        say(
            f"  {report.cases:,} cases loaded in {report.seconds:.0f} s; clocks and "
            f"deadlines added in {time.perf_counter() - started:.0f} s"
        )
        rounds = []
        for k, kill in ((0, False), (1, True)):
            say(f"\n{'round ' + str(k + 1)}: load average {loadavg()}")
            r = run_round(db_url, env, workdir, k, kill=kill, lead=a.lead)
            rounds.append(r)
            say(
                f"  {r.fired:,}/{r.due:,} fired; all fired {r.all_fired_s:.2f} s after the "
                f"due time; burst {r.burst_rate:,.0f}/s; lateness p50 {r.p50_s:.2f} s, "
                f"p99 {r.p99_s:.2f} s, max {r.max_s:.2f} s; by worker {r.by_worker}"
            )
        swept, seconds = sql_floor(db_url, 2)
        say(
            f"\nfloor: plain-SQL sweep of {swept:,} due rows in {seconds:.2f} s = "
            f"{swept / seconds:,.0f}/s (batches of 500, one connection, no effect)"
        )
        say("\n| target | measured | verdict |\n| --- | --- | --- |")
        missed = 0
        for label, measured, ok in verdicts(rounds):
            missed += not ok
            say(f"| {label} | {measured} | {'met' if ok else '**missed**'} |")
        say(f"\nworker logs in {workdir}")
        return 1 if missed else 0
    finally:
        if not a.keep:
            drop_database(a.admin_dsn, a.db)


if __name__ == "__main__":
    sys.exit(main())
