"""The playbook file format: what an organization may write in its YAML, as Pydantic
models. Parsing a file into these models checks its shape (unknown keys, wrong types);
`validation.py` checks its meaning (unknown roles, clocks, unreachable tiers, cycles).
`docs/playbooks.md` is the reference written for people; keep the two together."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from ladder.cases.models import ContactOutcome, InteractionKind, Kind, Severity
from ladder.cases.states import Status
from ladder.tenancy.models import Role

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
RoleName = Literal[
    "agent",
    "tier2",
    "team_lead",
    "manager",
    "owner",
    "academic_director",
    "principal",
    "accounting",
    "executive",
    "admin",
]
assert set(RoleName.__args__) == set(Role.values), "RoleName must list every Role"  # type: ignore[attr-defined]

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> dt.timedelta:
    """'30s', '90m', '24h', '2d', '1w' → timedelta. Business-time clocks read hours as
    working hours and a day as 24 working hours; write '8h' for one working day."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration like 30s, 90m, 24h, 2d or 1w")
    return dt.timedelta(seconds=int(match[1]) * _UNITS[match[2]])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """Words shown to people, in the organization's languages (English is the fallback)."""

    en: str = ""
    zh_hans: str = Field("", alias="zh-hans")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _plain_string(cls, value: Any) -> Any:
        return {"en": value} if isinstance(value, str) else value

    def get(self, language: str) -> str:
        if language.lower().startswith("zh") and self.zh_hans:
            return self.zh_hans
        return self.en or self.zh_hans


Language = Literal["en", "zh-hans"]


def _english() -> list[Language]:
    return ["en"]


Duration = Annotated[str, Field(pattern=_DURATION.pattern)]


class Target(Strict):
    """Who works or receives something: a role, a team, a skill, or the case's owner
    (the class teacher / CSM of the customer)."""

    role: RoleName | None = None
    team: str | None = None
    skill: str | None = None
    owner: bool = False
    customer_owner: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Target:
        chosen = [self.role, self.team, self.skill, self.owner or None, self.customer_owner or None]
        if sum(v is not None for v in chosen) != 1:
            raise ValueError("name exactly one of role, team, skill, owner, customer_owner")
        return self


class TierDef(Strict):
    level: int = Field(ge=1, le=9)
    name: Text
    role: RoleName
    team: str | None = None
    skill: str | None = None
    # IN1: the written account the next level receives; these keys become the handoff
    # summary's fields (details and source_of_dispute are always asked for).
    handoff: list[Name] = Field(default_factory=lambda: ["details", "source_of_dispute"])


class GatherField(Strict):
    """Information the agent must collect for a concern category (EB4)."""

    key: Name
    label: Text
    required: bool = True
    choices: list[str] = Field(default_factory=list)


class CategoryDef(Strict):
    key: Name
    label: Text
    route: Target | None = None
    strategy: Literal["round_robin", "least_loaded"] = "least_loaded"
    inform: list[Target] = Field(default_factory=list)
    gather: list[GatherField] = Field(default_factory=list)
    script: Text | None = None


class ClockDef(Strict):
    name: Name
    label: Text
    measure: Literal["calendar", "business", "sessions"]
    # Durations for calendar and business clocks, a count of lessons for sessions.
    target: Duration | int
    warn_before: list[Duration | int] = Field(default_factory=list)
    pause_when: list[Status] = Field(default_factory=lambda: [Status.AWAITING_CUSTOMER])
    stop_when: list[Status] = Field(default_factory=lambda: [Status.RESOLVED, Status.CLOSED])

    @model_validator(mode="after")
    def _target_matches_measure(self) -> ClockDef:
        counted = self.measure == "sessions"
        for value in [self.target, *self.warn_before]:
            if counted != isinstance(value, int):
                kind = "a number of lessons" if counted else "a duration such as 24h"
                raise ValueError(f"a {self.measure} clock counts in {kind}, got {value!r}")
        return self


class Evidence(Strict):
    """What counts as doing a duty: an interaction of this kind (and outcome)."""

    interaction: InteractionKind
    outcomes: list[ContactOutcome] = Field(default_factory=list)


class DutyDef(Strict):
    name: Name
    label: Text
    # daily: once per business day while the case is open (MT7);
    # consecutive_days: on `days` consecutive business days (MT6);
    # per_sessions: `times` times per `sessions` delivered lessons (ED3).
    kind: Literal["daily", "consecutive_days", "per_sessions"]
    evidence: Evidence
    days: int = Field(1, ge=1, le=60)
    times: int = Field(1, ge=1, le=20)
    sessions: int = Field(48, ge=1, le=1000)
    # A duty that must be complete before the case may move to these statuses.
    before: list[Status] = Field(default_factory=list)


class ChecklistDef(Strict):
    name: Name
    label: Text
    items: list[ChecklistItem]
    before: list[Status] = Field(default_factory=lambda: [Status.RESOLVED])


