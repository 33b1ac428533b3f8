"""Template filters of the case page's Playbook panel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def errors_for(errors: Mapping[str, list[str]] | None, key: str) -> list[str]:
    """The refusals that name ``key`` (``answers.churn_code``, ``checklist.key_actions``)."""
    return list(errors.get(key, [])) if errors else []


@register.filter
def value_for(values: Mapping[str, str] | None, key: str) -> str:
    return values.get(key, "") if values else ""


@register.simple_tag
def key(*parts: Any) -> str:
    """Joins parts into an error key: {% key "answers" question.key as k %}."""
    return ".".join(str(p) for p in parts)
