"""The shape of a churn-code taxonomy and its validation. A taxonomy is plain data —
what the API receives, what the settings page edits as YAML and what a version
stores — checked here into a tree whose every refusal names its place
(``categories.2.reasons.0.label.zh_hans``)."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, TypedDict

import yaml
from django.utils.translation import gettext as _

from ladder.errors import FieldError, Invalid

KEY_PATTERN = r"^[a-z0-9][a-z0-9_]{0,63}$"
_KEY = re.compile(KEY_PATTERN)
MAX_LABEL = 200
MAX_ITEMS = 50
LANGUAGES = ("en", "zh_hans")


class Label(TypedDict):
    en: str
    zh_hans: str


class Secondary(TypedDict):
    key: str
    label: Label


class Reason(TypedDict):
    key: str
    label: Label
    secondary: list[Secondary]


class Category(TypedDict):
    key: str
    label: Label
    reasons: list[Reason]


def label_in(label: Label | dict[str, Any], language: str) -> str:
    """The label in the language (Simplified Chinese for any ``zh``), else English."""
    if language.lower().startswith("zh") and label.get("zh_hans"):
        return str(label["zh_hans"])
    return str(label.get("en") or label.get("zh_hans") or "")


class _Checker:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, where: str, message: str) -> None:
        self.errors.append(FieldError(where, message))

    def items(self, value: Any, where: str, *, required: bool) -> list[Any]:
        if not isinstance(value, list):
            self.fail(where, _("must be a list"))
            return []
        if required and not value:
            self.fail(where, _("must have at least one entry"))
        if len(value) > MAX_ITEMS:
            self.fail(where, _("must have at most %(limit)s entries") % {"limit": MAX_ITEMS})
            return []
        return value

    def mapping(self, value: Any, where: str, fields: tuple[str, ...]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(where, _("must be an object"))
            return None
        for extra in sorted(set(value) - set(fields)):
            self.fail(f"{where}.{extra}", _("is not a field of the taxonomy"))
        return value

    def key(self, value: Any, where: str, seen: set[str]) -> str:
        if not isinstance(value, str) or not _KEY.match(value):
            self.fail(
                where,
                _(
                    "must be 1 to 64 lower-case letters, digits or underscores, starting "
                    "with a letter or digit"
                ),
            )
            return ""
        if value in seen:
            self.fail(where, _("“%(key)s” is used twice") % {"key": value})
        seen.add(value)
        return value

    def label(self, value: Any, where: str) -> Label:
        found = self.mapping(value, where, LANGUAGES) or {}
        texts: dict[str, str] = {}
        for language in LANGUAGES:
            text = found.get(language)
            text = text.strip() if isinstance(text, str) else ""
            if not text:
                self.fail(f"{where}.{language}", _("is required"))
            elif len(text) > MAX_LABEL:
                self.fail(
                    f"{where}.{language}",
                    _("is longer than %(limit)s characters") % {"limit": MAX_LABEL},
                )
            elif any(ord(c) < 32 for c in text):
                self.fail(f"{where}.{language}", _("must be one line of text"))
            texts[language] = text
        return Label(en=texts["en"], zh_hans=texts["zh_hans"])


def check_tree(value: Any) -> list[Category]:
    """The taxonomy as a tree, or :class:`Invalid` naming every bad place at once.
    Category keys are unique in the taxonomy, reason keys within their category and
    secondary keys within their reason; every reason has at least one secondary reason
    to choose from."""
    c = _Checker()
    categories: list[Category] = []
    category_keys: set[str] = set()
    for i, raw in enumerate(c.items(value, "categories", required=True)):
        at = f"categories.{i}"
        item = c.mapping(raw, at, ("key", "label", "reasons"))
        if item is None:
            continue
        reasons: list[Reason] = []
        reason_keys: set[str] = set()
        for j, raw_reason in enumerate(
            c.items(item.get("reasons"), f"{at}.reasons", required=True)
        ):
            rat = f"{at}.reasons.{j}"
            reason = c.mapping(raw_reason, rat, ("key", "label", "secondary"))
            if reason is None:
                continue
            secondary: list[Secondary] = []
            secondary_keys: set[str] = set()
            for k, raw_sec in enumerate(
                c.items(reason.get("secondary"), f"{rat}.secondary", required=True)
            ):
                sat = f"{rat}.secondary.{k}"
                sec = c.mapping(raw_sec, sat, ("key", "label"))
                if sec is None:
                    continue
                secondary.append(
                    Secondary(
                        key=c.key(sec.get("key"), f"{sat}.key", secondary_keys),
                        label=c.label(sec.get("label"), f"{sat}.label"),
                    )
                )
            reasons.append(
                Reason(
                    key=c.key(reason.get("key"), f"{rat}.key", reason_keys),
                    label=c.label(reason.get("label"), f"{rat}.label"),
                    secondary=secondary,
                )
            )
        categories.append(
            Category(
                key=c.key(item.get("key"), f"{at}.key", category_keys),
                label=c.label(item.get("label"), f"{at}.label"),
                reasons=reasons,
            )
        )
    if c.errors:
        raise Invalid(c.errors)
    return categories


def parse_yaml(text: str) -> list[Category]:
    """A taxonomy written as YAML (the settings page's editor), checked."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        message = (
            _("is not valid YAML (line %(line)s)") % {"line": mark.line + 1}
            if mark is not None
            else _("is not valid YAML")
        )
        raise Invalid.field("categories", message) from None
    return check_tree(value)


def to_yaml(categories: list[Category]) -> str:
    return yaml.safe_dump(list(categories), allow_unicode=True, sort_keys=False, width=100)


@functools.cache
def _default_text() -> str:
    return (Path(__file__).with_name("default_taxonomy.yaml")).read_text(encoding="utf-8")


def default_tree() -> list[Category]:
    """MT2's taxonomy, shipped: every organization's version 1."""
    return parse_yaml(_default_text())