class ChecklistItem(Strict):
    key: Name
    label: Text


class ApprovalDef(Strict):
    name: Name
    label: Text
    approver: RoleName
    second_approver: RoleName | None = None
    second_above: Decimal | None = None
    on_approved: list[Action] = Field(default_factory=list)
    on_denied: list[Action] = Field(default_factory=list)

    @model_validator(mode="after")
    def _second_needs_limit(self) -> ApprovalDef:
        if (self.second_approver is None) != (self.second_above is None):
            raise ValueError("second_approver and second_above go together")
        return self


class HandoffStep(Strict):
    skill: str
    timeout: Duration = "30s"


class HandoffDef(Strict):
    """A live (warm) transfer (EB3): each step alerts the available members of a skill;
    the first to accept takes the case; nobody within the timeout → the next step;
    nobody at all → the fallback actions."""

    name: Name
    label: Text
    steps: list[HandoffStep] = Field(min_length=1)
    fallback: list[Action] = Field(default_factory=list)


class ScheduleDef(Strict):
    """A timetable. Its rules run once per open case under the version (``for: cases``),
    once per active program (``for: programs``) or once per customer
    (``for: customers``) of the organization; the last two are account rules."""

    name: Name
    every: Literal["day", "week"]
    at: dt.time
    weekday: int | None = Field(None, ge=0, le=6)
    for_: Literal["cases", "programs", "customers"] = Field("cases", alias="for")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- conditions ----------------------------------------------------------------------

Operator = Literal[
    "eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "is_set", "is_empty"
]


class Compare(Strict):
    field: str = Field(pattern=r"^(case|customer|program|event|answers)\.[a-z_][a-z0-9_.]*$")
    op: Operator = "eq"
    value: Any = None


