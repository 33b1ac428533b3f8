"""The benchmark's data. The organization, its teams, staff, customers and the API token
are made through our own actions, as a real desk would make them; the cases, their
interactions and their timeline rows are bulk-loaded with PostgreSQL COPY, because a
million cases through ``create_case`` would take hours.

The distributions (all seeded, so every run loads the same rows):

- created_at over the two years before the run, volume growing linearly (the desk gets
  busier), ids ascending with created_at as they would be in production;
- team: one busy front desk (40%), five smaller teams, 3% with no team;
- status: 28% in progress, so that the benchmark's filter (the busiest team, in progress)
  still has page 200 at 100,000 cases (40% x 28% x 100,000 = 11,200 rows = 224 pages
  of 50); the rest closed, resolved, awaiting, new;
- owner: a member of the case's team, or nobody (half of the new cases, 5% of the rest);
- customers: a long tail (a few customers have many cases);
- interactions: 0 to 8 a case (mean 2.5), of six kinds, contact attempts with outcomes;
- timeline: case.created, case.assigned, one row per status change along the state
  machine's allowed moves, and interaction.logged per interaction (about 6.5 a case).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import random
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import psycopg

SEED = 20261123
TEAM_NAMES = (
    "Front desk",
    "Billing",
    "Retention",
    "Academic",
    "Executive office",
    "Partnerships",
)
TEAM_WEIGHTS = (0.40, 0.18, 0.15, 0.12, 0.08, 0.04)  # the rest (3%) has no team
STAFF_PER_TEAM = 8
CUSTOMERS = 2_000
BENCH_STATUS = "in_progress"

STATUSES = (
    ("closed", 0.38),
    ("resolved", 0.12),
    ("in_progress", 0.28),
    ("awaiting_customer", 0.10),
    ("awaiting_approval", 0.04),
    ("new", 0.08),
)
# The moves along ladder.cases.states.ALLOWED that bring a new case to each status.
PATHS: dict[str, tuple[tuple[str, str], ...]] = {
    "new": (),
    "in_progress": (("new", "in_progress"),),
    "awaiting_customer": (("new", "in_progress"), ("in_progress", "awaiting_customer")),
    "awaiting_approval": (("new", "in_progress"), ("in_progress", "awaiting_approval")),
    "resolved": (("new", "in_progress"), ("in_progress", "resolved")),
    "closed": (("new", "in_progress"), ("in_progress", "resolved"), ("resolved", "closed")),
}
KINDS = (
    ("complaint", 0.35),
    ("escalation", 0.20),
    ("cancellation", 0.15),
    ("refund", 0.12),
    ("downgrade", 0.07),
    ("leadership_request", 0.06),
    ("level_change", 0.05),
)
MONEY_KINDS = frozenset({"cancellation", "refund", "downgrade"})
CHANNELS = (
    ("phone", 0.35),
    ("email", 0.25),
    ("web_form", 0.15),
    ("chat", 0.15),
    ("in_person", 0.05),
    ("api", 0.03),
    ("signal", 0.02),
)
SEVERITIES = (("low", 0.25), ("medium", 0.45), ("high", 0.22), ("critical", 0.08))
TIERS = ((1, 0.70), (2, 0.22), (3, 0.08))
CATEGORIES = (
    ("", 0.10),
    ("Teacher quality", 0.14),
    ("Scheduling", 0.14),
    ("Billing error", 0.12),
    ("Refund request", 0.10),
    ("Curriculum", 0.08),
    ("Technical problem", 0.08),
    ("Rude staff", 0.06),
    ("Contract terms", 0.06),
    ("Price increase", 0.05),
    ("Service outage", 0.04),
    ("Other", 0.03),
)
REQUEST_TYPES = (
    ("", 0.5),
    ("Refund", 0.15),
    ("Cancel contract", 0.15),
    ("Change teacher", 0.1),
    ("Speak to a manager", 0.1),
)
INTERACTION_KINDS = (
    ("call", 0.30),
    ("email", 0.25),
    ("note", 0.20),
    ("chat", 0.10),
    ("meeting", 0.05),
    ("contact_attempt", 0.10),
)
OUTCOMES = (("reached", 0.4), ("no_answer", 0.3), ("voicemail", 0.2), ("bounced", 0.1))
INTERACTIONS_PER_CASE = (
    (0, 0.12),
    (1, 0.18),
    (2, 0.22),
    (3, 0.18),
    (4, 0.12),
    (5, 0.08),
    (6, 0.05),
    (7, 0.03),
    (8, 0.02),
)

_PROSE = (
    "the customer says lesson teacher was late again and the refund promised in march "
    "never arrived so they want to cancel the contract unless a manager calls back today "
    "we agreed a partial credit for the missed sessions and a new schedule starting next "
    "week the invoice shows a double charge for october which billing confirmed parent "
    "asked for a written apology and a different tutor for the remaining twenty lessons"
)
WORDS = _PROSE.split()

CASE_COLUMNS = (
    "id, number, reference, kind, channel, subject, request_type, description, category, "
    "severity, tier, status, root_cause, resolution, outcome, money_at_stake_currency, "
    "money_at_stake, playbook_version, version, created_at, updated_at, created_by_id, "
    "customer_id, organization_id, owner_id, team_id"
)
INTERACTION_COLUMNS = (
    "id, kind, direction, outcome, body, occurred_at, created_at, author_id, case_id, "
    "organization_id"
)
TIMELINE_COLUMNS = (
    "id, kind, actor_rule, actor_label, field, old_value, new_value, data, created_at, "
    "actor_staff_id, actor_token_id, case_id, organization_id"
)
CASE_TABLES = ("cases_timelineevent", "cases_interaction", "cases_task", "cases_case")


@dataclass(frozen=True)
class Person:
    id: int
    name: str


@dataclass(frozen=True)
class TeamCast:
    id: int
    name: str
    members: tuple[Person, ...]


@dataclass(frozen=True)
class Cast:
    """What the actions made, by id: everything the loader and the clients refer to."""

    organization_id: int
    case_prefix: str
    currency: str
    teams: tuple[TeamCast, ...]
    customers: tuple[Person, ...]
    token: str
    token_staff_id: int

    @property
    def bench_team(self) -> TeamCast:
        """The busiest team: the list benchmark's filter."""
        return self.teams[0]

    @property
    def staff(self) -> tuple[Person, ...]:
        return tuple(p for t in self.teams for p in t.members)


