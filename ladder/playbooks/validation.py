"""Checking a playbook file before it is loaded: its shape (YAML syntax, then the
Pydantic models of ``format.py``) and its meaning (the named checks below: unknown
roles, teams, skills, clocks and fields, unreachable tiers, clocks that never stop,
loops, duplicate names, missing translations). Every problem is reported at once,
with the file, the line and the path of the key it is about, like a compiler would.
``docs/playbooks.md`` lists the messages; keep the two together."""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, Tag, ValidationError
from pydantic_core import ErrorDetails

from ladder.cases.models import Case, Channel, ContactOutcome, InteractionKind, Kind
from ladder.cases.states import Status
from ladder.playbooks import conditions
from ladder.playbooks.format import (
    Action,
    AllOf,
    AnyOf,
    Compare,
    Condition,
    NotOf,
    Playbook,
    RoleName,
    Rule,
    Target,
    Text,
)
from ladder.surveys.models import Band
from ladder.tenancy.models import Organization, RoleGrant, Skill, Team

Path = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a playbook file, where it is."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}: {where}{self.message}"


@dataclass
class Report:
    """The parsed playbook when its shape is right (even if its meaning is not), and
    every problem found. A playbook with any problem is not loaded or activated."""

    playbook: Playbook | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.playbook is not None and not self.problems


def format_path(path: Path) -> str:
    """('rules', 3, 'do', 0, 'start_clock') → 'rules[3].do[0].start_clock'."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def check(source: str, *, filename: str, organization: Organization | None = None) -> Report:
    """Every problem of a playbook file. With an organization, its teams, skills and
    staff are checked too (the names a playbook uses must exist there)."""
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        return Report(
            None,
            [Problem(filename, line, "", _("YAML syntax: %(problem)s") % {"problem": problem})],
        )
    lines = Lines(root)
    problems = [Problem(filename, line, format_path(path), msg) for path, line, msg in lines.dupes]
    if not isinstance(data, dict):
        problems.append(
            Problem(filename, 1, "", _("a playbook is a mapping of keys such as playbook, tiers"))
        )
        return Report(None, problems)
    try:
        book = Playbook.model_validate(data)
    except ValidationError as exc:
        problems += _shape_problems(exc, data, lines, filename)
        return Report(None, sorted(set(problems)))
    context = Context.of(book, organization)
    for meaning_check in CHECKS:
        for path, message in meaning_check(context):
            problems.append(Problem(filename, lines.line(path), format_path(path), message))
    return Report(book, sorted(set(problems)))


# --- where things are ----------------------------------------------------------------


class Lines:
    """The line of every key and list item of the file, from PyYAML's node tree."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.lines: dict[Path, int] = {(): 1}
        # Problems only the node tree shows: keys given twice, keys read as booleans.
        self.dupes: list[tuple[Path, int, str]] = []
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, path: Path) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = (*path, str(key.value))
                line = key.start_mark.line + 1
                if key.tag == "tag:yaml.org,2002:bool":
                    self.dupes.append(
                        (
                            here,
                            line,
                            _(
                                "YAML reads the key %(key)s as true or false: quote it, or "
                                "write when: for a rule's trigger"
                            )
                            % {"key": key.value},
                        )
                    )
                if here in self.lines:
                    # PyYAML silently keeps the last of two equal keys; the author meant
                    # something by both, so say so.
                    self.dupes.append((here, line, _("this key appears twice in one mapping")))
                else:
                    self.lines[here] = line
                self._walk(value, here)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                here = (*path, index)
                self.lines[here] = item.start_mark.line + 1
                self._walk(item, here)

    def line(self, path: Path) -> int:
        """The line of the path, or of its nearest ancestor that is in the file (a
        missing key is reported where its mapping is)."""
        while path not in self.lines:
            path = path[:-1]
        return self.lines[path]


# --- shape: Pydantic's errors, at their lines ----------------------------------------

