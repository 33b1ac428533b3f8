"""The engine: when something happens to a case, run the rules of the playbook version
the case runs under. It runs inside the transaction of the change that caused it, so a
case and the engine's decisions about it commit together or not at all; every decision
is recorded on the case's timeline with the rule that made it."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils import translation

from ladder.cases.actions import record
from ladder.cases.events import CaseEvent
from ladder.cases.models import Case
from ladder.customers.models import Customer
from ladder.playbooks import conditions, triggers
from ladder.playbooks.format import Action, Playbook, Text
from ladder.playbooks.library import playbook_of
from ladder.playbooks.models import CaseState, PlaybookVersion
from ladder.tenancy.actors import Actor
from ladder.tenancy.calendar import BusinessCalendar

# Rules may trigger rules (an escalation fires case.escalated); past this depth the
# engine stops and says so on the timeline rather than loop.
MAX_DEPTH = 8
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("playbook_depth", default=0)


@dataclass
class Run:
    """One reaction of the engine to one event on one case."""

    case: Case
    version: PlaybookVersion
    book: Playbook
    state: CaseState
    event: CaseEvent
    _calendar: BusinessCalendar | None = field(default=None, repr=False)

    @classmethod
    def of(cls, state: CaseState, event: CaseEvent) -> Run:
        return cls(
            case=event.case,
            version=state.version,
            book=playbook_of(state.version),
            state=state,
            event=event,
        )

    @property
    def at(self) -> dt.datetime:
        return self.event.at

    @property
    def calendar(self) -> BusinessCalendar:
        if self._calendar is None:
            self._calendar = BusinessCalendar.for_organization(self.case.organization)
        return self._calendar

    @cached_property
    def customer(self) -> Customer:
        """The case's customer with every field: the case may carry one loaded with only
        the columns its own use case needed."""
        return Customer.objects.get(pk=self.case.customer_id)

    @property
    def language(self) -> str:
        return str(self.case.organization.locale)

    def text(self, value: Text | None) -> str:
        return value.get(self.language) if value is not None else ""

    def actor(self, rule: str) -> Actor:
        return Actor.engine(self.case.organization, rule=f"{self.version.label}: {rule}")

    def note(self, *, rule: str, kind: str, data: dict[str, Any]) -> None:
        """Records an engine decision that no other action records."""
        record(case=self.case, actor=self.actor(rule), kind=kind, at=self.at, data=data)


def state_of(case: Case) -> CaseState | None:
    """The engine's state of a case, or None if it runs under no playbook. A case that
    runs under one carries its version's label (set with the state when it opened), so
    cases without a playbook cost no query on every change."""
    if not case.playbook_version:
        return None
    return CaseState.objects.select_related("version").filter(case=case).first()


def _attach(case: Case, at: dt.datetime) -> CaseState | None:
    """A new case runs under the organization's active version, for good."""
    version_id = case.organization.active_playbook_id
    if version_id is None:
        return None
    version = PlaybookVersion.objects.get(pk=version_id)
    state = CaseState.objects.create(case=case, version=version)
    Case.objects.filter(pk=case.pk).update(playbook_version=version.label)
    case.playbook_version = version.label
    return state


def on_case_event(event: CaseEvent) -> None:
    """The listener registered in ``ladder.cases.events``."""
    case = event.case
    state = _attach(case, event.at) if event.trigger == "case.created" else state_of(case)
    if state is None:
        return
    run = Run.of(state, event)
    with deeper() as allowed:
        if not allowed:
            run.note(
                rule="engine",
                kind="engine.loop_stopped",
                data={"trigger": event.trigger, "depth": _depth.get()},
            )
            return
        # Language of the organization for every text the engine writes.
        with translation.override(run.language):
            from ladder.playbooks import reactions

            reactions.react(run)
            for rule in run.book.rules:
                if rule.when != event.trigger or not triggers.matches(rule, event):
                    continue
                if run.book.is_account_rule(rule):
                    continue
                if rule.if_ is not None and not conditions.holds(rule.if_, run):
                    continue
                run_actions(run, rule.do, rule=rule.name)


@contextlib.contextmanager
def deeper() -> Iterator[bool]:
    """One level deeper in rules triggering rules; yields False past MAX_DEPTH, where
    the caller stops instead of looping."""
    depth = _depth.get()
    if depth >= MAX_DEPTH:
        yield False
        return
    token = _depth.set(depth + 1)
    try:
        yield True
    finally:
        _depth.reset(token)


def run_actions(run: Run, actions: list[Action], *, rule: str) -> None:
    from ladder.playbooks.steps import STEPS

    for action in actions:
        STEPS[action.kind](run, action.argument, rule)


def announce(case: Case, kind: str, *, rule: str, at: dt.datetime, data: dict[str, Any]) -> None:
    """Records what the engine noticed (a clock breached, a duty missed) on the case's
    timeline, then lets the case's rules react to it."""
    state = state_of(case)
    if state is None:
        return
    actor = Actor.engine(case.organization, rule=f"{state.version.label}: {rule}")
    record(case=case, actor=actor, kind=kind, at=at, data=data)
    on_case_event(CaseEvent(case=case, trigger=kind, actor=actor, at=at, data=data))