def build_cast(*, customers: int = CUSTOMERS) -> Cast:
    """Makes the organization, teams, staff, customers and a token through our actions.
    Needs Django set up against the benchmark database."""
    from ladder.customers.actions import create_customer
    from ladder.tenancy.actions import (
        add_staff,
        create_api_token,
        create_organization,
        create_team,
    )
    from ladder.tenancy.actors import Actor
    from ladder.tenancy.models import Role, Staff, Team

    org = create_organization(slug="bench", name="Bench Academy", case_prefix="BEN")
    # Teams are made smallest first, so that the busiest (the list benchmark's filter)
    # gets an id other than the organization's: the captured SQL's parameters are told
    # apart by value (see benchmarks.run.sql_template).
    made_teams: dict[int, tuple[Team, list[Person], list[Staff]]] = {}
    for t in reversed(range(len(TEAM_NAMES))):
        name = TEAM_NAMES[t]
        team = create_team(organization=org, name=name)
        members: list[Person] = []
        staff_models: list[Staff] = []
        for i in range(STAFF_PER_TEAM):
            roles = [Role.TEAM_LEAD, Role.AGENT] if i == 0 else [Role.AGENT]
            if t == 0 and i == 1:
                roles = [Role.MANAGER]
            staff = add_staff(
                organization=org,
                username=f"bench-{t}-{i}",
                display_name=f"{name} agent {i + 1}",
                roles=roles,
                password=None,
                teams=[team],
            )
            members.append(Person(staff.pk, staff.display_name))
            staff_models.append(staff)
        made_teams[t] = (team, members, staff_models)
    # The API client is the front desk's manager: it may create cases for others.
    manager = made_teams[0][2][1]
    _, token = create_api_token(staff=manager, name="benchmark")
    actor = Actor.for_staff(manager)
    rng = random.Random(SEED)
    made: list[Person] = []
    for i in range(customers):
        surname = rng.choice(("Chen", "Wang", "Li", "Smith", "Garcia", "Tan", "Lim", "Ng"))
        customer = create_customer(actor=actor, name=f"{surname} family {i + 1}")
        made.append(Person(customer.pk, customer.name))
    return Cast(
        organization_id=org.pk,
        case_prefix=org.case_prefix,
        currency=org.currency,
        teams=tuple(
            TeamCast(team.pk, team.name, tuple(members))
            for team, members, _ in (made_teams[t] for t in range(len(TEAM_NAMES)))
        ),
        customers=tuple(made),
        token=token,
        token_staff_id=manager.pk,
    )