class AllOf(Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(Strict):
    any: list[Condition] = Field(min_length=1)


class NotOf(Strict):
    not_: Condition = Field(alias="not")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _condition_kind(value: Any) -> str:
    """Which kind of condition a mapping is, by its key, so that a mistake in one is
    reported once, in that kind's terms, instead of once per kind of the union."""
    if isinstance(value, dict):
        return next(
            (
                tag
                for key, tag in (("all", "AllOf"), ("any", "AnyOf"), ("not", "NotOf"))
                if key in value
            ),
            "Compare",
        )
    return type(value).__name__


Condition = Annotated[
    Annotated[AllOf, Tag("AllOf")]
    | Annotated[AnyOf, Tag("AnyOf")]
    | Annotated[NotOf, Tag("NotOf")]
    | Annotated[Compare, Tag("Compare")],
    Discriminator(_condition_kind),
]


# --- actions -------------------------------------------------------------------------


class AssignTo(Target):
    strategy: Literal["round_robin", "least_loaded"] = "least_loaded"


class EscalateTo(Strict):
    tier: int | None = None
    details: Text | None = None


class Notify(Strict):
    to: list[Target] = Field(min_length=1)
    channel: Literal["in_app", "email"] = "in_app"
    text: Text


class CreateTask(Strict):
    title: Text
    due_in: Duration = "1d"
    business_time: bool = True
    assignee: Target = Field(default_factory=lambda: Target(owner=True))


class RequireFields(Strict):
    fields: list[str] = Field(min_length=1)
    before: list[Status] = Field(min_length=1)
    message: Text


class RequestApproval(Strict):
    approval: Name
    amount_from: Literal["money_at_stake"] = "money_at_stake"


class ChatChannel(Strict):
    name: Text
    fields: list[Literal["account", "mrr", "link", "reason", "case", "owner", "severity"]]


class Webhook(Strict):
    event: Name


class ReviewList(Strict):
    list: Name
    reason: Text


class OpenCase(Strict):
    """A new case for the customer (MT1: a proactive case before the customer asks to
    cancel; TD3: a follow-up after a detractor's survey), given to ``assignee`` (the
    customer's owner by default)."""

    kind: Kind
    subject: Text
    category: str = ""
    severity: Severity = Severity.MEDIUM
    description: Text | None = None
    assignee: Target = Field(default_factory=lambda: Target(customer_owner=True))


class SendSurvey(Strict):
    """An NPS and CSAT survey by e-mail, ``after`` the event (e.g. the resolution),
    whose link works until ``expires_in`` after it is sent (TD3, ED6)."""

    after: Duration = "2h"
    expires_in: Duration = "14d"

    @field_validator("expires_in")
    @classmethod
    def _expires_later(cls, value: str) -> str:
        if parse_duration(value) <= dt.timedelta(0):
            raise ValueError("a survey must stay open for some time")
        return value


class RefuseRequest(Strict):
    """Records that the request is not eligible (ED5: a refund after the first 6
    lessons), with the rule's name and this reason; the request stays a case."""

    reason: Text


class Action(Strict):
    """One step of a rule: exactly one key, e.g. ``{start_clock: meeting_24h}``."""

    assign: AssignTo | None = None
    escalate: EscalateTo | None = None
    notify: Notify | None = None
    create_task: CreateTask | None = None
    start_clock: Name | None = None
    stop_clock: Name | None = None
    pause_clock: Name | None = None
    resume_clock: Name | None = None
    start_duty: Name | None = None
    require_fields: RequireFields | None = None
    request_approval: RequestApproval | None = None
    open_chat_channel: ChatChannel | None = None
    set_severity: Severity | None = None
    post_webhook: Webhook | None = None
    start_handoff: Name | None = None
    add_to_review_list: ReviewList | None = None
    set_status: Status | None = None
    open_case: OpenCase | None = None
    send_survey: SendSurvey | None = None
    refuse_request: RefuseRequest | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Action:
        given = [k for k, v in self if v is not None]
        if len(given) != 1:
            raise ValueError(
                "an action has exactly one key, one of: " + ", ".join(type(self).model_fields)
            )
        return self

    @property
    def kind(self) -> str:
        return next(k for k, v in self if v is not None)

    @property
    def argument(self) -> Any:
        return getattr(self, self.kind)


# --- rules ---------------------------------------------------------------------------

Trigger = Literal[
    "case.created",
    "case.status_changed",
    "case.field_changed",
    "case.escalation_requested",
    "case.escalated",
    "resolution.rejected",
    "interaction.logged",
    "sessions.recorded",
    "clock.warned",
    "clock.breached",
    "duty.overdue",
    "approval.decided",
    "handoff.unanswered",
    "signal.received",
    "health.changed",
    "case.signal",
    "schedule",
    "survey.answered",
    "refund.paid",
]

# Triggers about a customer account rather than a case: their rules run in account
# context (playbooks.accounts), with the account steps only. `schedule` rules are account
# rules when the schedule they name is `for: programs` or `for: customers`.
ACCOUNT_TRIGGERS = frozenset({"signal.received", "health.changed"})


class Rule(Strict):
    name: Name
    # Not `on`: YAML 1.1 reads a bare `on` as the boolean true.
    when: Trigger
    # Narrows the trigger: e.g. {clock: meeting_24h} or {to: resolved} or {schedule: daily}.
    with_: dict[str, str | int] = Field(default_factory=dict, alias="with")
    if_: Condition | None = Field(None, alias="if")
    do: list[Action] = Field(min_length=1)
    note: str = ""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Playbook(Strict):
    """One organization's procedure."""

    playbook: Name
    title: Text
    source: str = ""  # the document it encodes, e.g. "002 solar financing contact centre"
    languages: list[Language] = Field(default_factory=_english)
    kinds: list[Kind] = Field(default_factory=lambda: list(Kind))
    tiers: list[TierDef] = Field(min_length=1)
    categories: list[CategoryDef] = Field(default_factory=list)
    clocks: list[ClockDef] = Field(default_factory=list)
    duties: list[DutyDef] = Field(default_factory=list)
    checklists: list[ChecklistDef] = Field(default_factory=list)
    approvals: list[ApprovalDef] = Field(default_factory=list)
    handoffs: list[HandoffDef] = Field(default_factory=list)
    schedules: list[ScheduleDef] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("tiers")
    @classmethod
    def _levels_in_order(cls, tiers: list[TierDef]) -> list[TierDef]:
        levels = [t.level for t in tiers]
        if levels != list(range(1, len(tiers) + 1)):
            raise ValueError(f"tier levels must be 1, 2, 3 … in order, got {levels}")
        return tiers

    def clock(self, name: str) -> ClockDef:
        return next(c for c in self.clocks if c.name == name)

    def duty(self, name: str) -> DutyDef:
        return next(d for d in self.duties if d.name == name)

    def approval(self, name: str) -> ApprovalDef:
        return next(a for a in self.approvals if a.name == name)

    def handoff(self, name: str) -> HandoffDef:
        return next(h for h in self.handoffs if h.name == name)

    def category(self, key: str) -> CategoryDef | None:
        return next((c for c in self.categories if c.key == key), None)

    def tier(self, level: int) -> TierDef | None:
        return next((t for t in self.tiers if t.level == level), None)

    def schedule(self, name: str) -> ScheduleDef | None:
        return next((s for s in self.schedules if s.name == name), None)

    def is_account_rule(self, rule: Rule) -> bool:
        """Whether the rule is about an account (no case): an account trigger, or a
        schedule `for: programs` / `for: customers`."""
        if rule.when in ACCOUNT_TRIGGERS:
            return True
        if rule.when == "schedule":
            spec = self.schedule(str(rule.with_.get("schedule", "")))
            return spec is not None and spec.for_ != "cases"
        return False


for _model in (AllOf, AnyOf, NotOf, ChecklistDef, ApprovalDef, HandoffDef, Playbook):
    _model.model_rebuild()
