"""The health settings and reads (MT1): weights and bands per organization through the
use case and the API, refused input naming the field, the audit row, the worker's
recomputation after a change; a customer's health over the API; the money at risk."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from ladder.cases import actions as case_actions
from ladder.customers import actions as customer_actions
from ladder.customers.models import Customer
from ladder.errors import Forbidden, Invalid
from ladder.health import actions, queries
from ladder.health.models import HealthScore, HealthSettingsChange, HealthWeight
from ladder.health.score import recompute_customers
from ladder.money import make_money
from ladder.ops.management.commands.worker import WorkerLoop
from tests.conftest import Api, Org, new_case
from tests.health_setup import add_signal

WEIGHTS = {"past_due": {"weight": "50", "half_life_days": 10}}


def test_an_admin_sets_weights_and_bands_audited(acme: Org, other: Org) -> None:
    """MT1: weights per kind and the band thresholds are the organization's own; the
    change is audited with the values before and after."""
    settings = actions.set_health_weights(
        actor=acme.actor(acme.admin), weights=WEIGHTS, red_below=50, amber_below=90
    )
    assert settings.weights["past_due"].points == Decimal(50)
    assert settings.weights["past_due"].half_life_days == 10
    assert settings.weights["upset"].points == Decimal(15)  # untouched: the default
    assert (settings.policy.red_below, settings.policy.amber_below) == (50, 90)
    change = HealthSettingsChange.objects.get(organization=acme.org)
    assert change.kind == "health.weights_set"
    assert change.actor_staff == acme.admin
    assert change.data["before"]["weights"]["past_due"] == {
        "weight": "30",
        "half_life_days": 30,
    }
    assert change.data["after"]["weights"]["past_due"] == {
        "weight": "50.00",
        "half_life_days": 10,
    }
    assert change.data["after"]["red_below"] == 50
    other_settings = actions.current_settings(other.org)
    assert other_settings.weights["past_due"].points == Decimal(30)
    assert other_settings.policy.red_below == 40


@pytest.mark.parametrize(
    ("weights", "red", "amber", "fields"),
    [
        (
            {"past_due": {"weight": "101", "half_life_days": 10}},
            40,
            70,
            ["weights.past_due.weight"],
        ),
        ({"past_due": {"weight": "-1", "half_life_days": 10}}, 40, 70, ["weights.past_due.weight"]),
        (
            {"past_due": {"weight": "1.005", "half_life_days": 10}},
            40,
            70,
            ["weights.past_due.weight"],
        ),
        (
            {"upset": {"weight": "10", "half_life_days": 0}},
            40,
            70,
            ["weights.upset.half_life_days"],
        ),
        (
            {"upset": {"weight": "10", "half_life_days": 366}},
            40,
            70,
            ["weights.upset.half_life_days"],
        ),
        ({"weather": {"weight": "10", "half_life_days": 3}}, 40, 70, ["weights.weather"]),
        ({}, 70, 70, ["red_below"]),
        ({}, 40, 101, ["amber_below"]),
    ],
)
def test_bad_weights_are_refused_naming_the_field(
    acme: Org, weights: dict[str, Any], red: int, amber: int, fields: list[str]
) -> None:
    """MT1: weight 0–100, half-life 1–365 days, a known kind, red below amber ≤ 100;
    nothing is written."""
    with pytest.raises(Invalid) as refused:
        actions.set_health_weights(
            actor=acme.actor(acme.admin), weights=weights, red_below=red, amber_below=amber
        )
    assert [e.field for e in refused.value.errors] == fields
    assert not HealthWeight.objects.exists()
    assert not HealthSettingsChange.objects.exists()


def test_only_admins_set_weights(acme: Org) -> None:
    """MT1: the weights are configuration (`configure`)."""
    with pytest.raises(Forbidden):
        actions.set_health_weights(
            actor=acme.actor(acme.manager), weights=WEIGHTS, red_below=40, amber_below=70
        )


def test_changing_weights_recomputes_scores_in_the_worker(
    acme: Org, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MT1: after a change the worker recomputes the organization's scores (a queued
    task), and the band follows the new weights."""
    for module in ("ladder.ops.management.commands.", "django_tasks_db.management.commands.db_"):
        monkeypatch.setattr(f"{module}worker.close_old_connections", lambda: None)
    add_signal(acme.customer, "past_due", timezone.now())
    recompute_customers([acme.customer.pk], at=timezone.now())
    assert HealthScore.objects.get(customer=acme.customer).band == "green"
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_health_weights(
            actor=acme.actor(acme.admin), weights=WEIGHTS, red_below=60, amber_below=80
        )
    WorkerLoop(name="loop", interval=0, batch=True, deadline_batch=10, delivery_batch=5).run()
    row = HealthScore.objects.get(customer=acme.customer)
    assert (row.score, row.band) == (50, "red")