# --- generation ------------------------------------------------------------------------


class Picker:
    """A weighted choice by bisection on the cumulative weights: random.choices is
    several times slower per call, and the loader draws tens of millions."""

    def __init__(self, pairs: Sequence[tuple[object, float]], rng: random.Random) -> None:
        self.values = [v for v, _ in pairs]
        total = sum(w for _, w in pairs)
        self.cumulative = list(itertools.accumulate(w / total for _, w in pairs))
        self.cumulative[-1] = 1.0
        self.random = rng.random

    def __call__(self) -> object:
        return self.values[bisect.bisect_right(self.cumulative, self.random())]


class Timestamps:
    """COPY text for UTC instants given as epoch microseconds; the date part is cached
    per day because formatting datetimes dominates the loader otherwise."""

    def __init__(self) -> None:
        self.days: dict[int, str] = {}

    def __call__(self, micros: int) -> str:
        secs, us = divmod(micros, 1_000_000)
        day, rem = divmod(secs, 86_400)
        date = self.days.get(day)
        if date is None:
            date = (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat()
            self.days[day] = date
        return f"{date} {rem // 3600:02d}:{rem // 60 % 60:02d}:{rem % 60:02d}.{us:06d}+00"


def _texts(rng: random.Random, count: int, low: int, high: int) -> list[str]:
    out = []
    for _ in range(count):
        words = rng.choices(WORDS, k=rng.randint(low, high))
        out.append(" ".join(words).capitalize() + ".")
    return out


@dataclass
class LoadReport:
    cases: int
    interactions: int
    timeline: int
    seconds: float
    vacuum_seconds: float
    matching_rows: int
    steps: dict[str, float] = field(default_factory=dict)


def _copy_sink(
    copies: dict[str, psycopg.Copy], flush_at: int = 4000
) -> tuple[Callable[[str, str], None], Callable[[], None]]:
    buffers: dict[str, list[str]] = {name: [] for name in copies}

    def put(table: str, line: str) -> None:
        buf = buffers[table]
        buf.append(line)
        if len(buf) >= flush_at:
            copies[table].write("".join(buf))
            buf.clear()

    def flush() -> None:
        for table, buf in buffers.items():
            if buf:
                copies[table].write("".join(buf))
                buf.clear()

    return put, flush


def load_cases(*, dsn: str, cast: Cast, count: int, now: dt.datetime) -> LoadReport:
    """Empties the case tables and COPYs ``count`` cases with their interactions and
    timeline rows, then sets the identity sequences, the organization's last case number,
    and runs VACUUM ANALYZE and a CHECKPOINT.

    The three tables are loaded at once through three connections. Each sets
    ``session_replication_role = replica``, which skips the foreign-key triggers (the
    loader writes only ids it knows exist) and so avoids queueing tens of millions of
    deferred checks; :func:`check_integrity` verifies the references afterwards."""
    started = time.perf_counter()
    rng = random.Random(SEED + count)
    ts = Timestamps()
    org = cast.organization_id
    end_us = int(now.timestamp() * 1_000_000) - 3_600_000_000  # an hour ago
    span_us = 730 * 86_400_000_000
    start_us = end_us - span_us
    # sqrt of a uniform variable: a density that grows linearly over the two years.
    created = sorted(start_us + int(span_us * rng.random() ** 0.5) for _ in range(count))

    pick_team = Picker([*zip(range(len(cast.teams)), TEAM_WEIGHTS, strict=True), (-1, 0.03)], rng)
    pick_status = Picker(STATUSES, rng)
    pick_kind = Picker(KINDS, rng)
    pick_channel = Picker(CHANNELS, rng)
    pick_severity = Picker(SEVERITIES, rng)
    pick_tier = Picker(TIERS, rng)
    pick_category = Picker(CATEGORIES, rng)
    pick_request = Picker(REQUEST_TYPES, rng)
    pick_ikind = Picker(INTERACTION_KINDS, rng)
    pick_outcome = Picker(OUTCOMES, rng)
    pick_icount = Picker(INTERACTIONS_PER_CASE, rng)
    # A long tail of customers: weight 1/rank.
    customers = list(cast.customers)
    pick_customer = Picker([(c, 1.0 / (r + 1)) for r, c in enumerate(customers)], rng)
    staff = cast.staff
    subjects = _texts(rng, 300, 3, 9)
    descriptions = _texts(rng, 500, 15, 110)
    bodies = _texts(rng, 500, 4, 40)
    closing = _texts(rng, 200, 5, 25)
    for text in (*subjects, *descriptions, *bodies, *closing):
        # COPY's text format would need these escaped; the pools never have them.
        assert not any(c in text for c in "\\\t\n\r"), text
    jname = {p.id: json.dumps(p.name) for p in (*staff, *customers)}
    jteam = {t.id: json.dumps(t.name) for t in cast.teams}
    rand = rng.random
    randint = rng.randint

    n_inter = 0
    n_time = 0
    matching = 0
    bench_team_index = 0
    with ExitStack() as stack:
        conns: dict[str, psycopg.Connection[Any]] = {}
        for table in ("case", "interaction", "timeline"):
            conn = stack.enter_context(psycopg.connect(dsn))
            conn.execute("SET session_replication_role = replica")
            conns[table] = conn
        conns["case"].execute("TRUNCATE " + ", ".join(CASE_TABLES) + " RESTART IDENTITY CASCADE")
        conns["case"].commit()
        copies = {
            "case": stack.enter_context(
                conns["case"].cursor().copy(f"COPY cases_case ({CASE_COLUMNS}) FROM STDIN")
            ),
            "interaction": stack.enter_context(
                conns["interaction"]
                .cursor()
                .copy(f"COPY cases_interaction ({INTERACTION_COLUMNS}) FROM STDIN")
            ),
            "timeline": stack.enter_context(
                conns["timeline"]
                .cursor()
                .copy(f"COPY cases_timelineevent ({TIMELINE_COLUMNS}) FROM STDIN")
            ),
        }
        put, flush = _copy_sink(copies)
        for i, created_us in enumerate(created):
            case_id = i + 1
            team_index = pick_team()
            assert isinstance(team_index, int)
            team = cast.teams[team_index] if team_index >= 0 else None
            status = pick_status()
            assert isinstance(status, str)
            if team_index == bench_team_index and status == BENCH_STATUS:
                matching += 1
            unowned = rand() < (0.5 if status == "new" else 0.05)
            pool = team.members if team is not None else staff
            owner = None if unowned else pool[randint(0, len(pool) - 1)]
            creator = staff[randint(0, len(staff) - 1)]
            customer = pick_customer()
            assert isinstance(customer, Person)
            kind = pick_kind()
            assert isinstance(kind, str)
            reference = f"{cast.case_prefix}-{case_id:06d}"
            if kind in MONEY_KINDS and rand() < 0.6:
                currency, amount = cast.currency, f"{randint(5_000, 500_000) / 100:.2f}"
            else:
                currency, amount = "\\N", "\\N"
            done = status in ("resolved", "closed")
            path = PATHS[status]
            n_i = pick_icount()
            assert isinstance(n_i, int)
            # The case's events, each a little after the one before.
            t = created_us
            events: list[tuple[int, str]] = []
            owner_txt = jname[owner.id] if owner else "null"
            team_txt = jteam[team.id] if team else "null"
            channel = pick_channel()
            data = (
                f'{{"reference":"{reference}","kind":"{kind}","channel":"{channel}",'
                f'"customer":{jname[customer.id]},"owner":{owner_txt},"team":{team_txt}}}'
            )
            events.append((t, f"case.created\t\t\t\t{data}"))
            if owner is not None:
                t += randint(1, 3_600) * 1_000_000
                events.append(
                    (
                        t,
                        f"case.assigned\towner\t\t{owner.name}\t"
                        f'{{"old_owner_id":null,"new_owner_id":{owner.id}}}',
                    )
                )
            steps = list(path)
            for j in range(n_i):
                t += randint(600, 5 * 86_400) * 1_000_000
                n_inter += 1
                ikind = pick_ikind()
                outcome = pick_outcome() if ikind == "contact_attempt" else ""
                direction = (
                    "internal" if ikind == "note" else ("inbound" if rand() < 0.4 else "outbound")
                )
                author = owner or creator
                put(
                    "interaction",
                    f"{n_inter}\t{ikind}\t{direction}\t{outcome}\t"
                    f"{bodies[randint(0, len(bodies) - 1)]}\t{ts(t)}\t{ts(t)}\t{author.id}\t"
                    f"{case_id}\t{org}\n",
                )
                events.append(
                    (
                        t,
                        f"interaction.logged\t\t\t\t"
                        f'{{"interaction_id":{n_inter},"kind":"{ikind}","outcome":"{outcome}"}}',
                    )
                )
                if steps and (j == 0 or rand() < 0.5):
                    old, new = steps.pop(0)
                    t += randint(60, 86_400) * 1_000_000
                    events.append((t, f"case.status_changed\tstatus\t{old}\t{new}\t{{}}"))
            for old, new in steps:
                t += randint(600, 3 * 86_400) * 1_000_000
                events.append((t, f"case.status_changed\tstatus\t{old}\t{new}\t{{}}"))
            updated_us = min(t, end_us)
            actor = owner or creator
            for at, rest in events:
                n_time += 1
                # kind, actor_rule, actor_label, field, old, new, data: the rows above
                # carry kind + field/old/new/data; actor_rule is empty.
                kind_txt, tail = rest.split("\t", 1)
                put(
                    "timeline",
                    f"{n_time}\t{kind_txt}\t\t{actor.name}\t{tail}\t{ts(min(at, end_us))}\t"
                    f"{actor.id}\t\\N\t{case_id}\t{org}\n",
                )
            put(
                "case",
                f"{case_id}\t{case_id}\t{reference}\t{kind}\t{channel}\t"
                f"{subjects[randint(0, len(subjects) - 1)]}\t{pick_request()}\t"
                f"{descriptions[randint(0, len(descriptions) - 1)]}\t{pick_category()}\t"
                f"{pick_severity()}\t{pick_tier()}\t{status}\t"
                f"{closing[randint(0, 199)] if done else ''}\t"
                f"{closing[randint(0, 199)] if done else ''}\t"
                f"{closing[randint(0, 199)] if done else ''}\t"
                f"{currency}\t{amount}\t\t{1 + len(path) + (owner is not None)}\t"
                f"{ts(created_us)}\t{ts(updated_us)}\t{creator.id}\t{customer.id}\t{org}\t"
                f"{owner.id if owner else chr(92) + 'N'}\t{team.id if team else chr(92) + 'N'}\n",
            )
        flush()
    copied = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for table, last in (
            ("cases_case", count),
            ("cases_interaction", n_inter),
            ("cases_timelineevent", n_time),
        ):
            conn.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
                (table, max(last, 1), last > 0),
            )
        conn.execute(
            "UPDATE tenancy_organization SET last_case_number = %s WHERE id = %s", (count, org)
        )
        vacuum_started = time.perf_counter()
        conn.execute("VACUUM (ANALYZE)")
        # Write the load's dirty pages now, so that the measurements that follow do not
        # share the disk with a checkpoint (a commit's WAL flush would wait behind it).
        conn.execute("CHECKPOINT")
        vacuumed = time.perf_counter()
    return LoadReport(
        cases=count,
        interactions=n_inter,
        timeline=n_time,
        seconds=vacuumed - started,
        vacuum_seconds=vacuumed - vacuum_started,
        matching_rows=matching,
        steps={
            "generate_and_copy": copied - started,
            "vacuum_analyze_checkpoint": vacuumed - vacuum_started,
        },
    )


