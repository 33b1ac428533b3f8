"""The case list and case creation under load, at 100,000 and at 1,000,000 cases.

    python -m benchmarks.run                 # what `make bench` runs; about 12 minutes
    python -m benchmarks.run --sizes 20000,30000 --deep-page 30   # a quick look

It makes its own PostgreSQL databases, dropped again at the end unless ``--keep``: a
template ``ladder_bench``, migrated with ``ladder migrate``, holding the organization,
staff, customers and an API token made through our actions; and, copied from it, one
database a size (``ladder_bench_100000``, ``ladder_bench_1000000``), into which the
cases are bulk-loaded with their interactions and timeline rows (see
:mod:`benchmarks.dataset`). Then it measures, for the list
``GET /api/v1/cases?team_id=X&status=in_progress``, on its first page and on page 200
(reached by following ``next_cursor``):

1. the endpoint's database time, in process: Django's test client with an
   ``execute_wrapper`` timing every statement the request runs (the token lookup, the
   page), ``DEBUG`` off as in production;
2. the page's SQL on its own: the statement captured in (1), sent with psycopg exactly
   as Django sends it (client-side binding, autocommit), back to back and paced like
   the endpoint;
3. end to end over HTTP against gunicorn, one client at a time for latency and eight at
   once for throughput, side by side with :mod:`benchmarks.floor_wsgi`, a bare WSGI
   handler that runs the same SQL and answers the same JSON: the floor. Every size has
   its two servers up at once and the latency rounds take turns among all of them, so
   that another job on the machine disturbs every figure alike;

and ``POST /api/v1/cases`` with eight concurrent clients. It prints every figure with
a pass or fail against the targets, and exits 1 if any target is missed.

Gunicorn runs Ladder as production would: LADDER_DEBUG unset, LADDER_SSL_REDIRECT=0 (plain
HTTP on 127.0.0.1 only), LADDER_DB_CONN_MAX_AGE=600. Workers and threads default to
4 x 2 (gthread), see ``--workers`` for why.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg

if not __package__:
    # Run as a path (`python benchmarks/run.py`, as the Makefile does): make the
    # repository importable, as `python -m benchmarks.run` would.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import dataset, loadgen

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PAGE_SIZE = 50

# The targets (from the issue).
DB_VS_RAW = 2.0  # the list's database time within 2x of its raw SQL
P99_GROWTH = 1.3  # p99 at 1,000,000 cases within 1.3x of p99 at 100,000
VS_FLOOR = 4.0  # p50 within 4x of the bare WSGI floor
CREATE_RATE = 300.0  # cases a second, 8 clients, 2 cores ...
CREATE_P99_MS = 50.0  # ... with p99 at most this


# --- small helpers ---------------------------------------------------------------------


def say(text: str = "") -> None:
    print(text, flush=True)


def p(values: Sequence[float], q: float) -> float:
    return loadgen.percentile(values, q)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class CpuSample:
    """CPU seconds from /proc: the whole machine, the time the hypervisor gave this
    virtual machine's CPUs to another guest (steal), the gunicorn processes, the
    benchmark database's PostgreSQL backends, and this process's finished children (the
    load generator)."""

    busy: float
    idle: float
    stolen: float
    server: float
    postgres: float
    children: float
    itself: float


def _proc_cpu(pid: str) -> tuple[int, float] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks


def cpu_sample(server_pids: set[int], dbnames: Sequence[str]) -> CpuSample:
    ticks = os.sysconf("SC_CLK_TCK")
    parts = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = (parts[3] + parts[4]) / ticks
    stolen = parts[7] / ticks
    busy = sum(parts[:7]) / ticks - idle
    server = postgres = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        info = _proc_cpu(entry)
        if info is None:
            continue
        ppid, secs = info
        if int(entry) in server_pids or ppid in server_pids:
            server += secs
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.startswith(b"postgres: ") and any(
            f" {name} ".encode() in cmdline for name in dbnames
        ):
            postgres += secs
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    itself = resource.getrusage(resource.RUSAGE_SELF)
    return CpuSample(
        busy,
        idle,
        stolen,
        server,
        postgres,
        children.ru_utime + children.ru_stime,
        itself.ru_utime + itself.ru_stime,
    )


def cpu_split(before: CpuSample, after: CpuSample, seconds: float) -> dict[str, float]:
    """Cores used on average over ``seconds``, by whom; ``others`` is what the rest of
    the machine took (another job on a shared machine shows there), ``stolen`` what the
    hypervisor gave to other virtual machines while ours wanted to run (a busy host
    shows there: the same work then takes longer)."""
    out = {
        "machine_busy": (after.busy - before.busy) / seconds,
        "stolen": (after.stolen - before.stolen) / seconds,
        "gunicorn": (after.server - before.server) / seconds,
        "postgres": (after.postgres - before.postgres) / seconds,
        "load_generator": (after.children - before.children + after.itself - before.itself)
        / seconds,
    }
    out["others"] = max(
        0.0, out["machine_busy"] - out["gunicorn"] - out["postgres"] - out["load_generator"]
    )
    return {k: round(v, 2) for k, v in out.items()}


class ActivitySampler:
    """Samples pg_stat_activity every 10 ms from a thread of its own, and counts how
    many of the benchmark database's connections are, on average, in each state: the
    picture of where a request's time goes while it holds a transaction open."""

    SQL = (
        "SELECT state, wait_event_type, wait_event, left(query, 40) FROM pg_stat_activity "
        "WHERE datname = %s AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )

    def __init__(self, dsn: str, dbname: str) -> None:
        self.dsn = dsn
        self.dbname = dbname
        self.counts: dict[str, int] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def classify(state: str | None, wait_type: str | None, wait: str | None, query: str) -> str:
        if state == "idle":
            return "idle (between requests)"
        if state == "idle in transaction":
            return "in a transaction, waiting for Django"
        if wait_type == "Lock":
            table = query.split('"')[1] if query.count('"') >= 2 else "?"
            return f"waiting for a row lock ({query.split(' ', 1)[0]} {table})"
        if wait in ("WALSync", "WALWrite", "WALInsert"):
            return "committing (WAL flush)"
        return "running a statement"

    def _run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self._stop.is_set():
                for row in conn.execute(self.SQL, (self.dbname,)).fetchall():
                    key = self.classify(row[0], row[1], row[2], row[3] or "")
                    self.counts[key] = self.counts.get(key, 0) + 1
                self.samples += 1
                self._stop.wait(0.01)

    def __enter__(self) -> ActivitySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def means(self) -> dict[str, float]:
        n = max(self.samples, 1)
        ordered = sorted(self.counts.items(), key=lambda kv: -kv[1])
        return {k: round(v / n, 2) for k, v in ordered}


# --- the database ----------------------------------------------------------------------


def database_url(admin_dsn: str, dbname: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    user = info.get("user", "postgres")
    host = info.get("host", HOST)
    port = info.get("port", 5432)
    return f"postgres://{user}@{host}:{port}/{dbname}"


def recreate_database(admin_dsn: str, dbname: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')


def migrate_and_set_up(env: dict[str, str]) -> None:
    """Migrates the benchmark's database with ``ladder migrate`` (a child process, as an
    operator would), then makes ``env`` this process's environment and sets Django up on
    it, so that the benchmark's own actions run under the server's settings."""
    subprocess.run(
        [sys.executable, "-m", "ladder.cli", "migrate", "--noinput", "-v", "0"],
        env=env,
        cwd=REPO,
        check=True,
    )
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()


def drop_database(admin_dsn: str, dbname: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def production_env(db_url: str) -> dict[str, str]:
    """The environment Ladder runs under here: production settings on plain HTTP."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LADDER_")}
    env.update(
        DATABASE_URL=db_url,
        LADDER_SSL_REDIRECT="0",
        LADDER_DB_CONN_MAX_AGE="600",
        LADDER_SECRET_KEY=secrets.token_urlsafe(40),
        DJANGO_SETTINGS_MODULE="ladder.settings",
    )
    return env


# --- gunicorn --------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerConfig:
    workers: int
    threads: int

    def args(self, app: str, port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--worker-class",
            "gthread",
            "--keep-alive",
            "5",
            "--log-level",
            "warning",
            "--chdir",
            str(REPO),
        ]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pids(self) -> set[int]:
        return {self.process.pid}


@contextmanager
def serve(
    name: str, app: str, config: ServerConfig, env: dict[str, str], logdir: Path
) -> Iterator[Server]:
    port = free_port()
    log = logdir / f"{name}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            config.args(app, port), env=env, stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(name, port, process, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited: see {log}\n{log.read_text()[-2000:]}")
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=5)
                conn.request("GET", "/api/v1/cases")
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start: see {log}") from None
                time.sleep(0.2)
        yield server
    finally:
        # The master stops its workers on SIGTERM; it is our own child.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def http_get(port: int, path: str, token: str) -> tuple[int, Any]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    resp = conn.getresponse()
    body = json.loads(resp.read())
    conn.close()
    return resp.status, body


# --- capturing and timing the SQL ------------------------------------------------------


@dataclass
class Statement:
    sql: str
    params: tuple[Any, ...]
    ms: float


class StatementTimer:
    """A Django execute_wrapper: times each statement the connection runs."""

    def __init__(self) -> None:
        self.statements: list[Statement] = []

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        t0 = time.perf_counter_ns()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter_ns() - t0) / 1e6
            self.statements.append(Statement(sql, tuple(params or ()), ms))


def list_path(team_id: int, cursor: str | None = None) -> str:
    query: dict[str, Any] = {"team_id": team_id, "status": dataset.BENCH_STATUS}
    if cursor:
        query["cursor"] = cursor
    return "/api/v1/cases?" + urlencode(query)


def is_page_query(sql: str) -> bool:
    return sql.startswith("SELECT") and 'FROM "cases_case"' in sql


def sql_template(statement: Statement, names: dict[Any, str]) -> str:
    """The captured SQL with each positional ``%s`` replaced by a named placeholder,
    its name found from its value (``names``) or its type (the cursor's datetime and
    id), so that the floor can run it for any team, status and cursor."""
    params = list(statement.params)
    out: list[str] = []
    for token in re.split(r"(%%|%s)", statement.sql):
        if token != "%s":
            out.append(token)
            continue
        value = params.pop(0)
        if isinstance(value, dt.datetime):
            name = "created_at"
        elif value in names:
            name = names[value]
        elif isinstance(value, int):
            name = "id"
        else:
            raise ValueError(f"cannot name the parameter {value!r}")
        out.append(f"%({name})s")
    assert not params
    return "".join(out)


def select_columns(sql: str) -> list[str]:
    head = sql[len("SELECT ") : sql.index(" FROM ")]
    columns = [f"{t}.{c}" for t, c in re.findall(r'"(\w+)"\."(\w+)"', head)]
    assert len(columns) == head.count(", ") + 1, "the floor expects plain table.column"
    return columns


@dataclass
class Capture:
    deep_cursor: str
    pages_walked: int
    first: Statement
    deep: Statement
    queries_per_request: int


def capture(client: Any, team_id: int, deep_page: int) -> Capture:
    """Follows next_cursor to page ``deep_page`` in process and captures the SQL of the
    first page and of that page."""
    from django.db import connection

    timer = StatementTimer()
    with connection.execute_wrapper(timer):
        response = client.get(list_path(team_id))
    assert response.status_code == 200, response.content
    first = [s for s in timer.statements if is_page_query(s.sql)]
    queries = len(timer.statements)
    cursor: str | None = response.json()["next_cursor"]
    page = 1
    while page < deep_page - 1 and cursor:
        cursor = client.get(list_path(team_id, cursor)).json()["next_cursor"]
        page += 1
    if not cursor:
        raise SystemExit(f"the filter has only {page} pages; page {deep_page} is needed")
    timer = StatementTimer()
    with connection.execute_wrapper(timer):
        response = client.get(list_path(team_id, cursor))
    assert response.status_code == 200, response.content
    deep = [s for s in timer.statements if is_page_query(s.sql)]
    assert len(first) == 1, "one page query a request"
    assert len(deep) == 1, "one page query a request"
    return Capture(cursor, page + 1, first[0], deep[0], queries)


@dataclass
class DbTime:
    request_ms: list[float] = field(default_factory=list)  # every statement of a request
    page_ms: list[float] = field(default_factory=list)  # the page query alone
    queries: int = 0


def time_in_process(
    client: Any,
    path: str,
    n: int,
    into: DbTime,
    raw: tuple[psycopg.Connection[Any], str, dict[str, Any]] | None = None,
    raw_into: list[float] | None = None,
) -> None:
    """``n`` requests in process, each timed statement by statement. With ``raw``, the
    page's SQL also runs once on its own after each request: the raw SQL paced as the
    endpoint paces it, with a request's worth of other work between two runs."""
    from django.db import connection

    for _ in range(n):
        timer = StatementTimer()
        with connection.execute_wrapper(timer):
            response = client.get(path)
        assert response.status_code == 200
        into.request_ms.append(sum(s.ms for s in timer.statements))
        into.page_ms.extend(s.ms for s in timer.statements if is_page_query(s.sql))
        into.queries = len(timer.statements)
        if raw is not None and raw_into is not None:
            time_raw(raw[0], raw[1], raw[2], 1, raw_into)


def time_raw(
    conn: psycopg.Connection[Any],
    sql: str,
    params: dict[str, Any],
    n: int,
    into: list[float],
    *,
    prepare: bool = False,
) -> None:
    """The page's SQL alone, as Django sends it; timed around execute(), which with
    psycopg's client-side cursor returns once the whole result has arrived, the same
    span the execute_wrapper times."""
    cur = conn.cursor()
    for _ in range(n):
        t0 = time.perf_counter_ns()
        cur.execute(sql, params, prepare=prepare or None)
        into.append((time.perf_counter_ns() - t0) / 1e6)
        cur.fetchall()


def explain(conn: psycopg.Connection[Any], sql: str, params: dict[str, Any]) -> str:
    rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
    return "\n".join(str(r[0]) for r in rows)


# --- one size --------------------------------------------------------------------------


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(p(values, 50), 3),
        "p99_ms": round(p(values, 99), 3),
        "mean_ms": round(statistics.fmean(values), 3) if values else float("nan"),
    }


def http_summary(result: loadgen.Result) -> dict[str, Any]:
    return {
        "n": result.count,
        "p50_ms": round(result.percentile(50), 2),
        "p99_ms": round(result.percentile(99), 2),
        "throughput_per_s": round(result.throughput, 1),
        "statuses": result.statuses,
        "errors": result.errors[:5],
    }


@dataclass
class Options:
    sizes: list[int]
    dbname: str
    admin_dsn: str
    server: ServerConfig
    deep_page: int
    latency_requests: int
    rounds: int
    list_seconds: float
    create_seconds: float
    create_clients: int
    keep: bool
    json_path: Path | None
    only: str = ""


@dataclass
class Size:
    """One database of the benchmark, holding ``count`` cases, and its figures."""

    count: int
    dbname: str
    env: dict[str, str]
    out: dict[str, Any]
    paths: dict[str, str] = field(default_factory=dict)
    capture: Capture | None = None
    floor_spec: Path | None = None

    @property
    def db_url(self) -> str:
        return self.env["DATABASE_URL"]


def use_database(dbname: str) -> None:
    """Points Django's connection at another of the benchmark's databases: they share
    the schema and the cast (copied from one template), so the same ids and token work."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = dbname


def load_size(opts: Options, cast: dataset.Cast, size: Size) -> None:
    say(f"\n=== {size.count:,} cases: database {size.dbname} ===")
    say(f"loading (load average {loadavg()}) ...")
    report = dataset.load_cases(
        dsn=size.db_url, cast=cast, count=size.count, now=dt.datetime.now(dt.UTC)
    )
    integrity = dataset.check_integrity(size.db_url)
    size.out["load"] = dataclasses.asdict(report) | {"integrity": integrity}
    say(
        f"  {report.cases:,} cases, {report.interactions:,} interactions, "
        f"{report.timeline:,} timeline rows in {report.seconds:.0f} s "
        f"(VACUUM ANALYZE and CHECKPOINT {report.vacuum_seconds:.0f} s); "
        f"{report.matching_rows:,} cases match the filter; dangling references: "
        f"{sum(integrity.values())}"
    )
    assert not any(integrity.values()), integrity
    with psycopg.connect(size.db_url) as conn:
        sizes = conn.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('cases_case')), "
            "pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()
    size.out["sizes"] = {
        "cases_case_total": sizes[0] if sizes else "",
        "database": sizes[1] if sizes else "",
    }


def measure_database(opts: Options, cast: dataset.Cast, size: Size, workdir: Path) -> None:
    """Captures the list's SQL, times the endpoint's statements in process against the
    raw SQL, and writes the floor's SQL file."""
    from django.test import Client

    use_database(size.dbname)
    out = size.out
    say(f"\n=== {size.count:,} cases: database time, in process and raw ===")
    team_id = cast.bench_team.id
    client = Client(HTTP_AUTHORIZATION=f"Bearer {cast.token}")
    cap = capture(client, team_id, opts.deep_page)
    size.capture = cap
    say(
        f"  page {cap.pages_walked} reached in process; {cap.queries_per_request} queries a request"
    )
    names: dict[Any, str] = {cast.organization_id: "organization_id", team_id: "team_id"}
    names[dataset.BENCH_STATUS] = "status"
    if len(names) != 3:
        raise SystemExit("the organization and the team share an id; cannot tell params apart")
    first_sql = sql_template(cap.first, names)
    deep_sql = sql_template(cap.deep, names)
    deep_params = dict(zip(re.findall(r"%\((\w+)\)s", deep_sql), cap.deep.params, strict=True))
    first_params = dict(zip(re.findall(r"%\((\w+)\)s", first_sql), cap.first.params, strict=True))
    with psycopg.connect(size.db_url, autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        cur = psycopg.ClientCursor(conn)
        # The templates render to exactly the SQL Django sent.
        assert cur.mogrify(deep_sql, deep_params) == cur.mogrify(cap.deep.sql, cap.deep.params)
        assert cur.mogrify(first_sql, first_params) == cur.mogrify(cap.first.sql, cap.first.params)
        out["sql"] = {"deep_page": cur.mogrify(cap.deep.sql, cap.deep.params)}
        out["explain"] = {
            "first_page": explain(conn, first_sql, first_params),
            "deep_page": explain(conn, deep_sql, deep_params),
        }
        # Which index each page reads cases_case through (case_team_status is the one
        # made for this filter): dropping an index must not change it.
        out["explain"]["case_index"] = {
            page: re.findall(r"Index (?:Only )?Scan(?: Backward)? using (\w+) on cases_case", plan)
            for page, plan in (
                ("first_page", out["explain"]["first_page"]),
                ("deep_page", out["explain"]["deep_page"]),
            )
        }
        say(f"  cases_case read through: {out['explain']['case_index']}")
        size.floor_spec = workdir / f"floor-{size.count}.json"
        size.floor_spec.write_text(
            json.dumps(
                {
                    "organization_id": cast.organization_id,
                    "limit": PAGE_SIZE,
                    "first": first_sql,
                    "after": deep_sql,
                    "columns": select_columns(cap.deep.sql),
                }
            )
        )
        say(f"  load average {loadavg()}")
        db = {"first": DbTime(), "deep": DbTime()}
        raw: dict[str, list[float]] = {"first": [], "deep": []}
        paced: dict[str, list[float]] = {"first": [], "deep": []}
        size.paths = {"first": list_path(team_id), "deep": list_path(team_id, cap.deep_cursor)}
        sqls = {"first": (first_sql, first_params), "deep": (deep_sql, deep_params)}
        # The same SQL prepared, with server-side binding and a generic plan, as Ladder
        # sends it since LADDER_PG_PREPARE_THRESHOLD: shown beside the target's raw SQL
        # (literal, planned every run), which the verdict keeps comparing with.
        prepared_conn = psycopg.connect(
            size.db_url, autocommit=True, options="-c plan_cache_mode=force_generic_plan"
        )
        prepared_conn.execute("SET TIME ZONE 'UTC'")
        prepared: dict[str, list[float]] = {"first": [], "deep": []}
        for name, path in size.paths.items():  # warm both paths and the caches
            time_in_process(client, path, 50, DbTime())
            time_raw(conn, *sqls[name], 50, [])
            time_raw(prepared_conn, *sqls[name], 50, [], prepare=True)
        for _ in range(opts.rounds):
            for name, path in size.paths.items():
                time_in_process(
                    client,
                    path,
                    opts.latency_requests // 2,
                    db[name],
                    (conn, *sqls[name]),
                    paced[name],
                )
                time_raw(conn, *sqls[name], opts.latency_requests, raw[name])
                time_raw(
                    prepared_conn, *sqls[name], opts.latency_requests, prepared[name], prepare=True
                )
        prepared_conn.close()
    out["db"] = {
        name: {
            "request": summary(db[name].request_ms),
            "page_query": summary(db[name].page_ms),
            "queries_per_request": db[name].queries,
            "raw_sql": summary(raw[name]),
            "raw_sql_paced": summary(paced[name]),
            "raw_sql_prepared": summary(prepared[name]),
        }
        for name in db
    }
    for name in db:
        d = out["db"][name]
        say(
            f"  {name:5} page: request DB p50 {d['request']['p50_ms']:.3f} ms "
            f"({d['queries_per_request']} queries; page query p50 "
            f"{d['page_query']['p50_ms']:.3f} ms), raw SQL p50 {d['raw_sql']['p50_ms']:.3f} ms "
            f"back to back, {d['raw_sql_paced']['p50_ms']:.3f} ms paced like the endpoint, "
            f"{d['raw_sql_prepared']['p50_ms']:.3f} ms prepared back to back"
        )


def measure_http(opts: Options, cast: dataset.Cast, sizes: list[Size], workdir: Path) -> None:
    """Ladder and the floor over HTTP, for every size at once: each size has its two
    servers, and the latency rounds go through every page, size and server in turn, so
    that a disturbance of the machine (another job) falls on all of them alike."""
    say("\n=== over HTTP ===")
    servers: dict[tuple[int, str], Server] = {}
    dbnames = [s.dbname for s in sizes]
    with ExitStack() as stack:
        for size in sizes:
            assert size.floor_spec is not None
            floor_env = size.env | {"LADDER_FLOOR_SQL": str(size.floor_spec)}
            servers[size.count, "ladder"] = stack.enter_context(
                serve(
                    f"ladder-{size.count}",
                    "ladder.wsgi:application",
                    opts.server,
                    size.env,
                    workdir,
                )
            )
            servers[size.count, "floor"] = stack.enter_context(
                serve(
                    f"floor-{size.count}",
                    "benchmarks.floor_wsgi:application",
                    opts.server,
                    floor_env,
                    workdir,
                )
            )
        pids = {pid for server in servers.values() for pid in server.pids}
        team_id = cast.bench_team.id
        for size in sizes:
            assert size.capture is not None
            ladder, floor = servers[size.count, "ladder"], servers[size.count, "floor"]
            size.out["shape_check"] = compare_shapes(
                ladder.port, floor.port, cast.token, team_id, size.capture
            )
            walk_started = time.perf_counter()
            cursor: str | None = None
            for _ in range(opts.deep_page - 1):
                _, body = http_get(ladder.port, list_path(team_id, cursor), cast.token)
                cursor = body["next_cursor"]
            size.out["walk_seconds"] = round(time.perf_counter() - walk_started, 2)
            say(
                f"  {size.count:,}: the floor answers like Ladder: {size.out['shape_check']}; "
                f"walked {opts.deep_page} pages over HTTP in {size.out['walk_seconds']} s"
            )
        say(f"HTTP latency, one client (load average {loadavg()}) ...")
        kinds = ("ladder", "floor")
        latency = {
            (size.count, k, page): loadgen.Result([], {}, 0)
            for size in sizes
            for k in kinds
            for page in ("first", "deep")
        }
        round_p99: dict[tuple[int, str, str], list[float]] = {key: [] for key in latency}
        before = cpu_sample(pids, dbnames)
        t0 = time.perf_counter()
        for _ in range(opts.rounds):
            for page in ("first", "deep"):
                for size in sizes:
                    for k in kinds:
                        key = (size.count, k, page)
                        res = sequential(
                            servers[size.count, k].port,
                            size.paths[page],
                            cast.token,
                            opts.latency_requests,
                        )
                        round_p99[key].append(res.percentile(99))
                        acc = latency[key]
                        acc.latencies_ms.extend(res.latencies_ms)
                        acc.seconds += res.seconds
                        for code, n in res.statuses.items():
                            acc.statuses[code] = acc.statuses.get(code, 0) + n
                        acc.errors.extend(res.errors)
        after = cpu_sample(pids, dbnames)
        cpu = cpu_split(before, after, time.perf_counter() - t0)
        for size in sizes:
            size.out["http_latency"] = {
                k: {
                    page: http_summary(latency[size.count, k, page])
                    | {
                        "p99_by_round_ms": [round(x, 2) for x in round_p99[size.count, k, page]],
                        "p99_median_of_rounds_ms": round(
                            statistics.median(round_p99[size.count, k, page]), 2
                        ),
                    }
                    for page in ("first", "deep")
                }
                for k in kinds
            }
            size.out["http_latency"]["cpu"] = cpu
            for page in ("first", "deep"):
                lad = size.out["http_latency"]["ladder"][page]
                flo = size.out["http_latency"]["floor"][page]
                say(
                    f"  {size.count:>9,} {page:5} page: Ladder p50 {lad['p50_ms']} ms p99 "
                    f"{lad['p99_ms']} ms (by round {lad['p99_by_round_ms']}); floor p50 "
                    f"{flo['p50_ms']} ms p99 {flo['p99_ms']} ms"
                )
        say(f"  CPU (cores) while measuring: {cpu}")
        say(f"HTTP throughput, {opts.create_clients} clients (load average {loadavg()}) ...")
        for size in sizes:
            size.out["http_throughput"] = {}
            for k in kinds:
                server = servers[size.count, k]
                for page, path in size.paths.items():
                    request = loadgen.FixedRequest(
                        "GET", path, {"Authorization": f"Bearer {cast.token}"}
                    )
                    before = cpu_sample(pids, dbnames)
                    t0 = time.perf_counter()
                    res = loadgen.run(
                        host=HOST,
                        port=server.port,
                        make=request,
                        clients=opts.create_clients,
                        seconds=opts.list_seconds,
                    )
                    after = cpu_sample(pids, dbnames)
                    figures = http_summary(res) | {
                        "cpu": cpu_split(before, after, time.perf_counter() - t0)
                    }
                    size.out["http_throughput"][f"{k}_{page}"] = figures
                    say(
                        f"  {size.count:>9,} {k:6} {page:5} page: "
                        f"{figures['throughput_per_s']}/s, p50 {figures['p50_ms']} ms, "
                        f"p99 {figures['p99_ms']} ms; CPU {figures['cpu']}"
                    )


def sequential(port: int, path: str, token: str, n: int) -> loadgen.Result:
    """``n`` requests one after the other on one keep-alive connection, after 20 not
    counted."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    result = loadgen.Result([], {}, 0.0)
    started = time.perf_counter()
    for i in range(n + 20):
        t0 = time.perf_counter_ns()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        if i >= 20:
            result.latencies_ms.append((time.perf_counter_ns() - t0) / 1e6)
            result.statuses[resp.status] = result.statuses.get(resp.status, 0) + 1
    result.seconds = time.perf_counter() - started
    conn.close()
    return result


def compare_shapes(ladder: int, floor: int, token: str, team_id: int, cap: Capture) -> str:
    for cursor in (None, cap.deep_cursor):
        path = list_path(team_id, cursor)
        s1, b1 = http_get(ladder, path, token)
        s2, b2 = http_get(floor, path, token)
        if (s1, s2) != (200, 200):
            return f"HTTP {s1} / {s2}"
        if b1 != b2:
            if b1["next_cursor"] != b2["next_cursor"]:
                return "different next_cursor"
            for a, b in zip(b1["items"], b2["items"], strict=False):
                diff = [k for k in a if a[k] != b.get(k)]
                if diff:
                    return f"different {diff[0]}: {a[diff[0]]!r} vs {b.get(diff[0])!r}"
            return "different items"
    return "same JSON on the first page and the deep page"


def measure_create(opts: Options, cast: dataset.Cast, size: Size, workdir: Path) -> None:
    from django.db import connection
    from django.test import Client

    use_database(size.dbname)
    say(f"\n=== {size.count:,} cases: case creation ===")
    db_url = size.db_url
    env = size.env
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT coalesce(max(id), 0) FROM cases_case").fetchone()
        assert row is not None
        before_id: int = row[0]
    bodies = loadgen.CaseBodies(
        token=cast.token,
        customer_ids=tuple(c.id for c in cast.customers),
        teams=tuple((t.id, tuple(m.id for m in t.members)) for t in cast.teams),
    )
    # In process first: the statements one creation runs, and their time.
    client = Client(HTTP_AUTHORIZATION=f"Bearer {cast.token}")
    rng = random.Random(7)
    db = DbTime()
    for i in range(100):
        req = bodies(rng, i)
        timer = StatementTimer()
        with connection.execute_wrapper(timer):
            response = client.post(req.path, req.body, content_type="application/json")
        assert response.status_code == 201, response.content
        db.request_ms.append(sum(s.ms for s in timer.statements))
        db.queries = len(timer.statements)
    say(
        f"case creation: {db.queries} statements a request, DB time p50 "
        f"{p(db.request_ms, 50):.2f} ms in process"
    )
    out: dict[str, Any] = {"in_process_db": summary(db.request_ms), "statements": db.queries}
    say(f"HTTP POST /api/v1/cases, {opts.create_clients} clients (load average {loadavg()}) ...")
    with serve("ladder-create", "ladder.wsgi:application", opts.server, env, workdir) as server:
        warmup = 3.0
        before = cpu_sample(server.pids, [size.dbname])
        t0 = time.perf_counter()
        with ActivitySampler(db_url, size.dbname) as activity:
            res = loadgen.run(
                host=HOST,
                port=server.port,
                make=bodies,
                clients=opts.create_clients,
                seconds=opts.create_seconds,
                warmup=warmup,
            )
        after = cpu_sample(server.pids, [size.dbname])
        wall = time.perf_counter() - t0
    out["http"] = http_summary(res) | {"cpu": cpu_split(before, after, wall)}
    out["connections"] = activity.means()
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE NOT EXISTS ("
            " SELECT 1 FROM cases_timelineevent e"
            " WHERE e.case_id = c.id AND e.kind = 'case.created'))"
            " FROM cases_case c WHERE c.id > %s",
            (before_id,),
        ).fetchone()
        assert row is not None
    out["created"] = row[0]
    out["created_without_timeline"] = row[1]
    h = out["http"]
    say(
        f"  {h['throughput_per_s']}/s, p50 {h['p50_ms']} ms, p99 {h['p99_ms']} ms, "
        f"statuses {h['statuses']}; {row[0]} cases made, {row[1]} without their timeline row; "
        f"CPU (cores) {h['cpu']}"
    )
    say(f"  database connections, mean number in each state: {out['connections']}")
    size.out["create"] = out


# --- verdicts --------------------------------------------------------------------------


@dataclass
class Verdict:
    target: str
    figure: str
    passed: bool


def verdicts(results: list[dict[str, Any]]) -> list[Verdict]:
    out: list[Verdict] = []
    for r in results:
        n = f"{r['cases']:,}"
        for page in ("first", "deep") if "db" in r else ():
            d = r["db"][page]
            ratio = d["request"]["p50_ms"] / d["raw_sql"]["p50_ms"]
            out.append(
                Verdict(
                    f"{n}, {page} page: database time <= {DB_VS_RAW}x raw SQL (p50)",
                    f"{d['request']['p50_ms']:.3f} ms / {d['raw_sql']['p50_ms']:.3f} ms "
                    f"= {ratio:.2f}x",
                    ratio <= DB_VS_RAW,
                )
            )
        for page in ("first", "deep") if "http_latency" in r else ():
            lad = r["http_latency"]["ladder"][page]["p50_ms"]
            flo = r["http_latency"]["floor"][page]["p50_ms"]
            out.append(
                Verdict(
                    f"{n}, {page} page: HTTP p50 <= {VS_FLOOR}x the WSGI floor",
                    f"{lad} ms / {flo} ms = {lad / flo:.2f}x",
                    lad / flo <= VS_FLOOR,
                )
            )
        if "create" not in r:
            continue
        h = r["create"]["http"]
        out.append(
            Verdict(
                f"{n}: POST /cases >= {CREATE_RATE:.0f}/s and p99 <= {CREATE_P99_MS:.0f} ms "
                f"({h['statuses']})",
                f"{h['throughput_per_s']}/s, p99 {h['p99_ms']} ms",
                h["throughput_per_s"] >= CREATE_RATE
                and h["p99_ms"] <= CREATE_P99_MS
                and not h["errors"]
                and r["create"]["created_without_timeline"] == 0,
            )
        )
    small = [r for r in results if r["cases"] == min(x["cases"] for x in results)]
    large = [r for r in results if r["cases"] == max(x["cases"] for x in results)]
    if len(results) > 1 and small and large and "http_latency" in small[0]:
        for page in ("first", "deep"):
            # The median of the rounds' p99s: one round disturbed by another job on a
            # shared machine then cannot decide the verdict (the pooled p99 is shown too).
            a = small[0]["http_latency"]["ladder"][page]
            b = large[0]["http_latency"]["ladder"][page]
            ratio = b["p99_median_of_rounds_ms"] / a["p99_median_of_rounds_ms"]
            out.append(
                Verdict(
                    f"{page} page: HTTP p99 at {large[0]['cases']:,} <= {P99_GROWTH}x "
                    f"at {small[0]['cases']:,} (median of the rounds' p99)",
                    f"{b['p99_median_of_rounds_ms']} ms / {a['p99_median_of_rounds_ms']} ms "
                    f"= {ratio:.2f}x (pooled p99: {b['p99_ms']} / {a['p99_ms']} ms)",
                    ratio <= P99_GROWTH,
                )
            )
    return out


def machine() -> dict[str, str]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout
    git = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--", "ladder"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    return {
        "commit": git + (f" (+{len(dirty)} uncommitted paths under ladder/)" if dirty else ""),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem.splitlines()[1].split()[1] if mem else "",
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def parse(argv: Sequence[str] | None) -> Options:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="100000,1000000", help="case counts, comma-separated")
    ap.add_argument(
        "--db",
        default="ladder_bench",
        help="name of the template database, and prefix of one database a size; all are "
        "created and dropped",
    )
    ap.add_argument(
        "--admin-dsn",
        default=os.environ.get("BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a connection allowed to CREATE and DROP the database",
    )
    ap.add_argument(
        "--workers",
        type=int,
        default=4,
        help="gunicorn workers (default 4: a request is mostly Python, which one process "
        "runs on one core at a time, so two a core keep both cores busy while the "
        "other waits on PostgreSQL)",
    )
    ap.add_argument(
        "--threads",
        type=int,
        default=2,
        help="threads a worker (default 2: 4 x 2 = 8 requests in flight, one for each "
        "of the 8 clients, with keep-alive, and 8 persistent database connections)",
    )
    ap.add_argument("--deep-page", type=int, default=200)
    ap.add_argument("--latency-requests", type=int, default=300, help="a page and a round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--list-seconds", type=float, default=8.0)
    ap.add_argument("--create-seconds", type=float, default=20.0)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument(
        "--only",
        choices=("list", "create"),
        default="",
        help="measure only the list or only case creation (both by default); the "
        "verdicts are then those of that half",
    )
    ap.add_argument("--json", type=Path, help="also write every figure to this file")
    a = ap.parse_args(argv)
    return Options(
        sizes=[int(s.replace("_", "")) for s in a.sizes.split(",")],
        dbname=a.db,
        admin_dsn=a.admin_dsn,
        server=ServerConfig(a.workers, a.threads),
        deep_page=a.deep_page,
        latency_requests=a.latency_requests,
        rounds=a.rounds,
        list_seconds=a.list_seconds,
        create_seconds=a.create_seconds,
        create_clients=a.clients,
        keep=a.keep,
        json_path=a.json,
        only=a.only,
    )


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse(argv)
    started = time.perf_counter()
    db_url = database_url(opts.admin_dsn, opts.dbname)
    env = production_env(db_url)
    workdir = Path(tempfile.mkdtemp(prefix="ladder-bench-"))
    info = machine()
    with psycopg.connect(opts.admin_dsn) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        info["postgresql"] = str(row[0]) if row else ""
    say(f"Ladder benchmark, {info}")
    say(f"gunicorn: {opts.server.workers} workers x {opts.server.threads} threads (gthread)")
    # One template database, migrated, with the cast made through our actions; then one
    # database a size, copied from it, into which the cases are loaded.
    sizes = [
        Size(
            n,
            f"{opts.dbname}_{n}",
            production_env(database_url(opts.admin_dsn, f"{opts.dbname}_{n}")),
            {"cases": n},
        )
        for n in opts.sizes
    ]
    for name in (opts.dbname, *(s.dbname for s in sizes)):
        drop_database(opts.admin_dsn, name)
    recreate_database(opts.admin_dsn, opts.dbname)
    try:
        migrate_and_set_up(env)
        t0 = time.perf_counter()
        cast = dataset.build_cast()
        say(
            f"organization, {len(cast.teams)} teams, {len(cast.staff)} staff, "
            f"{len(cast.customers):,} customers and a token made through the actions in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        from django.db import connections

        connections.close_all()
        with psycopg.connect(opts.admin_dsn, autocommit=True) as conn:
            for size in sizes:
                conn.execute(f'CREATE DATABASE "{size.dbname}" TEMPLATE "{opts.dbname}"')
        for size in sizes:
            load_size(opts, cast, size)
        if opts.only != "create":
            for size in sizes:
                measure_database(opts, cast, size, workdir)
            measure_http(opts, cast, sizes, workdir)
        if opts.only != "list":
            for size in sizes:
                measure_create(opts, cast, size, workdir)
        results = [size.out for size in sizes]
    finally:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        if not opts.keep:
            for name in (opts.dbname, *(s.dbname for s in sizes)):
                drop_database(opts.admin_dsn, name)
    found = verdicts(results)
    say("\n=== targets ===")
    for v in found:
        say(f"  {'PASS' if v.passed else 'FAIL'}  {v.target}: {v.figure}")
    for r in results:
        if "explain" not in r:
            continue
        say(f"\nEXPLAIN (ANALYZE, BUFFERS), page {opts.deep_page}, {r['cases']:,} cases:")
        say(r["explain"]["deep_page"])
    elapsed = time.perf_counter() - started
    shutil.rmtree(workdir, ignore_errors=True)
    say(f"\nwhole run: {elapsed / 60:.1f} minutes")
    if opts.json_path:
        opts.json_path.parent.mkdir(parents=True, exist_ok=True)
        opts.json_path.write_text(
            json.dumps(
                {"machine": info, "options": dataclasses.asdict(opts), "results": results}
                | {"verdicts": [dataclasses.asdict(v) for v in found], "minutes": elapsed / 60},
                indent=2,
                default=str,
            )
        )
    return 0 if all(v.passed for v in found) else 1


if __name__ == "__main__":
    sys.exit(main())