_ROLE_KEYS = frozenset({"role", "approver", "second_approver"})
_DURATION_KEYS = frozenset({"target", "warn_before", "timeout", "due_in"})
# Pydantic's wording for the commonest mistakes, in the playbook author's terms.
_PLAIN_MESSAGES: dict[str, Promise] = {
    "int_parsing": gettext_lazy("is not a whole number"),
    "int_type": gettext_lazy("is not a whole number"),
    "int_from_float": gettext_lazy("is not a whole number"),
    "string_type": gettext_lazy("must be text"),
    "list_type": gettext_lazy("must be a list"),
    "dict_type": gettext_lazy("must be a mapping of keys and values"),
    "model_type": gettext_lazy("must be a mapping of keys and values"),
    "model_attributes_type": gettext_lazy("must be a mapping of keys and values"),
    "bool_parsing": gettext_lazy("must be true or false"),
    "bool_type": gettext_lazy("must be true or false"),
    "time_parsing": gettext_lazy('is not a time of day like "09:00"'),
    "decimal_parsing": gettext_lazy("is not a number"),
    "too_short": gettext_lazy("must not be empty"),
}


def _shape_problems(
    exc: ValidationError, data: dict[str, Any], lines: Lines, filename: str
) -> list[Problem]:
    by_path: dict[Path, list[str]] = {}
    for error in exc.errors():
        if error["type"] == "invalid_key":
            continue  # a key YAML read as true or false: Lines reports it by its name
        path = _data_path(error, data)
        message = _message(error, path)
        messages = by_path.setdefault(path, [])
        if message not in messages:
            messages.append(message)
    # A value that fits none of a union's types gets one error per type; one line
    # saying what it may be reads better.
    return [
        Problem(filename, lines.line(path), format_path(path), "; or ".join(messages))
        for path, messages in by_path.items()
    ]


def _data_path(error: ErrorDetails, data: Any) -> Path:
    """Pydantic's location without the names of union members it inserts: the path
    of keys and indexes into the file."""
    loc = error["loc"]
    path: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        in_file = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if in_file:
            node = node[part]
            path.append(part)
        elif index == len(loc) - 1 and error["type"] == "missing" and isinstance(part, str):
            path.append(part)
    return tuple(path)


def _message(error: ErrorDetails, path: Path) -> str:
    kind = error["type"]
    key = next((part for part in reversed(path) if isinstance(part, str)), "")
    if kind == "missing":
        return _("is required")
    if kind == "extra_forbidden":
        expected = _fields_expected(error["loc"][:-1])
        if expected:
            return _("unknown field; expected one of: %(fields)s") % {"fields": ", ".join(expected)}
        return _("unknown field")
    if kind == "literal_error" and key in _ROLE_KEYS:
        return _("unknown role %(role)s; roles are: %(roles)s") % {
            "role": repr(error["input"]),
            "roles": ", ".join(get_args(RoleName)),
        }
    if kind == "literal_error":
        expected = (error.get("ctx") or {}).get("expected", "")
        return _("%(value)s is not allowed here; expected %(expected)s") % {
            "value": repr(error["input"]),
            "expected": expected,
        }
    if kind in _PLAIN_MESSAGES:
        return str(_PLAIN_MESSAGES[kind])
    if kind == "string_pattern_mismatch" and key in _DURATION_KEYS:
        return _("%(value)s is not a duration like 30s, 90m, 24h, 2d or 1w") % {
            "value": repr(error["input"])
        }
    if kind == "string_pattern_mismatch":
        return _("%(value)s is not a name: lower-case letters, digits and _") % {
            "value": repr(error["input"])
        }
    return str(error["msg"]).removeprefix("Value error, ")


