"""``open_case``: a new case for the customer. From an account rule it is the
proactive case (MT1: before the customer asks to cancel), opened once while it stays
open; from a case rule it is a follow-up for the same customer (TD3: a detractor's
survey answer), linked to the case it came from."""

from __future__ import annotations

from ladder.cases.actions import open_case_within, record
from ladder.cases.models import Case, Channel
from ladder.cases.states import OPEN
from ladder.playbooks import targets
from ladder.playbooks.accounts import AccountRun
from ladder.playbooks.engine import Run
from ladder.playbooks.format import OpenCase
from ladder.playbooks.models import AccountDecision
from ladder.playbooks.steps import account_step, step
from ladder.tenancy.models import Availability, Staff


@step("open_case")
def open_follow_up(run: Run, spec: OpenCase, rule: str) -> None:
    owner = targets.choose_owner(spec.assignee, run.case, strategy="least_loaded")
    follow_up = open_case_within(
        actor=run.actor(rule),
        customer=run.customer,
        at=run.at,
        kind=spec.kind,
        channel=Channel.SIGNAL,
        subject=run.text(spec.subject),
        description=run.text(spec.description),
        category=spec.category,
        severity=spec.severity,
        owner=owner,
        event={"follows": run.case.reference},
    )
    record(
        case=run.case,
        actor=run.actor(rule),
        kind="engine.case_opened",
        at=run.at,
        data={"reference": follow_up.reference, "kind": spec.kind},
    )


@account_step("open_case")
def open_proactive(run: AccountRun, spec: OpenCase, rule: str) -> None:
    still_open = AccountDecision.objects.filter(
        customer=run.customer, rule=rule, case__status__in=list(OPEN)
    ).exists()
    if still_open:
        return
    people = targets.staff_for_account(spec.assignee, run.customer, run.program)
    owner = _available_first(people)
    case: Case = open_case_within(
        actor=run.actor(rule),
        customer=run.customer,
        at=run.at,
        kind=spec.kind,
        channel=Channel.SIGNAL,
        subject=run.text(spec.subject),
        description=run.text(spec.description),
        category=spec.category,
        severity=spec.severity,
        owner=owner,
        event={"trigger": run.event.trigger, **_event_words(run)},
    )
    run.decide(
        rule=rule,
        kind="case.opened",
        case=case,
        data={"reference": case.reference, "kind": spec.kind, **_event_words(run)},
    )


def _available_first(people: list[Staff]) -> Staff | None:
    available = [p for p in people if p.availability == Availability.AVAILABLE]
    chosen = available or people
    return chosen[0] if chosen else None


def _event_words(run: AccountRun) -> dict[str, str]:
    """What caused the rule, for the timeline and the account's decisions."""
    words = {k: str(v) for k, v in run.event.data.items() if k in {"signal", "band", "schedule"}}
    if run.program is not None:
        words["program"] = run.program.name
    return words
