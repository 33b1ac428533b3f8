"""A playbook in words, for the playbook page: triggers, conditions and actions as
sentences in the viewer's language. The playbook's own texts (labels, messages) come
in the viewer's language when the playbook has it; everything else comes from the
translation catalogue. One describer per action kind, registered by name."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ladder.cases.models import Severity
from ladder.playbooks.format import (
    Action,
    AllOf,
    AnyOf,
    AssignTo,
    ChatChannel,
    Condition,
    CreateTask,
    EscalateTo,
    Notify,
    NotOf,
    Playbook,
    RequestApproval,
    RequireFields,
    ReviewList,
    Rule,
    Target,
    Text,
    Webhook,
)
from ladder.tenancy.models import Role
from ladder.web.forms_case import SEVERITY_LABELS, STATUS_LABELS, label

TRIGGER_LABELS: dict[str, Promise] = {
    "case.created": gettext_lazy("A case is opened"),
    "case.status_changed": gettext_lazy("A case changes status"),
    "case.field_changed": gettext_lazy("A field of a case changes"),
    "case.escalation_requested": gettext_lazy("The customer asks for someone higher up"),
    "case.escalated": gettext_lazy("A case is escalated"),
    "resolution.rejected": gettext_lazy("The customer rejects the resolution"),
    "interaction.logged": gettext_lazy("Contact is logged"),
    "sessions.recorded": gettext_lazy("Delivered lessons are recorded"),
    "clock.warned": gettext_lazy("A clock is about to run out"),
    "clock.breached": gettext_lazy("A clock has run out"),
    "duty.overdue": gettext_lazy("A duty is overdue"),
    "approval.decided": gettext_lazy("An approval is decided"),
    "handoff.unanswered": gettext_lazy("Nobody accepts a live handoff"),
    "signal.received": gettext_lazy("An early-warning signal arrives"),
    "schedule": gettext_lazy("On a schedule"),
}
OPERATOR_LABELS: dict[str, Promise] = {
    "eq": gettext_lazy("is"),
    "ne": gettext_lazy("is not"),
    "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"),
    "gt": gettext_lazy("is more than"),
    "gte": gettext_lazy("is at least"),
    "lt": gettext_lazy("is less than"),
    "lte": gettext_lazy("is at most"),
    "contains": gettext_lazy("contains"),
    "is_set": gettext_lazy("is set"),
    "is_empty": gettext_lazy("is empty"),
}
MEASURE_LABELS: dict[str, Promise] = {
    "calendar": gettext_lazy("Calendar time"),
    "business": gettext_lazy("Business hours"),
    "sessions": gettext_lazy("Lessons delivered"),
}
STRATEGY_LABELS: dict[str, Promise] = {
    "round_robin": gettext_lazy("round robin"),
    "least_loaded": gettext_lazy("least loaded"),
}
CHANNEL_LABELS: dict[str, Promise] = {
    "in_app": gettext_lazy("in the app"),
    "email": gettext_lazy("by e-mail"),
}


@dataclass
class Words:
    """Turns parts of one playbook into sentences in one language."""

    book: Playbook
    language: str

    def text(self, value: Text | None) -> str:
        return value.get(self.language) if value is not None else ""

    def role(self, value: str) -> str:
        return str(Role(value).label)

    def statuses(self, values: Iterable[str]) -> str:
        return ", ".join(label(STATUS_LABELS, v) for v in values)

    def target(self, target: Target) -> str:
        if target.role is not None:
            return self.role(target.role)
        if target.team is not None:
            return _("team %(name)s") % {"name": target.team}
        if target.skill is not None:
            return _("skill %(name)s") % {"name": target.skill}
        if target.owner:
            return _("the case's owner")
        return _("the customer's owner")

    def named(self, items: Iterable[Any], name: str) -> str:
        """A clock, duty, approval or handoff by its label, or its name if undefined."""
        found = next((i for i in items if i.name == name), None)
        return self.text(found.label) if found is not None else name

    def condition(self, condition: Condition) -> str:
        if isinstance(condition, AllOf):
            return _(" and ").join(f"({self.condition(c)})" for c in condition.all)
        if isinstance(condition, AnyOf):
            return _(" or ").join(f"({self.condition(c)})" for c in condition.any)
        if isinstance(condition, NotOf):
            return _("not (%(condition)s)") % {"condition": self.condition(condition.not_)}
        operator = label(OPERATOR_LABELS, condition.op)
        if condition.op in ("is_set", "is_empty"):
            return f"{condition.field} {operator}"
        value = condition.value
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        return f"{condition.field} {operator} {shown}"

    def action(self, action: Action) -> str:
        return ACTION_WORDS[action.kind](self, action.argument)

    def actions(self, actions: Iterable[Action]) -> list[str]:
        return [self.action(a) for a in actions]


Describer = Callable[[Words, Any], str]
ACTION_WORDS: dict[str, Describer] = {}


def describes(kind: str) -> Callable[[Describer], Describer]:
    def register(fn: Describer) -> Describer:
        ACTION_WORDS[kind] = fn
        return fn

    return register


@describes("assign")
def _assign(w: Words, to: AssignTo) -> str:
    return _("Assign to %(target)s (%(strategy)s)") % {
        "target": w.target(to),
        "strategy": label(STRATEGY_LABELS, to.strategy),
    }


@describes("escalate")
def _escalate(w: Words, to: EscalateTo) -> str:
    if to.tier is None:
        return _("Escalate one tier up")
    tier = w.book.tier(to.tier)
    return _("Escalate to tier %(level)s, %(name)s") % {
        "level": to.tier,
        "name": w.text(tier.name) if tier is not None else "",
    }


@describes("notify")
def _notify(w: Words, notify: Notify) -> str:
    return _("Notify %(to)s %(channel)s: “%(text)s”") % {
        "to": ", ".join(w.target(t) for t in notify.to),
        "channel": label(CHANNEL_LABELS, notify.channel),
        "text": w.text(notify.text),
    }


@describes("create_task")
def _task(w: Words, task: CreateTask) -> str:
    return _("Create the task “%(title)s” for %(who)s, due in %(due)s") % {
        "title": w.text(task.title),
        "who": w.target(task.assignee),
        "due": task.due_in,
    }


def _clock_step(sentence: Promise) -> Describer:
    return lambda w, name: str(sentence) % {"clock": w.named(w.book.clocks, name)}


describes("start_clock")(_clock_step(gettext_lazy("Start the clock “%(clock)s”")))
describes("stop_clock")(_clock_step(gettext_lazy("Stop the clock “%(clock)s”")))
describes("pause_clock")(_clock_step(gettext_lazy("Pause the clock “%(clock)s”")))
describes("resume_clock")(_clock_step(gettext_lazy("Resume the clock “%(clock)s”")))


@describes("start_duty")
def _duty(w: Words, name: str) -> str:
    return _("Start the duty “%(duty)s”") % {"duty": w.named(w.book.duties, name)}


@describes("require_fields")
def _require(w: Words, spec: RequireFields) -> str:
    return _("Require %(fields)s before %(statuses)s: “%(message)s”") % {
        "fields": ", ".join(spec.fields),
        "statuses": w.statuses(spec.before),
        "message": w.text(spec.message),
    }


@describes("request_approval")
def _approval(w: Words, spec: RequestApproval) -> str:
    return _("Ask for the approval “%(approval)s”") % {
        "approval": w.named(w.book.approvals, spec.approval)
    }


@describes("open_chat_channel")
def _chat(w: Words, spec: ChatChannel) -> str:
    return _("Open the chat channel “%(name)s” with %(fields)s") % {
        "name": w.text(spec.name),
        "fields": ", ".join(spec.fields),
    }


@describes("set_severity")
def _severity(w: Words, severity: Severity) -> str:
    return _("Set the severity to %(severity)s") % {"severity": label(SEVERITY_LABELS, severity)}


@describes("post_webhook")
def _webhook(w: Words, spec: Webhook) -> str:
    return _("Send the webhook event %(event)s") % {"event": spec.event}


@describes("start_handoff")
def _handoff(w: Words, name: str) -> str:
    return _("Start the live handoff “%(handoff)s”") % {"handoff": w.named(w.book.handoffs, name)}


@describes("add_to_review_list")
def _review(w: Words, spec: ReviewList) -> str:
    return _("Add to the review list %(list)s: “%(reason)s”") % {
        "list": spec.list,
        "reason": w.text(spec.reason),
    }


@describes("set_status")
def _status(w: Words, status: str) -> str:
    return _("Set the status to %(status)s") % {"status": label(STATUS_LABELS, status)}


@dataclass
class RuleWords:
    name: str
    trigger: str
    narrowed: str
    condition: str
    actions: list[str]
    note: str


@dataclass
class PlaybookWords:
    """What the playbook page shows of one version, in one language."""

    title: str
    source: str
    tiers: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    clocks: list[dict[str, Any]] = field(default_factory=list)
    duties: list[dict[str, Any]] = field(default_factory=list)
    checklists: list[dict[str, Any]] = field(default_factory=list)
    approvals: list[dict[str, Any]] = field(default_factory=list)
    handoffs: list[dict[str, Any]] = field(default_factory=list)
    rules: list[RuleWords] = field(default_factory=list)


def _amount(value: str | int, measure: str) -> str:
    if measure == "sessions":
        return _("%(count)s lessons") % {"count": value}
    return str(value)


def _duty_rhythm(kind: str, days: int, times: int, sessions: int) -> str:
    rhythms: Mapping[str, str] = {
        "daily": _("every business day while the case is open"),
        "consecutive_days": _("on %(days)s consecutive business days") % {"days": days},
        "per_sessions": _("%(times)s times per %(sessions)s lessons")
        % {"times": times, "sessions": sessions},
    }
    return rhythms[kind]


def describe(book: Playbook, language: str) -> PlaybookWords:
    w = Words(book, language)
    words = PlaybookWords(title=w.text(book.title), source=book.source)
    words.tiers = [
        {"level": t.level, "name": w.text(t.name), "role": w.role(t.role)} for t in book.tiers
    ]
    words.categories = [
        {
            "label": w.text(c.label),
            "route": w.target(c.route) if c.route is not None else "",
            "strategy": label(STRATEGY_LABELS, c.strategy),
            "inform": [w.target(t) for t in c.inform],
            "gather": [
                {"label": w.text(g.label), "required": g.required, "choices": g.choices}
                for g in c.gather
            ],
            "script": w.text(c.script),
        }
        for c in book.categories
    ]
    words.clocks = [
        {
            "label": w.text(c.label),
            "measure": label(MEASURE_LABELS, c.measure),
            "target": _amount(c.target, c.measure),
            "warn_before": ", ".join(_amount(v, c.measure) for v in c.warn_before),
            "pause_when": w.statuses(c.pause_when),
            "stop_when": w.statuses(c.stop_when),
        }
        for c in book.clocks
    ]
    words.duties = [
        {
            "label": w.text(d.label),
            "rhythm": _duty_rhythm(d.kind, d.days, d.times, d.sessions),
            "before": w.statuses(d.before),
        }
        for d in book.duties
    ]
    words.checklists = [
        {
            "label": w.text(c.label),
            "items": [w.text(i.label) for i in c.items],
            "before": w.statuses(c.before),
        }
        for c in book.checklists
    ]
    words.approvals = [
        {
            "label": w.text(a.label),
            "approver": w.role(a.approver),
            "second": (
                _("and %(role)s above %(amount)s")
                % {"role": w.role(a.second_approver), "amount": a.second_above}
                if a.second_approver is not None
                else ""
            ),
            "on_approved": w.actions(a.on_approved),
            "on_denied": w.actions(a.on_denied),
        }
        for a in book.approvals
    ]
    words.handoffs = [
        {
            "label": w.text(h.label),
            "steps": [
                _("%(skill)s, %(timeout)s") % {"skill": s.skill, "timeout": s.timeout}
                for s in h.steps
            ],
            "fallback": w.actions(h.fallback),
        }
        for h in book.handoffs
    ]
    words.rules = [_rule(w, r) for r in book.rules]
    return words


def _rule(w: Words, rule: Rule) -> RuleWords:
    return RuleWords(
        name=rule.name,
        trigger=label(TRIGGER_LABELS, rule.when),
        narrowed=", ".join(f"{k} = {v}" for k, v in rule.with_.items()),
        condition=w.condition(rule.if_) if rule.if_ is not None else "",
        actions=w.actions(rule.do),
        note=rule.note,
    )