def _fields_expected(loc: tuple[str | int, ...]) -> list[str]:
    """The keys the model at ``loc`` accepts, found by following ``loc`` through the
    annotations of ``format.py`` (union members by their tag)."""
    current: Any = Playbook
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    model = _model_in(current)
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def _options(annotation: Any) -> list[tuple[str | None, Any]]:
    """The members of a (possibly annotated, optional) union with their tags."""
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *meta = get_args(annotation)
        tag = next((m.tag for m in meta if isinstance(m, Tag)), None)
        return [(tag or t, member) for t, member in _options(inner)]
    if origin is Union or origin is types.UnionType:
        return [opt for member in get_args(annotation) for opt in _options(member)]
    if annotation is type(None):
        return []
    return [(None, annotation)]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for _tag, member in _options(annotation):
        if inspect.isclass(member) and issubclass(member, BaseModel):
            return member
    return None


def _step(annotation: Any, part: str | int) -> Any:
    options = _options(annotation)
    for tag, member in options:
        if tag == part:
            return member
    if isinstance(part, int):
        for _tag, member in options:
            if get_origin(member) is list:
                return get_args(member)[0]
        return None
    for _tag, member in options:
        if inspect.isclass(member) and issubclass(member, BaseModel):
            for name, info in member.model_fields.items():
                if part in (name, info.alias):
                    return info.annotation
    return None


# --- meaning: the named checks -------------------------------------------------------

Finding = tuple[Path, str]


@dataclass(frozen=True)
class Context:
    """A parsed playbook and, when checked against an organization, the names that
    exist there (None when there is no organization to check against)."""

    book: Playbook
    organization: Organization | None = None
    teams: frozenset[str] | None = None
    skills: frozenset[str] | None = None
    roles_held: frozenset[str] | None = None

    @classmethod
    def of(cls, book: Playbook, organization: Organization | None) -> Context:
        if organization is None:
            return cls(book)
        return cls(
            book,
            organization,
            teams=frozenset(
                Team.objects.filter(organization=organization).values_list("name", flat=True)
            ),
            skills=frozenset(
                Skill.objects.filter(organization=organization).values_list("name", flat=True)
            ),
            roles_held=frozenset(
                RoleGrant.objects.filter(
                    staff__organization=organization, staff__user__is_active=True
                ).values_list("role", flat=True)
            ),
        )

    @property
    def gather_keys(self) -> frozenset[str]:
        return frozenset(g.key for c in self.book.categories for g in c.gather)


Check = Callable[[Context], Iterable[Finding]]
CHECKS: list[Check] = []


def meaning_check(fn: Check) -> Check:
    CHECKS.append(fn)
    return fn


# What a condition's `case.*` may name: the fields the engine reads
# (playbooks.conditions); anything else would silently read as empty.
CASE_FIELDS: tuple[str, ...] = tuple(conditions.CASE_FIELDS)
BANDS = ("green", "amber", "red")
# What `event.*` offers under each trigger (None: any key, as a signal carries its own).
EVENT_KEYS: dict[str, tuple[str, ...] | None] = {
    "case.created": (),
    "case.status_changed": ("from", "to"),
    "case.field_changed": ("field", "old", "new"),
    "case.escalation_requested": ("reason",),
    "case.escalated": ("from_tier", "to_tier"),
    "resolution.rejected": ("reason",),
    "interaction.logged": ("kind", "outcome", "interaction_id"),
    "sessions.recorded": ("delivered",),
    "clock.warned": ("clock", "level", "left"),
    "clock.breached": ("clock", "due_at", "used"),
    "duty.overdue": ("duty", "missed"),
    "approval.decided": ("approval", "decision", "reason"),
    "handoff.unanswered": ("handoff", "step"),
    "signal.received": None,
    "health.changed": ("score", "from_band", "to_band"),
    "case.signal": None,
    "schedule": ("schedule",),
    "survey.answered": ("band", "nps", "csat", "survey_id"),
    "refund.paid": ("refund", "reference"),
}


def _choices(values: Iterable[str]) -> Callable[[Context], Sequence[str]]:
    fixed = tuple(values)
    return lambda _context: fixed


