"""/api/v1: the health score (MT1): the organization's weights and bands, a customer's
score with the components and signals that explain it, and the money at risk."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Schema

from ladder.api.auth import actor_of
from ladder.api.http import responses
from ladder.api.schemas import MoneyOut, money_out
from ladder.health import actions, queries
from ladder.health.models import SignalKind
from ladder.health.score import DEFAULT_WEIGHTS

router = Router(tags=["health"])

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


# --- schemas ---------------------------------------------------------------------------


class WeightIn(Schema):
    weight: Decimal = Field(description="points of 100 taken off at full strength, 0–100")
    half_life_days: int = Field(description="days until a signal counts half, 1–365")


class PolicyIn(Schema):
    red_below: int = Field(description="a score below this is red")
    amber_below: int = Field(description="a score below this (and not red) is amber; ≤ 100")
    weights: dict[SignalKind, WeightIn] = Field(
        default_factory=dict,
        description="per kind of signal; kinds left out keep their current weight",
    )


class WeightOut(Schema):
    kind: str
    label: str
    weight: str = Field(description='decimal points as a string, e.g. "30.00"')
    half_life_days: int
    default_weight: str
    default_half_life_days: int


class PolicyOut(Schema):
    red_below: int
    amber_below: int
    weights: list[WeightOut]


class ComponentOut(Schema):
    kind: str
    label: str = Field(description="the kind of signal in the caller's language")
    signals: int = Field(description="signals of this kind still counting")
    weight: str
    half_life_days: int
    strength: str = Field(description="Σ 0.5^(age / half-life) over those signals")
    points: str = Field(description="points taken off the score: weight × strength")


class RecentSignalOut(Schema):
    kind: str
    label: str
    occurred_at: dt.datetime
    source: str
    value: str | None
    note: str


class CustomerHealthOut(Schema):
    customer_id: int
    score: int | None = Field(description="0–100; null until the account is first scored")
    band: str | None = Field(description="green, amber or red")
    band_label: str
    computed_at: dt.datetime | None
    components: list[ComponentOut] = Field(description="largest points first")
    signals: list[RecentSignalOut] = Field(description="the latest signals, newest first")


class MoneyAtRiskOut(Schema):
    accounts: int
    mrr: MoneyOut
    contract_value: MoneyOut


# --- converters --------------------------------------------------------------------------


def _policy(settings: actions.HealthSettings) -> PolicyOut:
    return PolicyOut(
        red_below=settings.policy.red_below,
        amber_below=settings.policy.amber_below,
        weights=[
            WeightOut(
                kind=kind,
                label=queries.kind_label(kind),
                weight=f"{settings.weights[kind].points:.2f}",
                half_life_days=settings.weights[kind].half_life_days,
                default_weight=f"{DEFAULT_WEIGHTS[kind].points:.2f}",
                default_half_life_days=DEFAULT_WEIGHTS[kind].half_life_days,
            )
            for kind in SignalKind.values
        ],
    )


def _health(view: queries.CustomerHealth) -> CustomerHealthOut:
    return CustomerHealthOut(
        customer_id=view.customer_id,
        score=view.score,
        band=view.band,
        band_label=view.band_label,
        computed_at=view.computed_at,
        components=[
            ComponentOut(
                kind=c.kind,
                label=c.label,
                signals=c.signals,
                weight=str(c.weight),
                half_life_days=c.half_life_days,
                strength=str(c.strength),
                points=str(c.points),
            )
            for c in view.components
        ],
        signals=[
            RecentSignalOut(
                kind=s.kind,
                label=s.label,
                occurred_at=s.occurred_at,
                source=s.source,
                value=str(s.value) if s.value is not None else None,
                note=s.note,
            )
            for s in view.signals
        ],
    )


# --- routes ------------------------------------------------------------------------------


@router.get(
    "/health/policy",
    response=responses({200: PolicyOut}),
    summary="The health score's weights and bands",
)
def get_policy(request: HttpRequest) -> PolicyOut:
    """MT1: per kind of signal, the points it takes off and its half-life (the
    organization's, else Ladder's default, shown alongside), and the band thresholds."""
    return _policy(actions.current_settings(actor_of(request).organization))


@router.put(
    "/health/policy",
    response=responses({200: PolicyOut}, 403),
    summary="Set the health score's weights and bands",
)
def put_policy(request: HttpRequest, body: PolicyIn) -> PolicyOut:
    """Admins (`configure`). Weight 0–100 points, half-life 1–365 days, `red_below` <
    `amber_below` ≤ 100 (422 naming `weights.<kind>.weight`, `red_below` …). Audited;
    the worker recomputes the organization's scores after the change."""
    settings = actions.set_health_weights(
        actor=actor_of(request),
        weights={
            str(kind.value): {"weight": w.weight, "half_life_days": w.half_life_days}
            for kind, w in body.weights.items()
        },
        red_below=body.red_below,
        amber_below=body.amber_below,
    )
    return _policy(settings)


@router.get(
    "/customers/{customer_id}/health",
    response=responses({200: CustomerHealthOut}, 404),
    summary="A customer's health score and why",
)
def get_customer_health(request: HttpRequest, customer_id: Id) -> CustomerHealthOut:
    """The score as last computed, its band, the components (per kind: signals, weight,
    half-life, strength, points taken off) and the latest signals."""
    actor = actor_of(request)
    return _health(
        queries.customer_health(organization=actor.organization, customer_id=customer_id)
    )


@router.get(
    "/health/money-at-risk",
    response=responses({200: MoneyAtRiskOut}, 403),
    summary="The money at risk",
)
def get_money_at_risk(request: HttpRequest) -> MoneyAtRiskOut:
    """Team leads and managers (`money_at_risk.view`). MRR and contract value, in the
    organization's currency, of the accounts that are red or amber or have an open
    cancellation, refund or downgrade case, and how many accounts those are."""
    risk = queries.money_at_risk(actor=actor_of(request))
    mrr, contract = money_out(risk.mrr), money_out(risk.contract_value)
    assert mrr is not None
    assert contract is not None
    return MoneyAtRiskOut(accounts=risk.accounts, mrr=mrr, contract_value=contract)
