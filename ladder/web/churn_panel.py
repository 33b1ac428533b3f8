"""The case page's churn-code panel (MT2): what it shows and offers, built from the
churn app's reads. Its own module so that the case page and the churn views both use
it without importing each other."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ladder.cases.models import Case
from ladder.cases.states import Status
from ladder.churn import queries
from ladder.churn.taxonomy import label_in
from ladder.tenancy.actors import Actor
from ladder.tenancy.permissions import Permission
from ladder.web.engine_events import title

# Where the panel's typed values and refusals travel in the case page's Bound.
PREFIX = "churn."


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    selected: bool = False


@dataclass(frozen=True)
class ShownCodes:
    version: int
    category: str
    reason: str
    secondary: list[str]
    set_by: str
    set_at: dt.datetime


@dataclass
class ChurnPanel:
    """What the case page's churn-code panel shows."""

    show: bool
    required: bool
    editable: bool
    codes: ShownCodes | None = None
    version: int = 0
    categories: list[Option] = field(default_factory=list)
    reasons: list[Option] = field(default_factory=list)
    secondary: list[Option] = field(default_factory=list)


def _shown(codes: queries.CaseCodes, language: str) -> ShownCodes:
    return ShownCodes(
        version=codes.taxonomy_version,
        category=label_in(codes.category.label, language),
        reason=label_in(codes.reason.label, language),
        secondary=[label_in(s.label, language) for s in codes.secondary],
        set_by=codes.set_by,
        set_at=codes.set_at,
    )


def churn_panel(*, actor: Actor, case: Case, typed: dict[str, str] | None = None) -> ChurnPanel:
    """The panel for kinds that need codes, or cases that have them; at most three
    queries (the required kinds, the codes, the taxonomy when they can be edited).
    ``typed`` holds what the agent picked (``churn.category`` …) when the page comes
    back with a refusal or a narrowed choice."""
    typed = typed or {}
    language = get_language() or "en"
    required = case.kind in queries.required_kinds(organization_id=case.organization_id)
    codes = queries.codes_on(case)
    picked = any(k.startswith(PREFIX) for k in typed)
    if not (required or codes is not None or picked):
        return ChurnPanel(show=False, required=False, editable=False)
    editable = case.status != Status.CLOSED and actor.can(Permission.CASE_EDIT)
    panel = ChurnPanel(
        show=True,
        required=required,
        editable=editable,
        codes=_shown(codes, language) if codes is not None else None,
    )
    if not editable:
        return panel
    taxonomy = queries.current_taxonomy(organization=actor.organization)
    panel.version = taxonomy.version
    if picked:
        category = typed.get(PREFIX + "category", "")
        reason = typed.get(PREFIX + "reason", "")
        secondary = set(filter(None, typed.get(PREFIX + "secondary", "").split(",")))
    elif codes is not None:
        category, reason = codes.category.key, codes.reason.key
        secondary = {s.key for s in codes.secondary}
    else:
        category, reason, secondary = "", "", set()
    panel.categories = [
        Option(c["key"], label_in(c["label"], language), c["key"] == category)
        for c in taxonomy.categories
    ]
    chosen = taxonomy.category(category)
    if chosen is not None:
        panel.reasons = [
            Option(r["key"], label_in(r["label"], language), r["key"] == reason)
            for r in chosen["reasons"]
        ]
    chosen_reason = taxonomy.reason(category, reason)
    if chosen_reason is not None:
        panel.secondary = [
            Option(s["key"], label_in(s["label"], language), s["key"] in secondary)
            for s in chosen_reason["secondary"]
        ]
    return panel


@title("churn_codes.set")
def _codes_set(data: dict[str, Any]) -> str:
    """The timeline's sentence for ``churn_codes.set``, in the reader's language."""
    language = get_language() or "en"

    def named(code: Any) -> str:
        return label_in(code.get("label", {}), language) if isinstance(code, dict) else ""

    secondary = data.get("secondary", [])
    return _("Churn codes: %(category)s → %(reason)s (%(secondary)s)") % {
        "category": named(data.get("category")),
        "reason": named(data.get("reason")),
        "secondary": ", ".join(named(s) for s in secondary if isinstance(s, dict)),
    }
