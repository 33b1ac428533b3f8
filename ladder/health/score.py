"""The health score (MT1): 100 minus what the customer's recent signals take off, each
kind weighted by the organization and fading with its half-life; the band it falls in;
and the components that say why.

    score = clamp(round(100 − Σ_kind weight_kind × Σ_signals 0.5^(age_days / half_life_kind)))

A signal older than four half-lives (it would count for less than 1/16 of its weight)
or dated after the instant of the computation is left out. A signal's ``value`` does not
change its weight: the kind says what happened, the value is shown for the record.

The sums are computed in SQL, one aggregate query per chunk of customers, on
PostgreSQL and SQLite alike (Django gives SQLite its ``POWER``). :func:`score_from` is
the same formula in Python over signals in memory; the tests hold the two equal."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from ladder.customers.models import Customer
from ladder.health.models import Band, HealthPolicy, HealthScore, HealthWeight, Signal, SignalKind
from ladder.tenancy.models import Organization
from ladder.timeutil import require_aware

MAX_HALF_LIVES = 4
RED_BELOW = 40
AMBER_BELOW = 70
# A score is recomputed at least this often, since decay changes it without new signals.
STALE_AFTER = dt.timedelta(days=1)
CHUNK = 2000


@dataclass(frozen=True)
class Weight:
    """What one kind of signal takes off at full strength (points of 100), and the
    days it takes to fade to half that."""

    points: Decimal
    half_life_days: int


# Ladder's defaults, for an organization that has not set its own. Money trouble and a
# wish to pay less (past due, downgrade) weigh most and fade slowly; a burst of
# emotion (upset, asking for a manager, silence) weighs less and fades in two weeks;
# an NPS detractor's answer stays relevant for two months.
DEFAULT_WEIGHTS: dict[str, Weight] = {
    SignalKind.PAST_DUE: Weight(Decimal(30), 30),
    SignalKind.RELUCTANCE_TO_PAY: Weight(Decimal(20), 30),
    SignalKind.ENGAGEMENT_DROP: Weight(Decimal(15), 21),
    SignalKind.USAGE_DROP: Weight(Decimal(15), 21),
    SignalKind.UNRESPONSIVE: Weight(Decimal(20), 14),
    SignalKind.ASKS_FOR_HIGHER_UP: Weight(Decimal(15), 14),
    SignalKind.DOWNGRADE_REQUEST: Weight(Decimal(25), 30),
    SignalKind.NPS_DETRACTOR: Weight(Decimal(20), 60),
    SignalKind.COMPLAINT: Weight(Decimal(10), 30),
    SignalKind.UNUSED_HOURS: Weight(Decimal(10), 21),
    SignalKind.SESSION_INTERRUPTION: Weight(Decimal(10), 14),
    SignalKind.UPSET: Weight(Decimal(15), 14),
}
DEFAULT_WEIGHTS = {str(k): v for k, v in DEFAULT_WEIGHTS.items()}


@dataclass(frozen=True)
class Policy:
    red_below: int = RED_BELOW
    amber_below: int = AMBER_BELOW


@dataclass(frozen=True)
class BandChange:
    """A customer whose band changed in a recomputation (``before`` is green for a
    customer who had no score yet)."""

    customer_id: int
    before: str
    after: str
    score: int


@dataclass
class Recomputed:
    """What :func:`recompute_all` did."""

    organizations: int = 0
    customers: int = 0
    changes: int = 0
    seconds: float = 0.0


def weights_for(organization: Organization | int) -> dict[str, Weight]:
    """The organization's weight and half-life per kind: its own, else the default."""
    org_id = organization if isinstance(organization, int) else organization.pk
    weights = dict(DEFAULT_WEIGHTS)
    for row in HealthWeight.objects.filter(organization_id=org_id):
        weights[row.kind] = Weight(Decimal(row.weight), int(row.half_life_days))
    return weights


def policy_for(organization: Organization | int) -> Policy:
    org_id = organization if isinstance(organization, int) else organization.pk
    row = HealthPolicy.objects.filter(organization_id=org_id).first()
    return Policy(row.red_below, row.amber_below) if row is not None else Policy()


def band_for(score: int, policy: Policy | HealthPolicy) -> Band:
    if score < policy.red_below:
        return Band.RED
    if score < policy.amber_below:
        return Band.AMBER
    return Band.GREEN


# --- the formula ---------------------------------------------------------------------


def decay(age_days: float, half_life_days: int) -> float:
    """What is left of a signal's weight after ``age_days``: 1 when new, ½ after one
    half-life; 0 beyond four half-lives or in the future."""
    if age_days < 0 or age_days > MAX_HALF_LIVES * half_life_days:
        return 0.0
    return float(0.5 ** (age_days / half_life_days))


