"""Use cases on the health settings (MT1): the organization's weight and half-life per
kind of signal and its band thresholds. Checked, written and audited in one
transaction; the scores follow in the worker."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ladder.errors import FieldError, Invalid
from ladder.health.models import HealthPolicy, HealthSettingsChange, HealthWeight, SignalKind
from ladder.health.score import Policy, Weight, policy_for, weights_for
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization
from ladder.tenancy.permissions import Permission

MAX_WEIGHT = Decimal(100)
MAX_HALF_LIFE = 365


@dataclass(frozen=True)
class HealthSettings:
    weights: dict[str, Weight]
    policy: Policy


def _weight(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or abs(number) > 10 * MAX_WEIGHT:
        return None
    if number != number.quantize(Decimal("0.01")):
        return None
    return number


def _half_life(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def check_settings(
    weights: Mapping[str, Mapping[str, Any]], red_below: Any, amber_below: Any
) -> HealthSettings:
    """The weights and thresholds, or :class:`Invalid` naming every bad field:
    ``weights.<kind>.weight`` (0–100, two decimals at most),
    ``weights.<kind>.half_life_days`` (1–365), ``red_below`` < ``amber_below`` ≤ 100."""
    errors: list[FieldError] = []
    checked: dict[str, Weight] = {}
    for kind, spec in weights.items():
        if kind not in SignalKind.values:
            errors.append(
                FieldError(
                    f"weights.{kind}",
                    _("is not a kind of signal; the kinds are %(kinds)s")
                    % {"kinds": ", ".join(SignalKind.values)},
                )
            )
            continue
        points = _weight(spec.get("weight"))
        if points is None or not Decimal(0) <= points <= MAX_WEIGHT:
            errors.append(
                FieldError(
                    f"weights.{kind}.weight",
                    _("must be a number of points from 0 to 100 (two decimals at most)"),
                )
            )
        days = _half_life(spec.get("half_life_days"))
        if days is None or not 1 <= days <= MAX_HALF_LIFE:
            errors.append(
                FieldError(
                    f"weights.{kind}.half_life_days",
                    _("must be a whole number of days from 1 to 365"),
                )
            )
        if points is not None and days is not None:
            checked[kind] = Weight(points, days)
    red, amber = _half_life(red_below), _half_life(amber_below)
    if red is None or not 0 <= red <= 100:
        errors.append(FieldError("red_below", _("must be a whole number from 0 to 100")))
    if amber is None or not 0 <= amber <= 100:
        errors.append(FieldError("amber_below", _("must be a whole number from 0 to 100")))
    elif red is not None and not red < amber:
        errors.append(
            FieldError(
                "red_below",
                _("must be below the amber threshold (%(amber)s)") % {"amber": amber},
            )
        )
    if errors:
        raise Invalid(errors)
    assert red is not None
    assert amber is not None
    return HealthSettings(weights=checked, policy=Policy(red, amber))


def current_settings(organization: Organization) -> HealthSettings:
    return HealthSettings(weights=weights_for(organization), policy=policy_for(organization))


def _as_data(settings: HealthSettings) -> dict[str, Any]:
    return {
        "weights": {
            kind: {"weight": str(w.points), "half_life_days": w.half_life_days}
            for kind, w in sorted(settings.weights.items())
        },
        "red_below": settings.policy.red_below,
        "amber_below": settings.policy.amber_below,
    }


def set_health_weights(
    *,
    actor: Actor,
    weights: Mapping[str, Mapping[str, Any]],
    red_below: Any,
    amber_below: Any,
) -> HealthSettings:
    """Sets the organization's weight and half-life of the kinds given (the others keep
    theirs) and its band thresholds. Recorded in the health settings' audit log; the
    scores are recomputed by a queued task the worker runs (``health.recompute``),
    since a large organization has more accounts than a request should wait for."""
    actor.require(Permission.CONFIGURE)
    checked = check_settings(weights, red_below, amber_below)
    org = actor.organization
    now = timezone.now()
    with transaction.atomic(durable=True):
        Organization.objects.select_for_update().filter(pk=org.pk).values_list("pk").get()
        before = current_settings(org)
        for kind, weight in checked.weights.items():
            HealthWeight.objects.update_or_create(
                organization=org,
                kind=kind,
                defaults={"weight": weight.points, "half_life_days": weight.half_life_days},
            )
        HealthPolicy.objects.update_or_create(
            organization=org,
            defaults={
                "red_below": checked.policy.red_below,
                "amber_below": checked.policy.amber_below,
                "updated_at": now,
            },
        )
        after = current_settings(org)
        HealthSettingsChange.objects.create(
            organization=org,
            kind="health.weights_set",
            actor_staff=actor.staff,
            actor_label=actor.label,
            data={"before": _as_data(before), "after": _as_data(after)},
            at=now,
        )
        if after != before:
            from ladder.health.tasks import recompute_organization

            transaction.on_commit(lambda: recompute_organization.enqueue(organization_id=org.pk))
    return after