# The `with:` keys each trigger accepts (as the engine matches them, playbooks.triggers)
# and what each value must name; None: any value.
FILTERS: dict[str, dict[str, Callable[[Context], Sequence[str]] | None]] = {
    "case.created": {"kind": _choices(Kind.values), "channel": _choices(Channel.values)},
    "case.status_changed": {"to": _choices(Status.values), "from": _choices(Status.values)},
    "case.field_changed": {
        "field": lambda c: (*CASE_FIELDS, *sorted(f"answers.{k}" for k in c.gather_keys))
    },
    "case.escalation_requested": {},
    "case.escalated": {"to_tier": lambda c: [str(t.level) for t in c.book.tiers[1:]]},
    "resolution.rejected": {},
    "interaction.logged": {
        "kind": _choices(InteractionKind.values),
        "outcome": _choices(ContactOutcome.values),
    },
    "sessions.recorded": {},
    "clock.warned": {"clock": lambda c: [x.name for x in c.book.clocks]},
    "clock.breached": {"clock": lambda c: [x.name for x in c.book.clocks]},
    "duty.overdue": {"duty": lambda c: [x.name for x in c.book.duties]},
    "approval.decided": {
        "approval": lambda c: [x.name for x in c.book.approvals],
        "decision": _choices(["approved", "denied"]),
    },
    "handoff.unanswered": {"handoff": lambda c: [x.name for x in c.book.handoffs]},
    "signal.received": {"signal": None},
    "health.changed": {"band": _choices(BANDS)},
    "case.signal": {"signal": None},
    "schedule": {"schedule": lambda c: [x.name for x in c.book.schedules]},
    "survey.answered": {"band": _choices(Band.values)},
    "refund.paid": {},
}


def action_lists(book: Playbook) -> Iterator[tuple[Path, Sequence[Action]]]:
    """Every list of actions: rules' `do`, approvals' outcomes, handoffs' fallbacks."""
    for i, rule in enumerate(book.rules):
        yield ("rules", i, "do"), rule.do
    for i, approval in enumerate(book.approvals):
        yield ("approvals", i, "on_approved"), approval.on_approved
        yield ("approvals", i, "on_denied"), approval.on_denied
    for i, handoff in enumerate(book.handoffs):
        yield ("handoffs", i, "fallback"), handoff.fallback


def actions_of(book: Playbook) -> Iterator[tuple[Path, Action]]:
    for path, actions in action_lists(book):
        for j, action in enumerate(actions):
            yield (*path, j, action.kind), action


def _unknown(what: str, name: object, known: Sequence[str]) -> str:
    if not known:
        return _("unknown %(what)s %(name)s: the playbook defines none") % {
            "what": what,
            "name": repr(name),
        }
    return _("unknown %(what)s %(name)s; known: %(known)s") % {
        "what": what,
        "name": repr(name),
        "known": ", ".join(known),
    }


def _targets(book: Playbook) -> Iterator[tuple[Path, Target]]:
    for i, category in enumerate(book.categories):
        if category.route is not None:
            yield ("categories", i, "route"), category.route
        for j, target in enumerate(category.inform):
            yield ("categories", i, "inform", j), target
    for path, action in actions_of(book):
        if action.assign is not None:
            yield path, action.assign
        if action.notify is not None:
            for k, target in enumerate(action.notify.to):
                yield (*path, "to", k), target
        if action.create_task is not None:
            yield (*path, "assignee"), action.create_task.assignee


