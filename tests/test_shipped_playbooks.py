"""The five shipped playbooks (one per source document, 000-004) and their scenarios:
each playbook parses with the format, names only what it defines, cites its
requirements and fits its demo organization; each scenario is one the simulator can
replay."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from ladder.ops.demo import ORGANIZATIONS, load_demo
from ladder.playbooks.format import (
    Action,
    AllOf,
    AnyOf,
    Compare,
    Condition,
    NotOf,
    Playbook,
    Target,
    Text,
)
from ladder.tenancy.models import Organization, Role, Skill, Staff, Team

SHIPPED = Path(__file__).resolve().parent.parent / "ladder" / "playbooks" / "shipped"
SCENARIOS = SHIPPED / "scenarios"
SLUGS = ["tutoring", "school", "solar", "software", "insurer"]
# Each playbook encodes one source document; its comments cite that document's ids.
REQUIREMENTS = {
    "tutoring": ["TD1", "TD2", "TD3"],
    "school": ["ED1", "ED2", "ED3", "ED4", "ED5", "ED6", "ED7", "ED8", "ED9", "ED10"],
    "solar": ["EB1", "EB2", "EB3", "EB4", "EB5"],
    "software": ["MT1", "MT2", "MT3", "MT4", "MT5", "MT6", "MT7", "MT8"],
    "insurer": ["IN1", "IN2", "IN3", "IN4"],
}
VERBS = {
    "open_case",
    "log_interaction",
    "request_escalation",
    "escalate",
    "transition",
    "update",
    "assign",
    "answer",
    "tick",
    "request_handoff",
    "accept_handoff",
    "decide_approval",
    "reject_resolution",
    "record_sessions",
    "signal",
    "wait",
}
EXPECTATIONS = {
    "status",
    "tier",
    "owner",
    "severity",
    "timeline",
    "clocks",
    "duties",
    "approvals",
    "notified",
    "tasks",
    "refused",
    "handoff",
}
STEP_KEYS = {"at", "as", "do", "with", "expect"}
AT = re.compile(r"^(\d{1,2}:\d{2}|\+\d+[smhd]|day \d+ \d{1,2}:\d{2})$")


def playbook(slug: str) -> Playbook:
    return Playbook.model_validate(
        yaml.safe_load((SHIPPED / f"{slug}.yaml").read_text(encoding="utf-8"))
    )


def scenario_paths() -> list[Path]:
    return sorted(SCENARIOS.glob("*.yaml"))


def walk(value: Any) -> Iterator[Any]:
    """Every model, list item and value inside a parsed playbook."""
    yield value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from walk(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from walk(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from walk(item)


def actions(book: Playbook) -> Iterator[Action]:
    for item in walk(book):
        if isinstance(item, Action):
            yield item


def compares(condition: Condition | None) -> Iterator[Compare]:
    if isinstance(condition, AllOf):
        for part in condition.all:
            yield from compares(part)
    elif isinstance(condition, AnyOf):
        for part in condition.any:
            yield from compares(part)
    elif isinstance(condition, NotOf):
        yield from compares(condition.not_)
    elif isinstance(condition, Compare):
        yield condition


@pytest.mark.parametrize("slug", SLUGS)
def test_each_shipped_playbook_parses_with_the_format(slug: str) -> None:
    """TD1, ED1, EB1, MT1, IN1: one playbook per source document, read exactly as the
    desk reads an organization's file."""
    book = Playbook.model_validate(
        yaml.safe_load((SHIPPED / f"{slug}.yaml").read_text(encoding="utf-8"))
    )
    assert book.playbook == slug
    assert book.tiers
    assert book.rules
    assert sorted(p.stem for p in SHIPPED.glob("*.yaml")) == sorted(SLUGS)


