"""Signal intake at volume: 50,000 customers, 1,000,000 signals (2% of the rows repeat
an earlier row's source id, so de-duplication is on the path).

    python benchmarks/signals.py                  # what `make bench-signals` runs
    python benchmarks/signals.py --customers 5000 --signals 100000   # a quick look

It makes its own PostgreSQL database (``ladder_bench_signals``, dropped at the end
unless ``--keep``), migrated with ``ladder migrate``; the organization, staff, the
first 200 customers and the API token are made through our actions
(:func:`benchmarks.dataset.build_cast`), the other customers copied from one of them
with plain SQL. The signals are generated once, seeded, and each measurement starts
from an empty ``health_signal``:

(a) floor: psycopg ``COPY`` of the distinct rows straight into ``health_signal``;
(b) the bulk API over HTTP (gunicorn, production settings): 10,000 rows a request,
    several client threads, bodies encoded before the clock starts;
(c) the CSV import through ``ladder import-signals`` (one process, chunks of 5,000);
(d) recomputing every customer's health score (``recompute_all``, what
    ``ladder recompute-health`` runs), in SQL, one transaction per chunk;
(e) one signal per ``POST /api/v1/signals`` at 8 closed-loop clients for 20 s, on top
    of the million rows (c) left, once the table is vacuumed and checkpointed.

It prints signals/s for each and the ratio to the floor, and exits 1 if a target is
missed. The worker's processing of the signals is not part of it.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg

if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import dataset, loadgen
from benchmarks.run import (
    HOST,
    ServerConfig,
    database_url,
    drop_database,
    loadavg,
    machine,
    migrate_and_set_up,
    production_env,
    recreate_database,
    say,
    serve,
)

REPO = Path(__file__).resolve().parent.parent

# The targets (from the issue).
IMPORT_RATE = 50_000.0
IMPORT_RATIO = 0.2
SINGLE_RATE = 500.0
RECOMPUTE_S = 60.0

KINDS = (
    "past_due",
    "reluctance_to_pay",
    "engagement_drop",
    "usage_drop",
    "unresponsive",
    "nps_detractor",
    "complaint",
    "unused_hours",
)
SOURCES = ("billing", "product", "crm", "lms")
COLUMNS = ("customer_id", "kind", "occurred_at", "source", "source_id", "value", "note")
BATCH = 10_000


@dataclass
class Rows:
    """The generated signals (``rows``, with repeats) and how many are distinct."""

    rows: list[tuple[int, str, str, str, str, str, str]]
    distinct: int


def add_customers(db_url: str, organization_id: int, total: int) -> list[int]:
    """Copies customer rows until the organization has ``total``; returns their ids."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        have = conn.execute(
            "SELECT count(*) FROM customers_customer WHERE organization_id = %s",
            [organization_id],
        ).fetchone()
        missing = total - int(have[0] if have else 0)
        if missing > 0:
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = 'customers_customer' AND column_name <> 'id' "
                    "ORDER BY ordinal_position"
                )
            ]
            chosen = ", ".join(names)
            picked = ", ".join("'Bench customer ' || g" if n == "name" else f"c.{n}" for n in names)
            conn.execute(
                f"INSERT INTO customers_customer ({chosen}) SELECT {picked} "
                "FROM generate_series(1, %s) g, (SELECT * FROM customers_customer "
                "WHERE organization_id = %s ORDER BY id LIMIT 1) c",
                [missing, organization_id],
            )
            conn.execute("ANALYZE customers_customer")
        return [
            int(r[0])
            for r in conn.execute(
                "SELECT id FROM customers_customer WHERE organization_id = %s ORDER BY id",
                [organization_id],
            )
        ]


def generate(customer_ids: list[int], count: int, now: dt.datetime) -> Rows:
    rng = random.Random(dataset.SEED)
    rows: list[tuple[int, str, str, str, str, str, str]] = []
    for i in range(count):
        if i % 50 == 49:  # 2%: an earlier row sent again
            earlier = rows[rng.randrange(len(rows))]
            rows.append(earlier)
            continue
        source = SOURCES[i % len(SOURCES)]
        at = now - dt.timedelta(seconds=rng.randrange(90 * 86_400))
        rows.append(
            (
                customer_ids[rng.randrange(len(customer_ids))],
                KINDS[rng.randrange(len(KINDS))],
                at.isoformat(timespec="seconds"),
                source,
                f"{source}-{i:08d}",
                str(rng.randint(1, 500)) if rng.random() < 0.7 else "",
                "" if rng.random() < 0.8 else "flagged by the nightly export",
            )
        )
    return Rows(rows, len({(r[3], r[4]) for r in rows}))