@meaning_check
def unknown_teams_and_skills(context: Context) -> Iterator[Finding]:
    """Teams and skills a playbook names must exist in the organization."""
    book = context.book
    teams: list[tuple[Path, str]] = []
    skills: list[tuple[Path, str]] = []
    for i, tier in enumerate(book.tiers):
        if tier.team is not None:
            teams.append((("tiers", i, "team"), tier.team))
        if tier.skill is not None:
            skills.append((("tiers", i, "skill"), tier.skill))
    for path, target in _targets(book):
        if target.team is not None:
            teams.append(((*path, "team"), target.team))
        if target.skill is not None:
            skills.append(((*path, "skill"), target.skill))
    for i, handoff in enumerate(book.handoffs):
        for j, step in enumerate(handoff.steps):
            skills.append((("handoffs", i, "steps", j, "skill"), step.skill))
    org = context.organization
    if context.teams is not None and org is not None:
        for path, name in teams:
            if name not in context.teams:
                yield (
                    path,
                    _("no team named %(name)s in %(org)s; teams: %(known)s")
                    % {
                        "name": repr(name),
                        "org": org.name,
                        "known": ", ".join(sorted(context.teams)) or "-",
                    },
                )
    if context.skills is not None and org is not None:
        for path, name in skills:
            if name not in context.skills:
                yield (
                    path,
                    _("no skill named %(name)s in %(org)s; skills: %(known)s")
                    % {
                        "name": repr(name),
                        "org": org.name,
                        "known": ", ".join(sorted(context.skills)) or "-",
                    },
                )


@meaning_check
def unknown_references(context: Context) -> Iterator[Finding]:
    """Clocks, duties, approvals, handoffs and tiers that actions name must be defined."""
    book = context.book
    defined: dict[str, tuple[str, list[str]]] = {
        "start_clock": (_("clock"), [c.name for c in book.clocks]),
        "stop_clock": (_("clock"), [c.name for c in book.clocks]),
        "pause_clock": (_("clock"), [c.name for c in book.clocks]),
        "resume_clock": (_("clock"), [c.name for c in book.clocks]),
        "start_duty": (_("duty"), [d.name for d in book.duties]),
        "start_handoff": (_("handoff"), [h.name for h in book.handoffs]),
    }
    levels = [t.level for t in book.tiers]
    for path, action in actions_of(book):
        if action.kind in defined:
            what, known = defined[action.kind]
            if action.argument not in known:
                yield path, _unknown(what, action.argument, known)
        elif action.request_approval is not None:
            names = [a.name for a in book.approvals]
            if action.request_approval.approval not in names:
                yield (
                    (*path, "approval"),
                    _unknown(_("approval"), action.request_approval.approval, names),
                )
        elif action.escalate is not None and action.escalate.tier not in (None, *levels[1:]):
            yield (
                (*path, "tier"),
                _("tier %(tier)s is not a level above 1 of this ladder (levels: %(levels)s)")
                % {"tier": action.escalate.tier, "levels": ", ".join(map(str, levels))},
            )


@meaning_check
def unknown_filters(context: Context) -> Iterator[Finding]:
    """A rule's `with:` keys must be ones its trigger offers, naming things that exist."""
    for i, rule in enumerate(context.book.rules):
        accepted = FILTERS[rule.when]
        for key, value in rule.with_.items():
            path: Path = ("rules", i, "with", key)
            if key not in accepted:
                yield (
                    path,
                    _("%(trigger)s cannot be narrowed by %(key)s; it takes: %(keys)s")
                    % {
                        "trigger": rule.when,
                        "key": repr(key),
                        "keys": ", ".join(accepted) or "-",
                    },
                )
                continue
            allowed = accepted[key]
            if allowed is None:
                continue
            known = allowed(context)
            if str(value) not in known:
                yield path, _unknown(key, value, known)


def _fields_of_case() -> frozenset[str]:
    return frozenset(f.name for f in Case._meta.get_fields() if f.concrete)


@meaning_check
def unknown_required_fields(context: Context) -> Iterator[Finding]:
    """require_fields names fields of the case or answers its categories gather."""
    gathered = context.gather_keys
    case_fields = _fields_of_case()
    for path, action in actions_of(context.book):
        if action.require_fields is None:
            continue
        for k, name in enumerate(action.require_fields.fields):
            scope, dot, rest = name.partition(".")
            if scope == "answers" and dot:
                if rest not in gathered:
                    yield (*path, "fields", k), _unknown(_("answer"), rest, sorted(gathered))
            elif (rest if scope == "case" and dot else name) not in case_fields:
                yield (
                    (*path, "fields", k),
                    _("%(name)s is neither a case field nor answers.<key>") % {"name": repr(name)},
                )


