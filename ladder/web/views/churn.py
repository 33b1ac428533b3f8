"""Churn codes on the desk (MT2): the case page's panel (category → reason →
secondary reasons; htmx narrows the choices as the agent picks) and the admin's page
that publishes taxonomy versions and chooses the kinds that need codes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ladder.cases.queries import get_case
from ladder.churn import actions, queries
from ladder.churn.taxonomy import label_in, parse_yaml, to_yaml
from ladder.errors import Conflict, Invalid
from ladder.tenancy.actors import Actor
from ladder.tenancy.permissions import Permission
from ladder.web.churn_panel import PREFIX, Option, churn_panel
from ladder.web.desk import desk_view
from ladder.web.forms_case import KIND_LABELS, label
from ladder.web.views.case import Bound, _render_case, case_url, http_errors


def _typed(data: Any) -> dict[str, str]:
    return {
        PREFIX + "category": str(data.get("category", ""))[:64],
        PREFIX + "reason": str(data.get("reason", ""))[:64],
        PREFIX + "secondary": ",".join(s[:64] for s in data.getlist("secondary")[:50]),
    }


@desk_view
def case_churn_codes(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """GET: the panel narrowed to the category and reason picked so far (htmx swaps
    the panel; without a script, the whole page comes back). POST: record the codes."""
    if request.method == "POST":
        return _save(request, actor, case_id)
    typed = _typed(request.GET)
    if not request.htmx:  # type: ignore[attr-defined]
        return _render_case(request, actor, case_id, Bound(playbook_values=typed))
    with http_errors():
        case = get_case(organization=actor.organization, case_id=case_id)
    context = {"case": case, "churn": churn_panel(actor=actor, case=case, typed=typed)}
    return render(request, "web/case_churn.html#churn_panel", context)


def _save(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    typed = _typed(request.POST)
    try:
        with http_errors():
            actions.set_case_churn_codes(
                actor=actor,
                case_id=case_id,
                category=request.POST.get("category", ""),
                reason=request.POST.get("reason", ""),
                secondary=request.POST.getlist("secondary"),
            )
    except Invalid as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors:
            name = e.field.split(".", 1)[0]
            errors.setdefault(PREFIX + name, []).append(e.message)
        bound = Bound(playbook_errors=errors, playbook_values=typed)
        return _render_case(request, actor, case_id, bound, status=422)
    except Conflict as exc:
        return _render_case(request, actor, case_id, Bound(notice=str(exc)), status=409)
    messages.success(request, _("Churn codes saved."))
    return HttpResponseRedirect(case_url(case_id) + "#churn-codes")


# --- the admin's page ------------------------------------------------------------------


def _settings_page(
    request: HttpRequest,
    actor: Actor,
    *,
    text: str | None = None,
    errors: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    org = actor.organization
    language = get_language() or "en"
    taxonomy = queries.current_taxonomy(organization=org)
    required = set(queries.required_kinds(organization_id=org.pk))
    context = {
        "taxonomy": taxonomy,
        "tree": [
            {
                "key": c["key"],
                "label": label_in(c["label"], language),
                "reasons": [
                    {
                        "key": r["key"],
                        "label": label_in(r["label"], language),
                        "secondary": [label_in(s["label"], language) for s in r["secondary"]],
                    }
                    for r in c["reasons"]
                ],
            }
            for c in taxonomy.categories
        ],
        "history": queries.taxonomy_history(organization=org),
        "kinds": [Option(kind, label(KIND_LABELS, kind), kind in required) for kind in KIND_LABELS],
        "text": to_yaml(taxonomy.categories) if text is None else text,
        "errors": errors or [],
    }
    return render(request, "web/churn_settings.html", context, status=status)


@desk_view
def churn_settings(request: HttpRequest, actor: Actor) -> HttpResponse:
    """/settings/churn-codes/: admins only (``configure``)."""
    if not actor.can(Permission.CONFIGURE):
        raise PermissionDenied(Permission.CONFIGURE.value)
    if request.method != "POST":
        return _settings_page(request, actor)
    here = reverse("web:churn_settings")
    if request.POST.get("section") == "kinds":
        try:
            actions.set_required_kinds(actor=actor, kinds=request.POST.getlist("kinds"))
        except Invalid as exc:
            errors = [(e.field, e.message) for e in exc.errors]
            return _settings_page(request, actor, errors=errors, status=422)
        messages.success(request, _("The kinds that need churn codes are saved."))
        return HttpResponseRedirect(here)
    text = request.POST.get("taxonomy", "")[:200_000]
    try:
        version = actions.publish_taxonomy(actor=actor, tree=parse_yaml(text))
    except Invalid as exc:
        errors = [(e.field, e.message) for e in exc.errors]
        return _settings_page(request, actor, text=text, errors=errors, status=422)
    messages.success(
        request,
        _("Version %(number)s of the churn-code taxonomy is published.")
        % {"number": version.number},
    )
    return HttpResponseRedirect(here)
