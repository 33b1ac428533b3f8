"""The health score (MT1): the decay formula, its clamp and cut-off, the components,
the SQL and Python computations agreeing, band changes firing ``health.changed`` once,
per-organization weights, the full and the daily recomputation."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from ladder.cases.models import Case
from ladder.customers import actions as customer_actions
from ladder.health.models import HealthPolicy, HealthScore, HealthWeight, SignalKind
from ladder.health.score import (
    DEFAULT_WEIGHTS,
    Policy,
    band_for,
    decay,
    recompute_all,
    recompute_customers,
    refresh_stale,
    score_from,
    weights_for,
)
from ladder.ops.management.commands.worker import WorkerLoop
from ladder.playbooks.models import AccountDecision
from tests.conftest import Org, build_org, is_postgres
from tests.health_setup import add_signal
from tests.playbook_setup import install_playbook

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)

RED_BOOK = """
playbook: watch
title: Health watch
languages: [en]
tiers:
  - {level: 1, name: Agent, role: agent}
rules:
  - name: red_opens_a_case
    when: health.changed
    with: {band: red}
    do:
      - open_case:
          kind: escalation
          subject: The account turned red
"""


def score_row(o: Org) -> HealthScore:
    return HealthScore.objects.get(customer=o.customer)


# --- the formula ---------------------------------------------------------------------


def test_decay_halves_per_half_life_and_stops_after_four() -> None:
    """MT1: a signal counts fully when new, half after one half-life, nothing beyond
    four half-lives or when dated in the future."""
    assert decay(0, 30) == 1.0
    assert decay(30, 30) == 0.5
    assert decay(60, 30) == 0.25
    assert decay(120, 30) == 0.0625
    assert decay(120.01, 30) == 0.0
    assert decay(-1, 30) == 0.0


def test_a_new_past_due_signal_takes_its_weight_and_fades(acme: Org) -> None:
    """MT1: past due weighs 30 with a 30-day half-life: 70 today, 85 after 30 days, 100
    once it is older than four half-lives; the SQL and Python computations agree."""
    add_signal(acme.customer, "past_due", NOW)
    for days, expected in [(0, 70), (30, 85), (60, 93), (121, 100)]:
        at = NOW + days * DAY
        recompute_customers([acme.customer.pk], at=at)
        assert score_row(acme).score == expected, days
        python, _ = score_from([("past_due", NOW)], DEFAULT_WEIGHTS, at=at)
        assert python == expected


def test_the_score_is_clamped_at_zero_and_components_explain_it(acme: Org) -> None:
    """MT1: signals worth more than 100 points make 0, not less; the components list
    each kind with its count, weight, half-life, strength and points, largest first."""
    for _ in range(3):
        add_signal(acme.customer, "past_due", NOW - 30 * DAY)
    for _ in range(4):
        add_signal(acme.customer, "upset", NOW)
    add_signal(acme.customer, "complaint", NOW - 400 * DAY)  # long faded: left out
    recompute_customers([acme.customer.pk], at=NOW)
    row = score_row(acme)
    assert row.score == 0
    assert row.band == "red"
    assert row.computed_at == NOW
    assert row.components == [
        {
            "kind": "upset",
            "signals": 4,
            "weight": 15.0,
            "half_life_days": 14,
            "strength": 4.0,
            "points": 60.0,
        },
        {
            "kind": "past_due",
            "signals": 3,
            "weight": 30.0,
            "half_life_days": 30,
            "strength": 1.5,
            "points": 45.0,
        },
    ]


def test_a_customer_without_signals_is_green_at_100(acme: Org) -> None:
    """MT1: no signals, nothing taken off."""
    assert recompute_customers([acme.customer.pk], at=NOW) == []
    row = score_row(acme)
    assert (row.score, row.band, row.components) == (100, "green", [])


def test_bands_follow_the_policy() -> None:
    """MT1: below red_below is red, below amber_below amber, else green."""
    policy = Policy(red_below=40, amber_below=70)
    assert [band_for(s, policy) for s in (0, 39, 40, 69, 70, 100)] == [
        "red",
        "red",
        "amber",
        "amber",
        "green",
        "green",
    ]


KINDS = st.sampled_from(list(SignalKind.values))
AGES = st.floats(min_value=0, max_value=400, allow_nan=False)
SIGNALS = st.lists(st.tuples(KINDS, AGES), max_size=30)


@given(signals=SIGNALS, extra=st.tuples(KINDS, AGES))
@settings(max_examples=300, deadline=None)
def test_the_score_stays_in_range_and_a_signal_never_raises_it(
    signals: list[tuple[str, float]], extra: tuple[str, float]
) -> None:
    """MT1 (property): the score is a whole number from 0 to 100, and adding a signal
    never raises it."""
    dated = [(kind, NOW - dt.timedelta(days=age)) for kind, age in signals]
    before, _ = score_from(dated, DEFAULT_WEIGHTS, at=NOW)
    after, _ = score_from(
        [*dated, (extra[0], NOW - dt.timedelta(days=extra[1]))], DEFAULT_WEIGHTS, at=NOW
    )
    assert 0 <= before <= 100
    assert 0 <= after <= 100
    assert after <= before


def test_sql_and_python_agree_on_a_mix_of_signals(acme: Org) -> None:
    """MT1: the aggregate query computes what the formula says, kind by kind."""
    mix = [
        ("past_due", 3.5),
        ("past_due", 44),
        ("engagement_drop", 10),
        ("nps_detractor", 200),
        ("unresponsive", 56),
        ("unresponsive", 57),
        ("usage_drop", 0.25),
    ]
    for kind, age in mix:
        add_signal(acme.customer, kind, NOW - dt.timedelta(days=age))
    recompute_customers([acme.customer.pk], at=NOW)
    expected = score_from(
        [(k, NOW - dt.timedelta(days=a)) for k, a in mix], DEFAULT_WEIGHTS, at=NOW
    )
    row = score_row(acme)
    assert (row.score, row.components) == expected


# --- band changes --------------------------------------------------------------------


def test_a_band_change_fires_health_changed_once(acme: Org) -> None:
    """MT1: turning red runs the health.changed rules once; recomputing while it stays
    red fires nothing more; recovering to green is a change again (not to red)."""
    install_playbook(acme.org, RED_BOOK)
    for _ in range(3):
        add_signal(acme.customer, "past_due", NOW)
    changes = recompute_customers([acme.customer.pk], at=NOW)
    assert [(c.before, c.after, c.score) for c in changes] == [("green", "red", 10)]
    assert recompute_customers([acme.customer.pk], at=NOW + dt.timedelta(hours=1)) == []
    decisions = AccountDecision.objects.filter(customer=acme.customer, trigger="health.changed")
    assert decisions.count() == 1
    case = Case.objects.get(customer=acme.customer)
    assert (case.kind, case.channel) == ("escalation", "signal")
    later = recompute_customers([acme.customer.pk], at=NOW + 200 * DAY)
    assert [(c.before, c.after) for c in later] == [("red", "green")]
    assert Case.objects.filter(customer=acme.customer).count() == 1


# --- weights per organization --------------------------------------------------------


def test_weights_are_per_organization(acme: Org, other: Org) -> None:
    """MT1: one organization's weights and bands do not change another's scores."""
    HealthWeight.objects.create(
        organization=acme.org, kind="past_due", weight=Decimal(50), half_life_days=10
    )
    HealthPolicy.objects.create(organization=acme.org, red_below=60, amber_below=80, updated_at=NOW)
    assert weights_for(acme.org)["past_due"].points == Decimal(50)
    assert weights_for(other.org)["past_due"] == DEFAULT_WEIGHTS["past_due"]
    add_signal(acme.customer, "past_due", NOW)
    add_signal(other.customer, "past_due", NOW)
    recompute_customers([acme.customer.pk, other.customer.pk], at=NOW)
    assert (score_row(acme).score, score_row(acme).band) == (50, "red")
    assert (score_row(other).score, score_row(other).band) == (70, "green")


# --- the full and the daily recomputation --------------------------------------------


def test_recompute_all_scores_new_signals_and_lets_faded_ones_recover(
    acme: Org, other: Org
) -> None:
    """MT1: the full recomputation covers every customer with recent signals, and
    those whose score was below 100 (their signals faded since)."""
    second = customer_actions.create_customer(actor=acme.actor(), name="Second")
    add_signal(acme.customer, "downgrade_request", NOW - 200 * DAY)
    add_signal(second, "upset", NOW)
    HealthScore.objects.create(
        customer=acme.customer,
        organization=acme.org,
        score=75,
        band="green",
        components=[],
        computed_at=NOW - 100 * DAY,
    )
    done = recompute_all(acme.org, at=NOW)
    assert (done.organizations, done.customers) == (1, 2)
    assert score_row(acme).score == 100
    assert HealthScore.objects.get(customer=second).score == 85
    assert not HealthScore.objects.filter(customer=other.customer).exists()


def test_the_daily_pass_refreshes_scores_older_than_a_day(acme: Org) -> None:
    """MT1: decay changes scores without new signals; the worker's pass recomputes
    those computed more than a day ago, and only those."""
    add_signal(acme.customer, "upset", NOW)
    recompute_customers([acme.customer.pk], at=NOW)
    assert refresh_stale(at=NOW + dt.timedelta(hours=23)) == 0
    assert refresh_stale(at=NOW + 14 * DAY) == 1
    row = score_row(acme)
    assert (row.score, row.computed_at) == (93, NOW + 14 * DAY)
    assert refresh_stale(at=NOW + 50 * DAY) == 1  # 15 × 0.5^(50/14) = 1.3 off: 99
    assert score_row(acme).score == 99
    assert refresh_stale(at=NOW + 80 * DAY) == 1  # older than four half-lives: 100
    assert score_row(acme).score == 100
    assert refresh_stale(at=NOW + 90 * DAY) == 0  # nothing left to fade


def test_the_command_recomputes_and_prints_counts(
    acme: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """MT1: `ladder recompute-health --organization acme` prints what it did."""
    add_signal(acme.customer, "upset", dt.datetime.now(dt.UTC))
    call_command("recompute-health", "--organization", "acme")
    out = capsys.readouterr().out
    assert "recomputed 1 customer(s) in 1 organization(s); 0 band change(s)" in out
    assert score_row(acme).score == 85


def test_the_worker_loop_refreshes_a_day_old_score(
    acme: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MT1: the worker keeps bands at most a day stale: a score computed two days ago
    is recomputed in its next round, with the decay since."""
    # A process recycles stale connections between rounds; here that connection holds
    # the test's transaction, so leave it be.
    for module in ("ladder.ops.management.commands.", "django_tasks_db.management.commands.db_"):
        monkeypatch.setattr(f"{module}worker.close_old_connections", lambda: None)
    now = dt.datetime.now(dt.UTC)
    add_signal(acme.customer, "upset", now - 14 * DAY)
    HealthScore.objects.create(
        customer=acme.customer,
        organization=acme.org,
        score=85,
        band="green",
        components=[],
        computed_at=now - 2 * DAY,
    )
    WorkerLoop(name="loop", interval=0, batch=True, deadline_batch=10, delivery_batch=5).run()
    row = score_row(acme)
    assert row.score == 93
    assert row.computed_at > now


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_scoring_the_same_account_at_once_report_its_change_once() -> None:
    """MT1: eight workers recompute the same new red account at the same moment; the
    customer's row lock makes exactly one of them see the change from green, so the
    health.changed rules run once."""
    if not is_postgres():
        pytest.skip("needs PostgreSQL (row locks); CI runs it with DATABASE_URL set")
    o = build_org("race", "RACE")
    install_playbook(o.org, RED_BOOK)
    for _ in range(3):
        add_signal(o.customer, "past_due", NOW)
    changes: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        try:
            changes.append(len(recompute_customers([o.customer.pk], at=NOW)))
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
    assert sorted(changes) == [0] * 7 + [1]
    assert Case.objects.filter(customer=o.customer).count() == 1