def components_from(
    strengths: dict[str, tuple[int, float]], weights: dict[str, Weight]
) -> list[dict[str, Any]]:
    """The components of a score from the count and summed decay per kind: points taken
    off per kind, largest first (then by kind, so the order is stable)."""
    rows: list[dict[str, Any]] = []
    for kind, (count, strength) in strengths.items():
        if count <= 0:
            continue
        weight = weights.get(kind) or DEFAULT_WEIGHTS.get(kind)
        if weight is None:
            continue
        points = float(weight.points) * strength
        rows.append(
            {
                "kind": kind,
                "signals": count,
                "weight": float(weight.points),
                "half_life_days": weight.half_life_days,
                "strength": round(strength, 4),
                "points": round(points, 2),
                "_exact": points,
            }
        )
    rows.sort(key=lambda r: (-float(r["_exact"]), str(r["kind"])))
    return rows


def score_of(components: list[dict[str, Any]]) -> int:
    taken = sum(float(c.get("_exact", c["points"])) for c in components)
    return max(0, min(100, math.floor(100 - taken + 0.5)))


def _clean(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in c.items() if k != "_exact"} for c in components]


def score_from(
    signals: Iterable[tuple[str, dt.datetime]], weights: dict[str, Weight], *, at: dt.datetime
) -> tuple[int, list[dict[str, Any]]]:
    """The score and components of (kind, occurred_at) pairs, in Python."""
    strengths: dict[str, tuple[int, float]] = {}
    for kind, occurred_at in signals:
        weight = weights.get(kind)
        if weight is None:
            continue
        factor = decay((at - occurred_at).total_seconds() / 86400, weight.half_life_days)
        if factor == 0.0:
            continue
        count, strength = strengths.get(kind, (0, 0.0))
        strengths[kind] = (count + 1, strength + factor)
    components = components_from(strengths, weights)
    return score_of(components), _clean(components)


# --- in SQL --------------------------------------------------------------------------


