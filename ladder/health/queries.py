"""Reads the API and the pages share: a customer's health (score, band, components,
recent signals), the page of a customer's signals, the money at risk and the accounts
at risk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from djmoney.money import Money

from ladder.cases.models import Case, Kind
from ladder.cases.states import OPEN
from ladder.customers.models import Customer
from ladder.errors import NotFound
from ladder.health.models import Band, Signal, SignalKind
from ladder.paging import Page, keyset_rows
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization
from ladder.tenancy.permissions import Permission

RECENT_SIGNALS = 20
# An open case of these kinds puts the account's money at risk, whatever its score.
AT_RISK_KINDS: tuple[str, ...] = (Kind.CANCELLATION, Kind.REFUND, Kind.DOWNGRADE)
AT_RISK_BANDS: tuple[str, ...] = (Band.RED, Band.AMBER)


def kind_label(kind: str) -> str:
    return str(SignalKind(kind).label) if kind in SignalKind.values else kind


def band_label(band: str) -> str:
    return str(Band(band).label) if band in Band.values else band


@dataclass(frozen=True)
class Component:
    kind: str
    label: str
    signals: int
    weight: Decimal
    half_life_days: int
    strength: Decimal
    points: Decimal


@dataclass(frozen=True)
class RecentSignal:
    kind: str
    label: str
    occurred_at: dt.datetime
    source: str
    value: Decimal | None
    note: str

    @property
    def value_text(self) -> str:
        """The value without the trailing zeros of its four stored decimals."""
        if self.value is None:
            return ""
        text = f"{self.value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class CustomerHealth:
    """A customer's score as last computed (``None`` before any computation: no signal
    has been processed for the account) and its latest signals."""

    customer_id: int
    score: int | None
    band: str | None
    computed_at: dt.datetime | None
    components: list[Component]
    signals: list[RecentSignal]

    @property
    def band_label(self) -> str:
        return band_label(self.band) if self.band else ""


def _component(raw: dict[str, Any]) -> Component:
    return Component(
        kind=str(raw["kind"]),
        label=kind_label(str(raw["kind"])),
        signals=int(raw["signals"]),
        weight=Decimal(str(raw["weight"])),
        half_life_days=int(raw["half_life_days"]),
        strength=Decimal(str(raw["strength"])),
        points=Decimal(str(raw["points"])),
    )


def customer_health(*, organization: Organization, customer_id: int) -> CustomerHealth:
    """Two queries: the customer with its score, and its latest signals. Another
    organization's customer is :class:`NotFound`."""
    row = (
        Customer.objects.filter(organization=organization, pk=customer_id)
        .values("pk", "health__score", "health__band", "health__computed_at", "health__components")
        .first()
    )
    if row is None:
        raise NotFound("customer")
    signals = [
        RecentSignal(
            kind=s.kind,
            label=kind_label(s.kind),
            occurred_at=s.occurred_at,
            source=s.source,
            value=s.value,
            note=s.note,
        )
        for s in Signal.objects.filter(customer_id=customer_id).order_by("-occurred_at", "-id")[
            :RECENT_SIGNALS
        ]
    ]
    return CustomerHealth(
        customer_id=customer_id,
        score=row["health__score"],
        band=row["health__band"],
        computed_at=row["health__computed_at"],
        components=[_component(c) for c in row["health__components"] or []],
        signals=signals,
    )


# --- money at risk -------------------------------------------------------------------


def _at_risk(organization: Organization) -> Any:
    risky_case = Case.objects.filter(
        customer_id=OuterRef("pk"), kind__in=AT_RISK_KINDS, status__in=list(OPEN)
    )
    return Customer.objects.filter(organization=organization).filter(
        Q(health__band__in=AT_RISK_BANDS) | Q(Exists(risky_case))
    )


@dataclass(frozen=True)
class MoneyAtRisk:
    """MRR and contract value of the accounts at risk (red or amber, or with an open
    cancellation, refund or downgrade case), in the organization's currency."""

    accounts: int
    mrr: Money
    contract_value: Money


def money_at_risk(*, actor: Actor) -> MoneyAtRisk:
    """One query; for team leads and managers (``money_at_risk.view``). Amounts in
    another currency than the organization's (which the desk does not let anyone
    enter) are left out rather than added up wrongly."""
    actor.require(Permission.MONEY_AT_RISK)
    organization = actor.organization
    currency = organization.currency
    totals = _at_risk(organization).aggregate(
        accounts=Count("pk"),
        mrr=Sum("mrr", filter=Q(mrr_currency=currency)),
        contract_value=Sum("contract_value", filter=Q(contract_value_currency=currency)),
    )
    return MoneyAtRisk(
        accounts=int(totals["accounts"]),
        mrr=Money(totals["mrr"] or Decimal("0.00"), currency),
        contract_value=Money(totals["contract_value"] or Decimal("0.00"), currency),
    )


@dataclass(frozen=True)
class AccountAtRisk:
    customer_id: int
    name: str
    mrr: Money | None
    contract_value: Money | None
    score: int | None
    band: str | None
    risky_cases: int

    @property
    def band_label(self) -> str:
        return band_label(self.band) if self.band else ""


def accounts_at_risk(*, actor: Actor, limit: int = 500) -> list[AccountAtRisk]:
    """The accounts at risk, most money first (MRR, then contract value), with their
    score and band and how many risky cases they have open. One query; for team leads
    and managers (``money_at_risk.view``)."""
    actor.require(Permission.MONEY_AT_RISK)
    rows = (
        _at_risk(actor.organization)
        .annotate(
            risky_cases=Count(
                "cases",
                filter=Q(cases__kind__in=AT_RISK_KINDS, cases__status__in=list(OPEN)),
            )
        )
        .values(
            "pk",
            "name",
            "mrr",
            "mrr_currency",
            "contract_value",
            "contract_value_currency",
            "health__score",
            "health__band",
            "risky_cases",
        )
        .order_by(
            F("mrr").desc(nulls_last=True),
            F("contract_value").desc(nulls_last=True),
            "name",
            "pk",
        )[:limit]
    )
    return [
        AccountAtRisk(
            customer_id=r["pk"],
            name=r["name"],
            mrr=Money(r["mrr"], r["mrr_currency"]) if r["mrr"] is not None else None,
            contract_value=(
                Money(r["contract_value"], r["contract_value_currency"])
                if r["contract_value"] is not None
                else None
            ),
            score=r["health__score"],
            band=r["health__band"],
            risky_cases=r["risky_cases"],
        )
        for r in rows
    ]


SIGNAL_COLUMNS = (
    "id",
    "customer_id",
    "kind",
    "occurred_at",
    "source",
    "source_id",
    "value",
    "note",
    "received_at",
    "processed_at",
)


def customer_signals(
    *, organization: Organization, customer_id: int, cursor: str | None, limit: int
) -> Page[dict[str, Any]] | None:
    """A page of the customer's signals, newest first; None when the customer is not
    the organization's."""
    if not Customer.objects.filter(organization=organization, pk=customer_id).exists():
        return None
    rows = Signal.objects.filter(organization=organization, customer_id=customer_id).values(
        *SIGNAL_COLUMNS
    )
    return keyset_rows(rows, order=["-occurred_at", "-id"], cursor=cursor, limit=limit)
