"""Retention on the desk (ED5, MT5, MT8): the case page's panel — reasons, save offers
from the catalog (propose, the customer's answer, the approver's decision), invoice
corrections with the refund, the outcome and finance's payout — and the admin's offer
catalog page. Every form posts to one view that calls one use case and comes back to
the case page (its panel refreshed), or shows the refusal next to the field."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from djmoney.money import Money

from ladder.cases.queries import get_case
from ladder.errors import Conflict, FieldError, Invalid, collect_errors
from ladder.money import make_money
from ladder.retention import actions, queries
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Role
from ladder.tenancy.permissions import Permission
from ladder.web.desk import desk_view
from ladder.web.retention_panel import (
    KINDS,
    PREFIX,
    money_text,
    offer_limits,
    retention_panel,
)
from ladder.web.views.case import Bound, _render_case, case_url, http_errors

MAX_FIELD = actions.MAX_REASON


def _text(request: HttpRequest, name: str) -> str:
    return request.POST.get(name, "")[:MAX_FIELD]


def _decimal(raw: str, field: str) -> Decimal | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise Invalid.field(field, _("is not a decimal number")) from None
    if not value.is_finite():
        raise Invalid.field(field, _("is not a decimal number"))
    return value


def _integer(raw: str, field: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise Invalid.field(field, _("is not a whole number")) from None


def _money(request: HttpRequest, actor: Actor, name: str, field: str) -> Money | None:
    raw = request.POST.get(name, "").strip()[:40]
    if not raw:
        return None
    return make_money(raw, actor.organization.currency, field)


def _required_money(request: HttpRequest, actor: Actor, name: str) -> Money:
    value = _money(request, actor, name, name)
    if value is None:
        raise Invalid.field(f"{name}.amount", _("is required"))
    return value


def _propose(request: HttpRequest, actor: Actor, case_id: int) -> str:
    offer_id = _integer(request.POST.get("offer_id", ""), "offer_id")
    if offer_id is None:
        raise Invalid.field("offer_id", _("choose an offer"))
    parsed: dict[str, object] = {}
    errors = collect_errors(
        lambda: parsed.update(percent=_decimal(request.POST.get("percent", ""), "terms.percent")),
        lambda: parsed.update(amount=_money(request, actor, "amount", "terms.amount")),
        lambda: parsed.update(
            sessions=_integer(request.POST.get("sessions", ""), "terms.sessions")
        ),
        lambda: parsed.update(days=_integer(request.POST.get("days", ""), "terms.days")),
    )
    if errors:
        raise Invalid(errors)
    terms = actions.Terms(
        percent=parsed["percent"],  # type: ignore[arg-type]
        amount=parsed["amount"],  # type: ignore[arg-type]
        sessions=parsed["sessions"],  # type: ignore[arg-type]
        days=parsed["days"],  # type: ignore[arg-type]
    )
    actions.propose_offer(
        actor=actor, case_id=case_id, offer_id=offer_id, terms=terms, note=_text(request, "note")
    )
    return _("The offer is proposed.")


def _attempt_id(request: HttpRequest) -> int:
    attempt_id = _integer(request.POST.get("attempt_id", ""), "attempt_id")
    if attempt_id is None:
        raise Invalid.field("attempt_id", _("is required"))
    return attempt_id


def _answer(request: HttpRequest, actor: Actor, case_id: int) -> str:
    accepted = request.POST.get("answer") == "accepted"
    actions.record_customer_answer(
        actor=actor, case_id=case_id, attempt_id=_attempt_id(request), accepted=accepted
    )
    return _("The customer's answer is recorded.")


def _decide(request: HttpRequest, actor: Actor, case_id: int) -> str:
    approve = request.POST.get("decision") == "approve"
    actions.decide_offer(
        actor=actor,
        case_id=case_id,
        attempt_id=_attempt_id(request),
        approve=approve,
        reason=_text(request, "decision_reason"),
    )
    return _("The offer is approved.") if approve else _("The offer is denied.")


def _reasons(request: HttpRequest, actor: Actor, case_id: int) -> str:
    actions.record_reasons(
        actor=actor,
        case_id=case_id,
        stated_reason=_text(request, "stated_reason"),
        true_reason=_text(request, "true_reason"),
    )
    return _("The reasons are saved.")


def _correct(request: HttpRequest, actor: Actor, case_id: int) -> str:
    money: dict[str, Money] = {}
    errors = collect_errors(
        lambda: money.update(original=_required_money(request, actor, "original")),
        lambda: money.update(corrected=_required_money(request, actor, "corrected")),
    )
    if errors:
        raise Invalid(errors)
    correction = actions.correct_invoice(
        actor=actor,
        case_id=case_id,
        original=money["original"],
        corrected=money["corrected"],
        reason=_text(request, "correction_reason"),
    )
    return _("The invoice is corrected: the refund is %(refund)s.") % {
        "refund": money_text(correction.refund)
    }


def _outcome(request: HttpRequest, actor: Actor, case_id: int) -> str:
    actions.record_outcome(actor=actor, case_id=case_id, outcome=request.POST.get("outcome", ""))
    return _("The outcome is recorded.")


def _payout(request: HttpRequest, actor: Actor, case_id: int) -> str:
    actions.record_payout(actor=actor, case_id=case_id, reference=_text(request, "reference"))
    return _("The payout is recorded.")


STEPS: dict[str, Callable[[HttpRequest, Actor, int], str]] = {
    "reasons": _reasons,
    "propose": _propose,
    "answer": _answer,
    "decide": _decide,
    "correct": _correct,
    "outcome": _outcome,
    "payout": _payout,
}


@desk_view
def case_retention(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """GET: the panel with the terms the chosen offer takes (htmx swaps the panel;
    without a script, the whole page comes back). POST: one of the panel's forms,
    named by ``step``."""
    if request.method != "POST":
        offer_id = request.GET.get("offer_id", "")[:20]
        typed = {PREFIX + "offer_id": offer_id}
        if not request.htmx:  # type: ignore[attr-defined]
            return _render_case(request, actor, case_id, Bound(playbook_values=typed))
        with http_errors():
            case = get_case(organization=actor.organization, case_id=case_id)
        context = {
            "case": case,
            "retention": retention_panel(actor=actor, case=case, offer_id=offer_id),
            "pb_values": typed,
        }
        return render(request, "web/case_retention.html#retention_panel", context)
    step_name = request.POST.get("step", "")
    step = STEPS.get(step_name)
    if step is None:
        bound = Bound(notice=_("Unknown retention step."))
        return _render_case(request, actor, case_id, bound, status=400)
    typed = {
        PREFIX + k: request.POST.get(k, "")[:MAX_FIELD]
        for k in request.POST
        if k != "csrfmiddlewaretoken"
    }
    try:
        with http_errors():
            done = step(request, actor, case_id)
    except Invalid as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors:
            errors.setdefault(PREFIX + _form_field(e, step_name), []).append(e.message)
        bound = Bound(playbook_errors=errors, playbook_values=typed)
        return _render_case(request, actor, case_id, bound, status=422)
    except Conflict as exc:
        return _render_case(request, actor, case_id, Bound(notice=str(exc)), status=409)
    messages.success(request, done)
    return HttpResponseRedirect(case_url(case_id) + "#retention")


# The panel's forms name their reason fields apart (one page, several forms).
_REASON_FIELDS = {"correct": "correction_reason", "decide": "decision_reason"}


def _form_field(error: FieldError, step: str) -> str:
    """The form field an error names: ``terms.amount.currency`` → ``amount``."""
    name = error.field.removeprefix("terms.").split(".", 1)[0]
    return _REASON_FIELDS.get(step, name) if name == "reason" else name


# --- the catalog page ------------------------------------------------------------------


def _catalog_page(
    request: HttpRequest,
    actor: Actor,
    *,
    errors: dict[str, list[str]] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    from django.utils.translation import get_language

    language = get_language() or "en"
    offers = queries.catalog(organization=actor.organization)
    context = {
        "offers": [
            {
                "id": o.pk,
                "key": o.key,
                "label": o.label(language),
                "kind": dict(KINDS).get(o.kind, o.kind),
                "limits": offer_limits(o) or "—",
                "active": o.active,
            }
            for o in offers
        ],
        "kinds": KINDS,
        "roles": [(str(v), str(label)) for v, label in Role.choices],
        "currency": actor.organization.currency,
        "errors": errors or {},
        "typed": typed or {},
    }
    return render(request, "web/offer_settings.html", context, status=status)


@desk_view
def offer_settings(request: HttpRequest, actor: Actor) -> HttpResponse:
    """/settings/offers/: the save-offer catalog; admins only (``configure``)."""
    if not actor.can(Permission.CONFIGURE):
        raise PermissionDenied(Permission.CONFIGURE.value)
    if request.method != "POST":
        return _catalog_page(request, actor)
    here = reverse("web:offer_settings")
    if request.POST.get("step") == "retire":
        offer_id = _integer_or_none(request.POST.get("offer_id", ""))
        if offer_id is not None:
            with http_errors():
                offer = actions.retire_offer(actor=actor, offer_id=offer_id)
            messages.success(request, _("%(offer)s is retired.") % {"offer": offer.label_en})
        return HttpResponseRedirect(here)
    typed = {k: request.POST.get(k, "")[:200] for k in request.POST if k != "csrfmiddlewaretoken"}
    parsed: dict[str, object] = {}
    errors = collect_errors(
        lambda: parsed.update(max_percent=_decimal(typed.get("max_percent", ""), "max_percent")),
        lambda: parsed.update(max_amount=_money(request, actor, "max_amount", "max_amount")),
        lambda: parsed.update(max_sessions=_integer(typed.get("max_sessions", ""), "max_sessions")),
        lambda: parsed.update(max_days=_integer(typed.get("max_days", ""), "max_days")),
    )
    try:
        if errors:
            raise Invalid(errors)
        offer = actions.save_offer(
            actor=actor,
            values=actions.OfferInput(
                key=typed.get("key", ""),
                kind=typed.get("kind", ""),
                label_en=typed.get("label_en", ""),
                label_zh_hans=typed.get("label_zh_hans", ""),
                max_percent=parsed["max_percent"],  # type: ignore[arg-type]
                max_amount=parsed["max_amount"],  # type: ignore[arg-type]
                max_sessions=parsed["max_sessions"],  # type: ignore[arg-type]
                max_days=parsed["max_days"],  # type: ignore[arg-type]
                approver_role=typed.get("approver_role", ""),
            ),
        )
    except Invalid as exc:
        grouped: dict[str, list[str]] = {}
        for e in exc.errors:
            grouped.setdefault(e.field.split(".", 1)[0], []).append(e.message)
        return _catalog_page(request, actor, errors=grouped, typed=typed, status=422)
    messages.success(request, _("%(offer)s is in the catalog.") % {"offer": offer.label_en})
    return HttpResponseRedirect(here)


def _integer_or_none(raw: str) -> int | None:
    return int(raw) if raw.strip().isdigit() else None