def _conditions(condition: Condition, path: Path) -> Iterator[tuple[Path, Compare]]:
    if isinstance(condition, AllOf):
        for k, inner in enumerate(condition.all):
            yield from _conditions(inner, (*path, "all", k))
    elif isinstance(condition, AnyOf):
        for k, inner in enumerate(condition.any):
            yield from _conditions(inner, (*path, "any", k))
    elif isinstance(condition, NotOf):
        yield from _conditions(condition.not_, (*path, "not"))
    else:
        yield path, condition


@meaning_check
def unknown_condition_fields(context: Context) -> Iterator[Finding]:
    """Conditions read fields the engine knows: the case's, the customer's, the
    answers a category gathers, and what the rule's trigger offers as event.*."""
    gathered = sorted(context.gather_keys)
    for i, rule in enumerate(context.book.rules):
        if rule.if_ is None:
            continue
        for path, compare in _conditions(rule.if_, ("rules", i, "if")):
            scope, _dot, name = compare.field.partition(".")
            where = (*path, "field")
            # Apps register customer and program fields when Django starts: read live.
            customer_fields = sorted(conditions.CUSTOMER_FIELDS)
            program_fields = sorted(conditions.PROGRAM_FIELDS)
            if scope == "case" and name not in CASE_FIELDS:
                yield where, _unknown(_("case field"), name, CASE_FIELDS)
            elif scope == "customer" and name not in customer_fields:
                yield where, _unknown(_("customer field"), name, customer_fields)
            elif scope == "program" and name not in program_fields:
                yield where, _unknown(_("program field"), name, program_fields)
            elif scope == "answers" and name not in gathered:
                yield where, _unknown(_("answer"), name, gathered)
            elif scope == "event":
                offered = EVENT_KEYS[rule.when]
                if offered is not None and name.split(".")[0] not in offered:
                    yield (
                        where,
                        _("%(trigger)s offers no event.%(key)s; it offers: %(keys)s")
                        % {
                            "trigger": rule.when,
                            "key": name,
                            "keys": ", ".join(f"event.{k}" for k in offered) or "-",
                        },
                    )
            yield from _operator_value(compare, path)


@meaning_check
def account_rules_stay_on_accounts(context: Context) -> Iterator[Finding]:
    """An account rule (a signal, a health band, a schedule for programs or customers)
    has no case: it takes the account steps only and reads no case.* or answers.*;
    program.* is read only where there is a program (a schedule for programs), and
    schedule rules name their schedule, so it is clear which kind they are."""
    from ladder.playbooks.steps import ACCOUNT_STEPS

    book = context.book
    for i, rule in enumerate(book.rules):
        mixed = any(s.for_ != "cases" for s in book.schedules)
        if rule.when == "schedule" and "schedule" not in rule.with_ and mixed:
            yield (
                ("rules", i, "with"),
                _("a schedule rule names its schedule (with: {schedule: …})"),
            )
        account = book.is_account_rule(rule)
        spec = book.schedule(str(rule.with_.get("schedule", "")))
        has_program = spec is not None and spec.for_ == "programs"
        if account:
            for j, action in enumerate(rule.do):
                if action.kind not in ACCOUNT_STEPS:
                    yield (
                        ("rules", i, "do", j, action.kind),
                        _(
                            "%(step)s needs a case; a rule about an account (%(trigger)s) "
                            "may: %(steps)s"
                        )
                        % {
                            "step": action.kind,
                            "trigger": rule.when,
                            "steps": ", ".join(sorted(ACCOUNT_STEPS)),
                        },
                    )
        if rule.if_ is None:
            continue
        for path, compare in _conditions(rule.if_, ("rules", i, "if")):
            scope = compare.field.partition(".")[0]
            if account and scope in {"case", "answers"}:
                yield (
                    (*path, "field"),
                    _("a rule about an account (%(trigger)s) has no case to read %(field)s")
                    % {"trigger": rule.when, "field": compare.field},
                )
            elif scope == "program" and not has_program:
                yield (
                    (*path, "field"),
                    _("%(field)s is read only in the rules of a schedule for programs")
                    % {"field": compare.field},
                )


