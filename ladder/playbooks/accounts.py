"""Account rules: the engine for what happens to a customer rather than to a case — an
early-warning signal arrives (MT1), the health score changes band, a program's daily
watch comes round (TD3, ED2, ED9). There is no case yet, so these rules run with the
account steps only (open a case, make a task, tell someone), and what they decide is
recorded as :class:`~ladder.playbooks.models.AccountDecision` rows.

They run inside the caller's transaction, like case rules. A signal also reaches the
customer's open cases as the case trigger ``case.signal``, so a case already in the
desk's hands reacts to it too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils import translation

from ladder.cases.actions import record
from ladder.cases.events import CaseEvent
from ladder.cases.models import Case
from ladder.cases.states import OPEN
from ladder.customers.models import Customer, Program
from ladder.playbooks import conditions, engine, triggers
from ladder.playbooks.format import Playbook, Rule, Text
from ladder.playbooks.library import playbook_of
from ladder.playbooks.models import AccountDecision, PlaybookVersion
from ladder.tenancy.actors import Actor
from ladder.tenancy.calendar import BusinessCalendar


@dataclass(frozen=True)
class AccountEvent:
    """Something happened to a customer account: an account trigger (``signal.received``,
    ``health.changed``, ``schedule``) and what its rules may read as ``event.*``; for a
    program's schedule, the program."""

    customer: Customer
    trigger: str
    at: dt.datetime
    data: dict[str, Any] = field(default_factory=dict)
    program: Program | None = None


@dataclass
class AccountRun:
    """One reaction of the engine to one event on one customer account."""

    customer: Customer
    version: PlaybookVersion
    book: Playbook
    event: AccountEvent
    _calendar: BusinessCalendar | None = field(default=None, repr=False)

    @property
    def program(self) -> Program | None:
        return self.event.program

    @property
    def at(self) -> dt.datetime:
        return self.event.at

    @cached_property
    def organization(self) -> Any:
        return self.customer.organization

    @property
    def calendar(self) -> BusinessCalendar:
        if self._calendar is None:
            self._calendar = BusinessCalendar.for_organization(self.organization)
        return self._calendar

    @property
    def language(self) -> str:
        return str(self.organization.locale)

    def text(self, value: Text | None) -> str:
        return value.get(self.language) if value is not None else ""

    def actor(self, rule: str) -> Actor:
        return Actor.engine(self.organization, rule=f"{self.version.label}: {rule}")

    def decide(
        self,
        *,
        rule: str,
        kind: str,
        data: dict[str, Any],
        case: Case | None = None,
        task_id: int | None = None,
    ) -> AccountDecision:
        """Records what a rule did for the account."""
        decision: AccountDecision = AccountDecision.objects.create(
            organization=self.organization,
            customer=self.customer,
            program=self.program,
            version=self.version,
            rule=rule,
            trigger=self.event.trigger,
            kind=kind,
            case=case,
            task_id=task_id,
            data=data,
            at=self.at,
        )
        return decision


def active_version(customer: Customer) -> PlaybookVersion | None:
    version_id = customer.organization.active_playbook_id
    if version_id is None:
        return None
    return PlaybookVersion.objects.filter(pk=version_id).first()


def on_account_event(event: AccountEvent, *, version: PlaybookVersion | None = None) -> None:
    """Runs the account rules of ``version`` (the organization's active one by default)
    whose trigger is the event's; a signal first reaches the customer's open cases."""
    if event.trigger == "signal.received":
        _signal_open_cases(event)
    version = version or active_version(event.customer)
    if version is None:
        return
    book = playbook_of(version)
    rules = [
        r
        for r in book.rules
        if r.when == event.trigger and book.is_account_rule(r) and triggers.matches(r, event)
    ]
    if not rules:
        return
    run = AccountRun(customer=event.customer, version=version, book=book, event=event)
    with engine.deeper() as allowed, translation.override(run.language):
        if not allowed:
            return
        for rule in rules:
            if rule.if_ is not None and not conditions.holds(rule.if_, run):
                continue
            run_account_actions(run, rule)


def run_account_actions(run: AccountRun, rule: Rule) -> None:
    from ladder.playbooks.steps import ACCOUNT_STEPS

    for action in rule.do:
        ACCOUNT_STEPS[action.kind](run, action.argument, rule.name)


def _signal_open_cases(event: AccountEvent) -> None:
    """The signal goes on the timeline of each open case of the customer, and their
    rules hear it as ``case.signal``."""
    cases = (
        Case.objects.select_for_update(of=("self",))
        .select_related("organization", "customer")
        .filter(customer_id=event.customer.pk, status__in=list(OPEN))
        .order_by("pk")
    )
    actor = Actor.engine(event.customer.organization, rule="signal")
    for case in cases:
        record(case=case, actor=actor, kind="signal.received", at=event.at, data=event.data)
        engine.on_case_event(
            CaseEvent(case=case, trigger="case.signal", actor=actor, at=event.at, data=event.data)
        )
