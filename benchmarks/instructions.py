"""The machine instructions one ``POST /api/v1/cases`` costs Ladder's Python process.

    python -m benchmarks.instructions                 # = make bench-instructions
    python -m benchmarks.instructions --requests 600

Throughput and latency depend on the machine, and on a shared virtual machine on its
neighbours: the same commit measured anywhere from 170 to 310 creates a second in one
day. An instruction count does not. This runs the create path in process (Django's
test client, the whole middleware and API stack, DEBUG off, PostgreSQL) under
valgrind's cachegrind, once with only a warm-up of 100 creates and once with
``--requests`` more, and prints the difference divided by ``--requests``: the
instructions of one create, Django's side only (not gunicorn's HTTP handling, not
PostgreSQL's). Two runs of the same commit agree to within 0.1 %, so a change of a
few per cent is visible where a timed run cannot show it. Each run takes one to two
minutes; valgrind must be installed (``apt-get install valgrind``).

It makes its own PostgreSQL database (``--db``, dropped at the end) with the case
benchmark's organization, staff, customers and token (see :mod:`benchmarks.dataset`).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence

from benchmarks import loadgen
from benchmarks.run import (
    REPO,
    database_url,
    drop_database,
    migrate_and_set_up,
    production_env,
    recreate_database,
    say,
)

WARMUP = 100


def child(count: int, token: str) -> None:
    """In the process valgrind watches: WARMUP + ``count`` creates through the API."""
    import django

    django.setup()
    from django.test import Client

    from ladder.customers.models import Customer
    from ladder.tenancy.models import Team

    teams = tuple(
        (t.pk, tuple(t.members.order_by("pk").values_list("pk", flat=True)))
        for t in Team.objects.order_by("pk")
    )
    customers = tuple(Customer.objects.order_by("pk").values_list("pk", flat=True))
    bodies = loadgen.CaseBodies(token=token, customer_ids=customers, teams=teams)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    rng = random.Random(3)
    for i in range(WARMUP + count):
        req = bodies(rng, i)
        response = client.post(req.path, req.body, content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"create {i}: {response.status_code} {response.content[:300]!r}")


def instructions(count: int, token: str, env: dict[str, str]) -> int:
    done = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "benchmarks.instructions",
            "--child",
            str(count),
        ],
        env=env | {"BENCH_TOKEN": token},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"valgrind run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return int(found.group(1).replace(",", ""))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--requests", type=int, default=300, help="creates counted (default 300)")
    ap.add_argument("--db", default="ladder_bench_instructions")
    ap.add_argument(
        "--admin-dsn",
        default=os.environ.get("BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child is not None:
        child(a.child, os.environ["BENCH_TOKEN"])
        return 0
    if shutil.which("valgrind") is None:
        say("valgrind is not installed: apt-get install -y valgrind")
        return 2
    env = production_env(database_url(a.admin_dsn, a.db))
    recreate_database(a.admin_dsn, a.db)
    try:
        migrate_and_set_up(env)
        from benchmarks import dataset

        cast = dataset.build_cast()
        from django.db import connections

        connections.close_all()
        say(f"POST /api/v1/cases in process under cachegrind: {WARMUP} warm-up creates, then")
        base = instructions(0, cast.token, env)
        say(f"  nothing more: {base:,} instructions")
        more = instructions(a.requests, cast.token, env)
        say(f"  {a.requests} more creates: {more:,} instructions")
        per = (more - base) / a.requests
        say(f"instructions a create (Django's side): {per / 1000:,.0f} thousand")
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(a.admin_dsn, a.db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