def check_integrity(dsn: str) -> dict[str, int]:
    """Counts the loaded rows whose references point nowhere (all must be 0), since the
    load skipped the foreign-key triggers."""
    checks = {
        "interactions without a case": (
            "SELECT count(*) FROM cases_interaction i "
            "WHERE NOT EXISTS (SELECT 1 FROM cases_case c WHERE c.id = i.case_id)"
        ),
        "timeline rows without a case": (
            "SELECT count(*) FROM cases_timelineevent e "
            "WHERE NOT EXISTS (SELECT 1 FROM cases_case c WHERE c.id = e.case_id)"
        ),
        "cases without a customer": (
            "SELECT count(*) FROM cases_case c "
            "WHERE NOT EXISTS (SELECT 1 FROM customers_customer u WHERE u.id = c.customer_id)"
        ),
        "cases with an unknown owner or team": (
            "SELECT count(*) FROM cases_case c WHERE "
            "(c.owner_id IS NOT NULL AND NOT EXISTS "
            " (SELECT 1 FROM tenancy_staff s WHERE s.id = c.owner_id)) OR "
            "(c.team_id IS NOT NULL AND NOT EXISTS "
            " (SELECT 1 FROM tenancy_team t WHERE t.id = c.team_id))"
        ),
    }
    out: dict[str, int] = {}
    with psycopg.connect(dsn) as conn:
        for name, sql in checks.items():
            row = conn.execute(sql).fetchone()
            assert row is not None
            value = row[0]
            assert isinstance(value, int)
            out[name] = value
    return out