@pytest.mark.parametrize("slug", SLUGS)
def test_each_playbook_cites_every_requirement_of_its_document(slug: str) -> None:
    """The comments trace each rule to the requirement it encodes, and say so for the
    ones a playbook does not hold (TD2, ED2, ED7, ED10, EB1, IN3, IN4)."""
    source = (SHIPPED / f"{slug}.yaml").read_text(encoding="utf-8")
    comments = "\n".join(line for line in source.splitlines() if "#" in line)
    missing = [r for r in REQUIREMENTS[slug] if not re.search(rf"\b{r}\b", comments)]
    assert not missing, missing


@pytest.mark.parametrize("slug", SLUGS)
def test_every_text_is_in_every_language_the_playbook_lists(slug: str) -> None:
    """ED1-ED9: the school's playbook speaks Chinese and English throughout."""
    book = playbook(slug)
    for text in (t for t in walk(book) if isinstance(t, Text)):
        written = {"en": text.en, "zh-hans": text.zh_hans}
        for language in book.languages:
            assert written[language].strip(), (slug, language, text)
    if slug == "school":
        assert book.languages == ["zh-hans", "en"]


@pytest.mark.parametrize("slug", SLUGS)
def test_names_a_rule_uses_are_defined(slug: str) -> None:
    """Clocks (MT6, ED4, TD3), duties (MT6, MT7, ED3), approvals (MT5, ED5), handoffs
    (EB3) and gathered answers (EB4, MT2) a rule names exist in the same playbook."""
    book = playbook(slug)
    clocks = {c.name for c in book.clocks}
    duties = {d.name for d in book.duties}
    approvals = {a.name for a in book.approvals}
    handoffs = {h.name for h in book.handoffs}
    answers = {f"answers.{g.key}" for c in book.categories for g in c.gather}
    for action in actions(book):
        kind, argument = action.kind, action.argument
        if kind in ("start_clock", "stop_clock", "pause_clock", "resume_clock"):
            assert argument in clocks, (slug, kind, argument)
        elif kind == "start_duty":
            assert argument in duties, (slug, argument)
        elif kind == "request_approval":
            assert argument.approval in approvals, (slug, argument)
        elif kind == "start_handoff":
            assert argument in handoffs, (slug, argument)
        elif kind == "require_fields":
            for field in argument.fields:
                assert field.startswith("case.") or field in answers, (slug, field)
    for rule in book.rules:
        for key, defined in (("clock", clocks), ("duty", duties), ("approval", approvals)):
            if key in rule.with_:
                assert rule.with_[key] in defined, (slug, rule.name)
        for compare in compares(rule.if_):
            if compare.field.startswith("answers."):
                assert compare.field in answers, (slug, rule.name)
    names = [r.name for r in book.rules]
    assert len(names) == len(set(names)), slug


def _targets(book: Playbook) -> Iterator[Target]:
    for item in walk(book):
        if isinstance(item, Target):
            yield item


