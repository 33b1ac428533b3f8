"""The health score on the desk (MT1): the customer page's Health panel, the admin's
page of weights and bands, and the list of accounts at risk for team leads and
managers."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from ladder.errors import Invalid
from ladder.health import actions, queries
from ladder.health.models import Band, SignalKind
from ladder.health.score import DEFAULT_WEIGHTS
from ladder.tenancy.actors import Actor
from ladder.tenancy.permissions import Permission
from ladder.web.desk import desk_view


def health_panel(*, actor: Actor, customer_id: int) -> queries.CustomerHealth:
    """What the customer page's Health panel shows (two queries)."""
    return queries.customer_health(organization=actor.organization, customer_id=customer_id)


def money_at_risk_card(actor: Actor) -> queries.MoneyAtRisk | None:
    """My work's money-at-risk card: for team leads and managers, else nothing."""
    if not actor.can(Permission.MONEY_AT_RISK):
        return None
    return queries.money_at_risk(actor=actor)


@dataclass(frozen=True)
class WeightRow:
    kind: str
    label: str
    weight: str
    half_life_days: str
    default_weight: str
    default_half_life_days: int
    weight_error: str
    half_life_error: str


def _settings_page(
    request: HttpRequest,
    actor: Actor,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    current = actions.current_settings(actor.organization)
    typed = typed or {}
    errors = errors or {}
    rows = [
        WeightRow(
            kind=kind,
            label=str(SignalKind(kind).label),
            weight=typed.get(f"weight_{kind}", f"{current.weights[kind].points:.2f}"),
            half_life_days=typed.get(
                f"half_life_{kind}", str(current.weights[kind].half_life_days)
            ),
            default_weight=f"{DEFAULT_WEIGHTS[kind].points:.2f}",
            default_half_life_days=DEFAULT_WEIGHTS[kind].half_life_days,
            weight_error=errors.get(f"weights.{kind}.weight", ""),
            half_life_error=errors.get(f"weights.{kind}.half_life_days", ""),
        )
        for kind in SignalKind.values
    ]
    context = {
        "rows": rows,
        "red_below": typed.get("red_below", str(current.policy.red_below)),
        "amber_below": typed.get("amber_below", str(current.policy.amber_below)),
        "red_error": errors.get("red_below", ""),
        "amber_error": errors.get("amber_below", ""),
        "errors": errors,
        "can_configure": actor.can(Permission.CONFIGURE),
    }
    return render(request, "web/health_settings.html", context, status=status)


@desk_view
def health_settings(request: HttpRequest, actor: Actor) -> HttpResponse:
    """/settings/health/: everyone reads the weights; admins (``configure``) change them."""
    if request.method != "POST":
        return _settings_page(request, actor)
    if not actor.can(Permission.CONFIGURE):
        raise PermissionDenied(Permission.CONFIGURE.value)
    typed = {k: str(v)[:32] for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    weights = {
        kind: {
            "weight": typed.get(f"weight_{kind}", ""),
            "half_life_days": typed.get(f"half_life_{kind}", ""),
        }
        for kind in SignalKind.values
    }
    try:
        actions.set_health_weights(
            actor=actor,
            weights=weights,
            red_below=typed.get("red_below", ""),
            amber_below=typed.get("amber_below", ""),
        )
    except Invalid as exc:
        errors = {e.field: e.message for e in exc.errors}
        return _settings_page(request, actor, typed=typed, errors=errors, status=422)
    messages.success(request, _("The health weights are saved; the scores are being recomputed."))
    return HttpResponseRedirect(reverse("web:health_settings"))


@desk_view
def accounts_at_risk(request: HttpRequest, actor: Actor) -> HttpResponse:
    """/accounts/at-risk/: team leads and managers (``money_at_risk.view``)."""
    if not actor.can(Permission.MONEY_AT_RISK):
        raise PermissionDenied(Permission.MONEY_AT_RISK.value)
    context = {
        "risk": queries.money_at_risk(actor=actor),
        "accounts": queries.accounts_at_risk(actor=actor),
        "bands": {b.value: b.label for b in Band},
    }
    return render(request, "web/accounts_at_risk.html", context)
