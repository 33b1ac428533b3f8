"""The health score's full recomputation at size: 50,000 customers with 1,000,000
signals (20 each, of every kind, up to 200 days old) in one organization, on
PostgreSQL; the target is under 60 seconds (docs/health.md).

    python benchmarks/health.py                       # 50,000 / 1,000,000
    python benchmarks/health.py --customers 5000 --signals 100000

It makes its own database (``ladder_bench_health``, dropped at the end unless
``--keep``), migrated with ``ladder migrate``; the organization through our action, the
customers with ``bulk_create`` and the signals with one ``INSERT … SELECT`` over
``generate_series``. Then it times :func:`ladder.health.score.recompute_all` twice:
the first run writes every score (and fires ``health.changed`` for each account that
leaves green), the second rewrites them with nothing changing band. With ``--software``
the shipped software playbook is active, so the first run also opens a proactive case
for every account that turns red."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.run import database_url, drop_database, loadavg, recreate_database, say

DBNAME = "ladder_bench_health"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--signals", type=int, default=1_000_000)
    parser.add_argument(
        "--admin-dsn",
        default=os.environ.get(
            "LADDER_BENCH_ADMIN_DSN", "postgres://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--software",
        action="store_true",
        help="activate the shipped software playbook first: each account turning red gets "
        "its proactive case (proactive_health_red)",
    )
    opts = parser.parse_args()

    recreate_database(opts.admin_dsn, DBNAME)
    os.environ["DATABASE_URL"] = database_url(opts.admin_dsn, DBNAME)
    os.environ.setdefault("LADDER_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ladder.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ladder.customers.models import Customer
    from ladder.health.models import HealthScore, Signal, SignalKind
    from ladder.health.score import recompute_all
    from ladder.tenancy import actions as tenancy_actions

    try:
        call_command("migrate", verbosity=0)
        org = tenancy_actions.create_organization(
            slug="bench", name="Bench", case_prefix="BEN", timezone_name="Asia/Shanghai"
        )
        if opts.software:
            from ladder.playbooks import actions as playbook_actions
            from ladder.playbooks.simulation import SHIPPED
            from ladder.tenancy.actors import Actor
            from ladder.tenancy.models import Role

            for role in (Role.OWNER, Role.TEAM_LEAD, Role.ACCOUNTING, Role.EXECUTIVE):
                tenancy_actions.add_staff(
                    organization=org,
                    username=f"{role.value}@bench",
                    display_name=str(role.label),
                    roles=[role],
                    password=None,
                )
            actor = Actor.engine(org, rule="benchmark")
            version = playbook_actions.load_playbook(
                actor=actor,
                organization=org,
                source=(SHIPPED / "software.yaml").read_text(encoding="utf-8"),
                filename="software.yaml",
            )
            playbook_actions.activate_playbook(actor=actor, organization=org, number=version.number)
        started = time.monotonic()
        Customer.objects.bulk_create(
            [Customer(organization=org, name=f"Customer {i:06d}") for i in range(opts.customers)],
            batch_size=5000,
        )
        first, last = (
            Customer.objects.filter(organization=org).order_by("pk").values_list("pk", flat=True)
        )[:: max(opts.customers - 1, 1)][:2]
        kinds = list(SignalKind.values)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {Signal._meta.db_table}
                    (organization_id, customer_id, kind, occurred_at, source, source_id,
                     note, received_at, processed_at)
                SELECT %s, %s + (i %% %s), (%s::text[])[1 + (i * 7919) %% %s],
                       now() - (random() * 200) * interval '1 day', 'bench', i::text,
                       '', now(), now()
                FROM generate_series(1::bigint, %s) AS i
                """,
                [org.pk, first, last - first + 1, kinds, len(kinds), opts.signals],
            )
            cursor.execute(f"ANALYZE {Signal._meta.db_table}")
        say(
            f"loaded {opts.customers:,} customers and {opts.signals:,} signals in "
            f"{time.monotonic() - started:.1f}s; load average {loadavg()}"
        )
        for label in ("first run (every score new)", "second run (no band changes)"):
            done = recompute_all(org, at=dt.datetime.now(dt.UTC))
            say(
                f"{label}: {done.customers:,} customers, {done.changes:,} band changes, "
                f"{done.seconds:.1f}s"
            )
        bands = dict(
            HealthScore.objects.filter(organization=org)
            .values_list("band")
            .annotate(n=django.db.models.Count("pk"))
            .values_list("band", "n")
        )
        say(f"bands: {bands}; load average {loadavg()}")
        return 0 if done.seconds < 60 else 1
    finally:
        connection.close()
        if not opts.keep:
            drop_database(opts.admin_dsn, DBNAME)


if __name__ == "__main__":
    sys.exit(main())