def _operator_value(compare: Compare, path: Path) -> Iterator[Finding]:
    if compare.op in ("in", "not_in") and not isinstance(compare.value, list):
        yield (*path, "value"), _("%(op)s compares with a list of values") % {"op": compare.op}
    if compare.op in ("gt", "gte", "lt", "lte") and (
        isinstance(compare.value, bool) or not isinstance(compare.value, int | float)
    ):
        yield (*path, "value"), _("%(op)s compares with a number") % {"op": compare.op}


@meaning_check
def unreachable_tiers(context: Context) -> Iterator[Finding]:
    """A tier above 1 is reachable when its level follows the one below (format.py
    enforces 1, 2, 3 …) and, checked against an organization, someone there holds the
    role that works it: otherwise an escalation to it reaches nobody."""
    org, held = context.organization, context.roles_held
    if org is None or held is None:
        return
    for i, tier in enumerate(context.book.tiers):
        if tier.level > 1 and tier.role not in held:
            yield (
                ("tiers", i, "role"),
                _(
                    "tier %(level)s is unreachable: nobody in %(org)s holds the role %(role)s "
                    "that works it"
                )
                % {"level": tier.level, "org": org.name, "role": tier.role},
            )


@meaning_check
def clocks_never_stopped(context: Context) -> Iterator[Finding]:
    """A clock some rule starts must stop: by a stop_clock action or a stop_when status."""
    book = context.book
    started = {a.start_clock for _p, a in actions_of(book) if a.start_clock}
    stopped = {a.stop_clock for _p, a in actions_of(book) if a.stop_clock}
    for i, clock in enumerate(book.clocks):
        if clock.name in started and clock.name not in stopped and not clock.stop_when:
            yield (
                ("clocks", i, "stop_when"),
                _(
                    "clock %(name)s is started but never stopped: no rule stops it and "
                    "stop_when is empty"
                )
                % {"name": clock.name},
            )


@dataclass(frozen=True)
class _Fired:
    """An event an action causes at once, with the `with:` values known in advance."""

    trigger: str
    known: dict[str, str]


def _fires(action: Action) -> list[_Fired]:
    if action.escalate is not None:
        tier = action.escalate.tier
        return [_Fired("case.escalated", {"to_tier": str(tier)} if tier is not None else {})]
    if action.set_status is not None:
        return [_Fired("case.status_changed", {"to": str(action.set_status)})]
    if action.set_severity is not None:
        return [_Fired("case.field_changed", {"field": "severity"})]
    if action.start_handoff is not None:
        return [_Fired("handoff.unanswered", {"handoff": action.start_handoff})]
    return []


def _matches(rule: Rule, fired: _Fired) -> bool:
    """Whether the rule surely runs on the event: same trigger, no condition, and each
    `with:` value equal to the one the event will carry (an unknown value is a value
    the event can have at most once in a row, such as a higher tier)."""
    return (
        rule.when == fired.trigger
        and rule.if_ is None
        and all(fired.known.get(k) == str(v) for k, v in rule.with_.items())
    )