@pytest.mark.django_db
def test_teams_skills_and_roles_exist_in_each_demo_organization(settings: Any) -> None:
    """Every team, skill and role a shipped playbook names is one its demo organization
    has, so the demo's playbook routes to real people (ED8, EB3, MT5, IN1, TD1)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo()
    assert sorted(b(dt.date(2026, 3, 2)).slug for b in ORGANIZATIONS) == sorted(SLUGS)
    for slug in SLUGS:
        book = playbook(slug)
        org = Organization.objects.get(slug=slug)
        teams = set(Team.objects.filter(organization=org).values_list("name", flat=True))
        skills = set(Skill.objects.filter(organization=org).values_list("name", flat=True))
        roles = {
            g.role
            for s in Staff.objects.filter(organization=org).prefetch_related("role_grants")
            for g in s.role_grants.all()
        }
        named_teams = {t.team for t in _targets(book) if t.team} | {
            t.team for t in book.tiers if t.team
        }
        named_skills = (
            {t.skill for t in _targets(book) if t.skill}
            | {t.skill for t in book.tiers if t.skill}
            | {step.skill for h in book.handoffs for step in h.steps}
        )
        named_roles: set[str] = (
            {t.role for t in _targets(book) if t.role}
            | {t.role for t in book.tiers}
            | {a.approver for a in book.approvals}
            | {a.second_approver for a in book.approvals if a.second_approver}
        )
        assert named_teams <= teams, (slug, named_teams - teams)
        assert named_skills <= skills, (slug, named_skills - skills)
        assert named_roles <= roles, (slug, named_roles - roles)


def test_every_playbook_has_scenarios() -> None:
    """Each source procedure is walked by at least one scenario."""
    stems = {p.stem.split("-", 1)[0] for p in scenario_paths()}
    assert stems == set(SLUGS)


@pytest.mark.parametrize("path", scenario_paths(), ids=lambda p: p.stem)
def test_scenario_is_one_the_simulator_can_replay(path: Path) -> None:
    """A scenario names an existing playbook, a start, its cast, and steps that use
    only the simulator's verbs and expectations, acted by members of its cast."""
    scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(scenario, dict)
    slug = scenario["playbook"]
    assert path.stem.startswith(f"{slug}-")
    book = playbook(slug)
    start = scenario["start"]
    assert isinstance(start, dt.datetime | str)
    dt.datetime.fromisoformat(str(start))
    cast = {person["name"]: person for person in scenario["cast"]}
    assert len(cast) == len(scenario["cast"])
    for person in cast.values():
        assert set(person) <= {"name", "roles", "skills", "teams", "availability"}
        assert set(person.get("roles", [])) <= set(Role.values), person
    customer = scenario["customer"]
    assert customer.get("owner") in (None, *cast)
    steps = scenario["steps"]
    assert steps
    for number, step in enumerate(steps, start=1):
        where = f"{path.name} step {number}"
        assert set(step) <= STEP_KEYS, where
        assert "do" in step or "expect" in step, where
        if "at" in step:
            assert AT.match(str(step["at"])), where
        if "do" in step:
            assert step["do"] in VERBS, where
        if "as" in step:
            assert step["as"] in cast, where
        args = step.get("with") or {}
        for key in ("owner",):
            if key in args and step["do"] in ("escalate", "assign"):
                assert args[key] in cast, where
        if step.get("do") == "transition":
            assert args["to"] in {
                "new",
                "in_progress",
                "awaiting_customer",
                "awaiting_approval",
                "resolved",
                "closed",
            }
        if step.get("do") == "tick":
            checklist = next(c for c in book.checklists if c.name == args["checklist"])
            keys = {i.key for i in checklist.items}
            assert set(args.get("items") or [args["item"]]) <= keys, where
        if step.get("do") == "decide_approval" and "approval" in args:
            assert args["approval"] in {a.name for a in book.approvals}, where
        if step.get("do") == "request_handoff":
            assert args["handoff"] in {h.name for h in book.handoffs}, where
        if step.get("do") == "answer":
            category = book.category(_category_of(steps[:number]))
            assert category is not None, where
            assert set(args) <= {g.key for g in category.gather}, where
        expect = step.get("expect") or {}
        assert set(expect) <= EXPECTATIONS, where
        for name in expect.get("clocks", {}):
            assert name in {c.name for c in book.clocks}, where
        for name in expect.get("duties", {}):
            assert name in {d.name for d in book.duties}, where
        for name in expect.get("approvals", {}):
            assert name in {a.name for a in book.approvals}, where
        for who in expect.get("notified", []):
            assert who in cast, where
        if "owner" in expect:
            assert expect["owner"] in cast, where


def _category_of(steps: list[dict[str, Any]]) -> str:
    """The case's category after these steps: set when opened or by an update."""
    category = ""
    for step in steps:
        if step.get("do") in ("open_case", "update") and "category" in (step.get("with") or {}):
            category = str(step["with"]["category"])
    return category