# --- the API -------------------------------------------------------------------------


def test_policy_over_the_api(acme: Org) -> None:
    """MT1: GET shows every kind with its default; PUT sets them (admins only) and
    refuses bad values naming the field."""
    admin = Api(acme.admin)
    got = admin.get("health/policy").json()
    assert (got["red_below"], got["amber_below"]) == (40, 70)
    past_due = next(w for w in got["weights"] if w["kind"] == "past_due")
    assert past_due == {
        "kind": "past_due",
        "label": "Past due",
        "weight": "30.00",
        "half_life_days": 30,
        "default_weight": "30.00",
        "default_half_life_days": 30,
    }
    body = {"red_below": 30, "amber_below": 60, "weights": WEIGHTS}
    put = admin.put("health/policy", body)
    assert put.status_code == 200, put.content
    assert put.json()["red_below"] == 30
    assert next(w for w in put.json()["weights"] if w["kind"] == "past_due")["weight"] == "50.00"
    bad = admin.put(
        "health/policy",
        {
            "red_below": 80,
            "amber_below": 60,
            "weights": {"upset": {"weight": 5, "half_life_days": 400}},
        },
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == [
        "weights.upset.half_life_days",
        "red_below",
    ]
    assert Api(acme.agent).put("health/policy", body).status_code == 403


def test_a_customers_health_over_the_api(
    acme: Org, other: Org, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    """MT1: the score, band, components and latest signals; another organization's
    customer is 404."""
    now = timezone.now()
    add_signal(acme.customer, "past_due", now, source="billing", value=Decimal("420.50"))
    add_signal(acme.customer, "upset", now - dt.timedelta(days=14), note="Angry call")
    recompute_customers([acme.customer.pk], at=now)
    api = Api(acme.agent)
    with django_assert_max_num_queries(6):
        got = api.get(f"customers/{acme.customer.pk}/health")
    assert got.status_code == 200, got.content
    body = got.json()
    assert (body["score"], body["band"], body["band_label"]) == (
        63,
        "amber",
        "At risk",
    )  # 100 − 30 − 7.5, rounded
    assert [(c["kind"], c["signals"], c["points"]) for c in body["components"]] == [
        ("past_due", 1, "30.0"),
        ("upset", 1, "7.5"),
    ]
    assert [(s["kind"], s["source"], s["value"], s["note"]) for s in body["signals"]] == [
        ("past_due", "billing", "420.5000", ""),
        ("upset", "tests", None, "Angry call"),
    ]
    assert api.get(f"customers/{other.customer.pk}/health").status_code == 404


def test_an_unscored_customer_has_no_score_yet(acme: Org) -> None:
    """MT1: before any signal is processed the account has no score (not a made-up 100)."""
    body = Api(acme.agent).get(f"customers/{acme.customer.pk}/health").json()
    assert (body["score"], body["band"], body["components"], body["signals"]) == (
        None,
        None,
        [],
        [],
    )


# --- money at risk -------------------------------------------------------------------


def _account(o: Org, name: str, mrr: str, contract: str | None = None) -> Customer:
    return customer_actions.create_customer(
        actor=o.actor(),
        name=name,
        mrr=make_money(mrr, o.org.currency, "mrr"),
        contract_value=make_money(contract, o.org.currency, "contract_value") if contract else None,
    )


def _scored(customer: Customer, band: str, score: int) -> None:
    HealthScore.objects.update_or_create(
        customer=customer,
        defaults={
            "organization_id": customer.organization_id,
            "score": score,
            "band": band,
            "components": [],
            "computed_at": timezone.now(),
        },
    )


def test_money_at_risk_is_exact_and_for_managers_only(
    acme: Org, other: Org, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    """MT1: MRR and contract value of red and amber accounts and of accounts with an
    open cancellation, refund or downgrade case, added exactly as Decimals in the
    organization's currency; green accounts and closed-off risks do not count; agents
    may not see it."""
    red = _account(acme, "Red", "1000.10", "12000.00")
    amber = _account(acme, "Amber", "200.20")
    cancelling = _account(acme, "Cancelling", "0.03", "300.00")
    green = _account(acme, "Green", "5000.00", "60000.00")
    complaining = _account(acme, "Complaining", "7000.00")
    _scored(red, "red", 20)
    _scored(amber, "amber", 55)
    _scored(green, "green", 95)
    _scored(cancelling, "green", 90)
    new_case(acme, customer_id=cancelling.pk, kind="cancellation", subject="Wants to leave")
    new_case(acme, customer_id=complaining.pk, kind="complaint", subject="Slow support")
    foreign = _account(other, "Foreign red", "999.00")
    _scored(foreign, "red", 5)
    with django_assert_max_num_queries(2):
        risk = queries.money_at_risk(actor=acme.actor(acme.manager))
    assert risk.accounts == 3
    assert risk.mrr.amount == Decimal("1200.33")
    assert risk.contract_value.amount == Decimal("12300.00")
    assert str(risk.mrr.currency) == acme.org.currency
    with django_assert_max_num_queries(2):
        rows = queries.accounts_at_risk(actor=acme.actor(acme.manager))
    assert [(r.name, r.band, r.score, r.risky_cases) for r in rows] == [
        ("Red", "red", 20, 0),
        ("Amber", "amber", 55, 0),
        ("Cancelling", "green", 90, 1),
    ]
    with pytest.raises(Forbidden):
        queries.money_at_risk(actor=acme.actor(acme.agent))
    api = Api(acme.manager).get("health/money-at-risk")
    assert api.json() == {
        "accounts": 3,
        "mrr": {"amount": "1200.33", "currency": acme.org.currency},
        "contract_value": {"amount": "12300.00", "currency": acme.org.currency},
    }
    assert Api(acme.agent).get("health/money-at-risk").status_code == 403


def test_a_resolved_cancellation_no_longer_puts_money_at_risk(acme: Org) -> None:
    """MT1: only an open cancellation, refund or downgrade case counts."""
    leaving = _account(acme, "Leaving", "100.00")
    case = new_case(acme, customer_id=leaving.pk, kind="refund", subject="Refund please")
    assert queries.money_at_risk(actor=acme.actor(acme.manager)).accounts == 1
    case = case_actions.update_case(
        actor=acme.actor(),
        case_id=case.pk,
        expected_version=case.version,
        changes={"root_cause": "Billing error", "resolution": "Refunded"},
    )
    case_actions.transition_case(
        actor=acme.actor(), case_id=case.pk, expected_version=case.version, to="resolved"
    )
    assert queries.money_at_risk(actor=acme.actor(acme.manager)).accounts == 0


@pytest.mark.parametrize("weight", ["NaN", "Infinity", "1E+1000", "ten", True])
def test_weights_that_are_not_numbers_are_refused(acme: Org, weight: Any) -> None:
    """MT1: no exception escapes for an odd number; the field is named."""
    with pytest.raises(Invalid) as refused:
        actions.set_health_weights(
            actor=acme.actor(acme.admin),
            weights={"upset": {"weight": weight, "half_life_days": 5}},
            red_below=40,
            amber_below=70,
        )
    assert [e.field for e in refused.value.errors] == ["weights.upset.weight"]