@meaning_check
def escalation_cycles(context: Context) -> Iterator[Finding]:
    """Rules that fire each other for ever: a rule on case.escalated that escalates
    again unconditionally, two rules setting statuses back and forth, a handoff whose
    fallback starts the same handoff. Loops through a clock (a reminder restarted on
    its own breach) or a person's decision (an approval) are allowed: time or a person
    ends them. A rule with an `if:` may end a loop, so only rules without one count."""
    book = context.book
    # Nodes: each rule, and each handoff's fallback (which runs when nobody answers);
    # keyed by path, since a duplicate name is reported elsewhere and must not hide a loop.
    nodes: dict[Path, tuple[str, Sequence[Action]]] = {
        ("rules", i): (_("rule %(name)s") % {"name": r.name}, r.do)
        for i, r in enumerate(book.rules)
    }
    fallbacks: dict[str, Path] = {}
    for i, handoff in enumerate(book.handoffs):
        path: Path = ("handoffs", i, "fallback")
        fallbacks.setdefault(handoff.name, path)
        nodes[path] = (
            _("the fallback of handoff %(name)s") % {"name": handoff.name},
            handoff.fallback,
        )
    edges: dict[Path, list[Path]] = {}
    for node, (_label, actions) in nodes.items():
        following: list[Path] = []
        for action in actions:
            for fired in _fires(action):
                following += [("rules", i) for i, r in enumerate(book.rules) if _matches(r, fired)]
            if action.start_handoff in fallbacks:
                following.append(fallbacks[action.start_handoff])
        edges[node] = list(dict.fromkeys(following))
    seen: set[frozenset[Path]] = set()
    for cycle in _cycles(edges):
        if frozenset(cycle) in seen:
            continue
        seen.add(frozenset(cycle))
        yield (
            cycle[0],
            _("a loop: %(loop)s, each firing the next unconditionally")
            % {"loop": " → ".join(nodes[n][0] for n in [*cycle, cycle[0]])},
        )


def _cycles(edges: dict[Path, list[Path]]) -> Iterator[list[Path]]:
    """One cycle through each node that lies on one, found depth first."""
    for start in edges:
        stack: list[tuple[Path, list[Path]]] = [(start, [start])]
        visited: set[Path] = set()
        while stack:
            node, trail = stack.pop()
            for nxt in edges[node]:
                if nxt == start:
                    yield trail
                    stack.clear()
                    break
                if nxt not in visited:
                    visited.add(nxt)
                    stack.append((nxt, [*trail, nxt]))


@meaning_check
def duplicate_names(context: Context) -> Iterator[Finding]:
    """Names are how rules refer to things: each must be used once in its list."""
    book = context.book
    lists: list[tuple[Path, list[str]]] = [
        (("categories",), [c.key for c in book.categories]),
        (("clocks",), [c.name for c in book.clocks]),
        (("duties",), [d.name for d in book.duties]),
        (("checklists",), [c.name for c in book.checklists]),
        (("approvals",), [a.name for a in book.approvals]),
        (("handoffs",), [h.name for h in book.handoffs]),
        (("schedules",), [s.name for s in book.schedules]),
        (("rules",), [r.name for r in book.rules]),
    ]
    for i, category in enumerate(book.categories):
        lists.append((("categories", i, "gather"), [g.key for g in category.gather]))
    for i, checklist in enumerate(book.checklists):
        lists.append((("checklists", i, "items"), [item.key for item in checklist.items]))
    for path, names in lists:
        first: dict[str, int] = {}
        key = "key" if path[-1] in ("categories", "gather", "items") else "name"
        for index, name in enumerate(names):
            if name in first:
                yield (
                    (*path, index, key),
                    _("%(name)s is already used by %(where)s")
                    % {
                        "name": repr(name),
                        "where": format_path((*path, first[name])),
                    },
                )
            else:
                first[name] = index


def _texts(value: Any, path: Path) -> Iterator[tuple[Path, Text]]:
    if isinstance(value, Text):
        yield path, value
    elif isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            yield from _texts(getattr(value, name), (*path, info.alias or name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, (*path, index))


@meaning_check
def missing_translations(context: Context) -> Iterator[Finding]:
    """Every text is written in each language the playbook lists in `languages`."""
    languages = context.book.languages
    for path, text in _texts(context.book, ()):
        missing = [
            lang for lang in languages if not (text.en if lang == "en" else text.zh_hans).strip()
        ]
        if missing:
            yield (
                path,
                _("has no %(languages)s text; the playbook's languages are %(all)s")
                % {
                    "languages": ", ".join(missing),
                    "all": ", ".join(languages),
                },
            )