def _strengths_sql(
    organization_id: int, customer_ids: Sequence[int], weights: dict[str, Weight], at: dt.datetime
) -> dict[int, dict[str, tuple[int, float]]]:
    """Count and Σ decay per customer and kind, in one aggregate query."""
    if not customer_ids:
        return {}
    table = connection.ops.quote_name(Signal._meta.db_table)
    kinds = sorted(weights)
    longest = max(w.half_life_days for w in weights.values())
    at_param = connection.ops.adapt_datetimefield_value(at)
    since_param = connection.ops.adapt_datetimefield_value(
        at - dt.timedelta(days=MAX_HALF_LIVES * longest)
    )
    half_life = "CASE kind " + " ".join("WHEN %s THEN %s" for _ in kinds) + " END"
    half_life_params: list[Any] = []
    for kind in kinds:
        half_life_params += [kind, weights[kind].half_life_days]
    if connection.vendor == "postgresql":
        age = "EXTRACT(EPOCH FROM (%s::timestamptz - occurred_at))::float8 / 86400.0"
        members = "customer_id = ANY(%s)"
        member_params: list[Any] = [list(customer_ids)]
    else:
        age = "(julianday(%s) - julianday(occurred_at))"
        members = "customer_id IN (" + ", ".join("%s" for _ in customer_ids) + ")"
        member_params = list(customer_ids)
    # Only placeholders, the quoted table name and constants are put into the text.
    sql = (
        f"SELECT customer_id, kind, COUNT(*), SUM(POWER(0.5, age / half_life)) FROM ("  # noqa: S608
        f"SELECT customer_id, kind, {age} AS age, {half_life} AS half_life FROM {table} "
        f"WHERE organization_id = %s AND {members} AND occurred_at <= %s AND occurred_at > %s"
        f") AS recent WHERE half_life IS NOT NULL AND age <= {MAX_HALF_LIVES} * half_life "
        f"GROUP BY customer_id, kind"
    )
    params = [
        at_param,
        *half_life_params,
        organization_id,
        *member_params,
        at_param,
        since_param,
    ]
    out: dict[int, dict[str, tuple[int, float]]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for customer_id, kind, count, strength in cursor.fetchall():
            out[int(customer_id)][str(kind)] = (int(count), float(strength))
    return out


def _chunks(ids: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _chunk_size() -> int:
    # SQLite binds every id as its own parameter.
    return CHUNK if connection.vendor == "postgresql" else 500


def _recompute_org(
    organization_id: int,
    customer_ids: Sequence[int],
    *,
    at: dt.datetime,
    weights: dict[str, Weight],
    policy: Policy,
) -> list[BandChange]:
    """Writes the scores of some customers of one organization and fires
    ``health.changed`` for those whose band changed; inside the caller's transaction."""
    from ladder.playbooks.accounts import AccountEvent, on_account_event

    ids = sorted(set(customer_ids))
    # The customers' rows are locked (in id order) so that two workers scoring the same
    # account one after the other see each other's band: a change fires once, even for
    # an account scored for the first time, which has no score row to lock yet.
    list(
        Customer.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    strengths = _strengths_sql(organization_id, ids, weights, at)
    before = dict(
        HealthScore.objects.filter(customer_id__in=ids).values_list("customer_id", "band")
    )
    rows: list[HealthScore] = []
    changes: list[BandChange] = []
    for customer_id in ids:
        components = components_from(strengths.get(customer_id, {}), weights)
        score = score_of(components)
        band = band_for(score, policy)
        rows.append(
            HealthScore(
                customer_id=customer_id,
                organization_id=organization_id,
                score=score,
                band=band,
                components=_clean(components),
                computed_at=at,
            )
        )
        old = before.get(customer_id, Band.GREEN)
        if old != band:
            changes.append(BandChange(customer_id, str(old), str(band), score))
    HealthScore.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=["organization", "score", "band", "components", "computed_at"],
    )
    if changes:
        customers = Customer.objects.select_related("organization").in_bulk(
            [c.customer_id for c in changes]
        )
        for change in changes:
            on_account_event(
                AccountEvent(
                    customer=customers[change.customer_id],
                    trigger="health.changed",
                    at=at,
                    data={
                        "band": change.after,
                        "from": change.before,
                        "score": change.score,
                        "from_band": change.before,
                        "to_band": change.after,
                    },
                )
            )
    return changes


def recompute_customers(customer_ids: Iterable[int], *, at: dt.datetime) -> list[BandChange]:
    """Recomputes the scores of these customers at ``at`` (bulk upsert of their
    HealthScore rows) and, for each whose band changed, runs the account rules on
    ``health.changed``: ``event.to_band`` (also ``band``), ``event.from_band`` (also
    ``from``) and ``event.score``. Runs in the caller's transaction, or its own."""
    at = require_aware(at, "at")
    ids = sorted(set(customer_ids))
    if not ids:
        return []
    changes: list[BandChange] = []
    with transaction.atomic():
        by_org: dict[int, list[int]] = defaultdict(list)
        for customer_id, org_id in Customer.objects.filter(pk__in=ids).values_list(
            "pk", "organization_id"
        ):
            by_org[org_id].append(customer_id)
        for org_id, members in sorted(by_org.items()):
            weights, policy = weights_for(org_id), policy_for(org_id)
            for chunk in _chunks(members, _chunk_size()):
                changes += _recompute_org(org_id, chunk, at=at, weights=weights, policy=policy)
    return changes


def customers_to_score(organization_id: int, *, at: dt.datetime) -> list[int]:
    """The customers whose score may not be 100: those with a signal recent enough to
    count, and those whose last score was below 100 (their signals may have faded)."""
    weights = weights_for(organization_id)
    longest = max(w.half_life_days for w in weights.values())
    since = at - dt.timedelta(days=MAX_HALF_LIVES * longest)
    with_signals = set(
        Signal.objects.filter(organization_id=organization_id, occurred_at__gt=since)
        .values_list("customer_id", flat=True)
        .distinct()
        .order_by()
    )
    scored = set(
        HealthScore.objects.filter(organization_id=organization_id)
        .filter(~Q(score=100))
        .values_list("customer_id", flat=True)
    )
    return sorted(with_signals | scored)


def recompute_all(organization: Organization | None = None, *, at: dt.datetime) -> Recomputed:
    """Recomputes every customer of the organization (of all of them by default) that
    has recent signals or a score below 100, one transaction per chunk."""
    at = require_aware(at, "at")
    started = time.monotonic()
    done = Recomputed()
    orgs = [organization] if organization is not None else list(Organization.objects.order_by("pk"))
    for org in orgs:
        ids = customers_to_score(org.pk, at=at)
        if not ids:
            continue
        done.organizations += 1
        weights, policy = weights_for(org), policy_for(org)
        for chunk in _chunks(ids, _chunk_size()):
            with transaction.atomic(durable=True):
                done.changes += len(
                    _recompute_org(org.pk, chunk, at=at, weights=weights, policy=policy)
                )
            done.customers += len(chunk)
    done.seconds = time.monotonic() - started
    return done


def refresh_stale(*, at: dt.datetime, limit: int = CHUNK) -> int:
    """The worker's daily pass: recomputes up to ``limit`` scores below 100 computed
    more than a day before ``at`` (their signals have faded meanwhile), oldest first,
    and says how many. Rows another worker is refreshing are skipped, not waited for."""
    at = require_aware(at, "at")
    with transaction.atomic(durable=True):
        # A score of 100 has nothing left to fade; only a new signal (which recomputes
        # it) or new weights (which recompute the organization) can change it.
        rows = (
            HealthScore.objects.filter(computed_at__lt=at - STALE_AFTER)
            .exclude(score=100)
            .order_by("computed_at", "pk")
        )
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        ids = list(rows.values_list("customer_id", flat=True)[:limit])
        if ids:
            recompute_customers(ids, at=at)
    return len(ids)