def empty(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("TRUNCATE health_signal")
    settle(db_url)


def settle(db_url: str) -> None:
    """What a running desk's table looks like between bursts: vacuumed and analysed
    (autovacuum would otherwise start on the million fresh rows during the next
    measurement) and checkpointed."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE health_signal")
        conn.execute("CHECKPOINT")


def stored(db_url: str) -> int:
    with psycopg.connect(db_url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM health_signal").fetchone()
        return int(row[0]) if row else 0


def copy_floor(db_url: str, organization_id: int, data: Rows) -> float:
    """(a) The distinct rows straight into the table with COPY, in one transaction."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for r in data.rows:
        if (r[3], r[4]) not in seen:
            seen.add((r[3], r[4]))
            unique.append(r)
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    with psycopg.connect(db_url) as conn:
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY health_signal (organization_id, customer_id, kind, occurred_at, source, "
                "source_id, value, note, received_at) FROM STDIN"
            ) as copy,
        ):
            for r in unique:
                copy.write_row(
                    (organization_id, r[0], r[1], r[2], r[3], r[4], r[5] or None, r[6], now)
                )
        conn.commit()
    return time.perf_counter() - started


def bulk_api(port: int, token: str, data: Rows, clients: int) -> tuple[float, dict[str, int]]:
    """(b) The rows through POST /api/v1/signals/bulk, 10,000 a request."""
    bodies = []
    for start in range(0, len(data.rows), BATCH):
        chunk = data.rows[start : start + BATCH]
        rows = [
            {k: v for k, v in zip(COLUMNS, r, strict=True) if v != "" or k not in ("value", "note")}
            for r in chunk
        ]
        bodies.append(json.dumps({"rows": rows}).encode())
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    queue = list(reversed(bodies))
    totals = {"created": 0, "duplicates": 0, "rejected": 0, "requests": 0, "failed": 0}

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=300)
        while True:
            try:
                body = queue.pop()
            except IndexError:
                break
            conn.request("POST", "/api/v1/signals/bulk", body=body, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
            totals["requests"] += 1
            if resp.status != 200:
                totals["failed"] += 1
                say(f"  HTTP {resp.status}: {payload[:300]!r}")
                continue
            out = json.loads(payload)
            for key in ("created", "duplicates", "rejected"):
                totals[key] += int(out[key])
        conn.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    return time.perf_counter() - started, totals


def csv_import(env: dict[str, str], workdir: Path, data: Rows) -> tuple[float, str]:
    """(c) The rows as a CSV file through `ladder import-signals`."""
    path = workdir / "signals.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(data.rows)
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ladder.cli",
            "import-signals",
            str(path),
            "--organization",
            "bench",
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0:
        say(f"  import-signals exited {done.returncode}: {done.stderr[-2000:]}")
    return seconds, lines[-1] if lines else ""


def recompute() -> tuple[float, int]:
    """(d) Every customer's score, as ``ladder recompute-health`` computes them: the
    seconds it took and how many customers it scored."""
    from ladder.health.score import recompute_all

    started = time.perf_counter()
    done = recompute_all(at=dt.datetime.now(dt.UTC))
    return time.perf_counter() - started, done.customers


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--customers", type=int, default=50_000)
    ap.add_argument("--signals", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=4, help="bulk API client threads")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    ap.add_argument("--threads", type=int, default=2, help="gunicorn threads per worker")
    ap.add_argument("--single-seconds", type=float, default=20.0)
    ap.add_argument("--db", default="ladder_bench_signals")
    ap.add_argument(
        "--admin-dsn",
        default=os.environ.get("BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args(argv)

    info = machine()
    with psycopg.connect(a.admin_dsn) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        info["postgresql"] = str(row[0]) if row else ""
    say(f"Ladder signal-intake benchmark, {info}")
    db_url = database_url(a.admin_dsn, a.db)
    env = production_env(db_url)
    env["PYTHONPATH"] = str(REPO)
    env["LADDER_LOG_LEVEL"] = "WARNING"
    workdir = Path(tempfile.mkdtemp(prefix="ladder-bench-signals-"))
    server = ServerConfig(a.workers, a.threads)
    recreate_database(a.admin_dsn, a.db)
    try:
        migrate_and_set_up(env)
        cast = dataset.build_cast(customers=200)
        from django.db import connections

        connections.close_all()
        ids = add_customers(db_url, cast.organization_id, a.customers)
        data = generate(ids, a.signals, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        n, distinct = len(data.rows), data.distinct
        say(f"{len(ids):,} customers; {n:,} signals generated, {distinct:,} distinct")
        results: dict[str, float] = {}

        empty(db_url)
        say(f"\n(a) COPY floor (load average {loadavg()}) ...")
        seconds = copy_floor(db_url, cast.organization_id, data)
        results["copy"] = distinct / seconds
        say(f"  {distinct:,} rows in {seconds:.1f} s = {results['copy']:,.0f}/s")

        empty(db_url)
        say(f"\n(b) bulk API, {a.clients} clients (load average {loadavg()}) ...")
        with serve("ladder-bulk", "ladder.wsgi:application", server, env, workdir) as srv:
            seconds, totals = bulk_api(srv.port, cast.token, data, a.clients)
        results["bulk"] = n / seconds
        count = stored(db_url)
        say(
            f"  {n:,} rows in {seconds:.1f} s = {results['bulk']:,.0f}/s "
            f"({results['bulk'] / results['copy']:.2f}x COPY); {totals}; stored {count:,}"
        )
        bulk_ok = count == distinct and totals["failed"] == 0

        empty(db_url)
        say(f"\n(c) CSV through `ladder import-signals` (load average {loadavg()}) ...")
        seconds, summary = csv_import(env, workdir, data)
        results["csv"] = n / seconds
        count = stored(db_url)
        say(
            f"  {n:,} rows in {seconds:.1f} s = {results['csv']:,.0f}/s "
            f"({results['csv'] / results['copy']:.2f}x COPY); {summary}; stored {count:,}"
        )
        csv_ok = count == distinct

        say("\n(d) recompute every health score ...")
        recomputed, scored = recompute()
        connections.close_all()
        say(f"  {scored:,} customers scored in {recomputed:.1f} s")

        settle(db_url)
        say(f"\n(e) one signal a request, 8 clients (load average {loadavg()}) ...")
        with serve("ladder-single", "ladder.wsgi:application", server, env, workdir) as srv:
            single = loadgen.run(
                host=HOST,
                port=srv.port,
                make=loadgen.SignalBodies(cast.token, tuple(ids)),
                clients=8,
                seconds=a.single_seconds,
                warmup=2.0,
            )
        results["single"] = single.throughput
        say(
            f"  {single.count:,} requests in {single.seconds:.0f} s = "
            f"{single.throughput:,.0f}/s; p50 {single.percentile(50):.1f} ms, "
            f"p99 {single.percentile(99):.1f} ms; statuses {single.statuses}"
        )
        for error in single.errors[:5]:
            say(f"  {error}")
        single_ok = set(single.statuses) == {201}

        verdicts: list[tuple[str, str, bool]] = []
        for key, name, ok in (("bulk", "bulk API", bulk_ok), ("csv", "CSV command", csv_ok)):
            rate, ratio = results[key], results[key] / results["copy"]
            verdicts.append(
                (
                    f"{name}: >= {IMPORT_RATE:,.0f} signals/s incl. de-duplication",
                    f"{rate:,.0f}/s",
                    rate >= IMPORT_RATE and ok,
                )
            )
            verdicts.append((f"{name}: >= {IMPORT_RATIO}x COPY", f"{ratio:.2f}x", ratio >= 0.2))
        verdicts.append(
            (
                f"single: >= {SINGLE_RATE:,.0f}/s at 8 clients",
                f"{results['single']:,.0f}/s",
                results["single"] >= SINGLE_RATE and single_ok,
            )
        )
        verdicts.append(
            (
                f"recompute all: < {RECOMPUTE_S:.0f} s",
                f"{recomputed:.1f} s",
                recomputed < RECOMPUTE_S,
            )
        )
        say(f"\nCOPY floor: {results['copy']:,.0f}/s")
        say("\n| target | measured | verdict |\n| --- | --- | --- |")
        missed = 0
        for label, measured, ok in verdicts:
            missed += not ok
            say(f"| {label} | {measured} | {'met' if ok else '**missed**'} |")
        say(f"\nserver logs in {workdir}")
        return 1 if missed else 0
    finally:
        if not a.keep:
            drop_database(a.admin_dsn, a.db)


if __name__ == "__main__":
    sys.exit(main())
