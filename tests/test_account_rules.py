"""Account rules: playbook rules about a customer rather than a case — a signal, a
health band, a program's daily watch — opening proactive cases, making tasks and
telling people, each recorded as an account decision and never repeated while its case
or task is open."""

from __future__ import annotations

import datetime as dt
import textwrap
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from ladder.cases import actions as case_actions
from ladder.cases.models import Case, Task, TimelineEvent
from ladder.customers.models import Customer
from ladder.deadlines.actions import fire_due_deadlines
from ladder.money import make_money
from ladder.playbooks import validation
from ladder.playbooks.accounts import AccountEvent, on_account_event
from ladder.playbooks.models import AccountDecision
from ladder.tenancy.actors import Actor
from tests.conftest import Org, new_case
from tests.playbook_setup import install_playbook

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)

BOOK = """
playbook: accounts
title: {en: Account watch, zh-hans: 客户关注}
languages: [en, zh-hans]
tiers:
  - {level: 1, name: {en: Agent, zh-hans: 客服}, role: agent}
  - {level: 2, name: {en: Manager, zh-hans: 经理}, role: manager}
schedules:
  - {name: program_watch, every: day, at: "08:00", for: programs}
rules:
  - name: past_due_opens_a_case
    when: signal.received
    with: {signal: past_due}
    if: {field: customer.mrr, op: gte, value: 1000}
    do:
      - open_case:
          kind: escalation
          subject: {en: Account past due, zh-hans: 账户逾期}
          severity: high
  - name: red_account_opens_a_case
    when: health.changed
    with: {band: red}
    do:
      - open_case:
          kind: escalation
          subject: {en: Health turned red, zh-hans: 健康分变红}
      - notify:
          to: [{role: manager}]
          text: {en: An account turned red, zh-hans: 有客户变红}
  - name: upset_raises_the_case
    when: case.signal
    with: {signal: upset}
    do:
      - set_severity: critical
  - name: unused_hours_outreach
    when: schedule
    with: {schedule: program_watch}
    if: {field: program.unused, op: gte, value: 10}
    do:
      - create_task:
          title: {en: Call the family about unused hours, zh-hans: 联系家长安排未用课时}
          due_in: 8h
  - name: refund_after_six_lessons
    when: case.created
    with: {kind: refund}
    if: {field: customer.sessions_delivered, op: gt, value: 6}
    do:
      - set_severity: high
  - name: resolved_cases_get_a_follow_up
    when: case.status_changed
    with: {to: resolved}
    if: {field: case.category, op: eq, value: needs_follow_up}
    do:
      - open_case:
          kind: complaint
          subject: {en: Check the family is happy, zh-hans: 回访家长}
"""


def _install(o: Org) -> None:
    install_playbook(o.org, BOOK)
    Customer.objects.filter(pk=o.customer.pk).update(
        owner=o.manager, mrr=make_money("1500.00", "CNY", "mrr")
    )
    o.customer.refresh_from_db()


def _signal(o: Org, kind: str, at: dt.datetime = MONDAY_10) -> None:
    with transaction.atomic():
        customer = Customer.objects.select_related("organization").get(pk=o.customer.pk)
        on_account_event(
            AccountEvent(customer=customer, trigger="signal.received", at=at, data={"signal": kind})
        )


def test_a_signal_opens_one_proactive_case_for_the_owner(acme: Org) -> None:
    """MT1: a past-due account gets a case before the customer asks to cancel, owned by
    the customer's owner (CSM); a second signal while it is open adds no second case;
    once it is closed, the next signal opens a new one."""
    _install(acme)
    _signal(acme, "past_due")
    case = Case.objects.get(customer=acme.customer)
    assert (case.kind, case.channel, case.severity, case.owner) == (
        "escalation",
        "signal",
        "high",
        acme.manager,
    )
    created = TimelineEvent.objects.get(case=case, kind="case.created")
    assert created.actor_rule == "accounts v1: past_due_opens_a_case"
    assert created.data["trigger"] == "signal.received"
    assert created.data["signal"] == "past_due"
    decision = AccountDecision.objects.get(customer=acme.customer)
    assert (decision.rule, decision.kind, decision.case) == (
        "past_due_opens_a_case",
        "case.opened",
        case,
    )

    _signal(acme, "past_due")
    assert Case.objects.filter(customer=acme.customer).count() == 1

    Case.objects.filter(pk=case.pk).update(status="closed")
    _signal(acme, "past_due")
    assert Case.objects.filter(customer=acme.customer).count() == 2


def test_conditions_on_the_customer_hold_back_a_signal(acme: Org) -> None:
    """MT1: the rule's condition reads the customer (MRR below the line: no case), and
    a signal no rule names does nothing."""
    _install(acme)
    Customer.objects.filter(pk=acme.customer.pk).update(mrr=make_money("10.00", "CNY", "mrr"))
    _signal(acme, "past_due")
    _signal(acme, "engagement_drop")
    assert not Case.objects.filter(customer=acme.customer).exists()
    assert not AccountDecision.objects.exists()


def test_a_signal_reaches_the_customers_open_cases(acme: Org) -> None:
    """MT1: a signal about a customer with an open case goes on that case's timeline and
    its rules hear it as case.signal (the upset customer's case turns critical)."""
    _install(acme)
    case = new_case(acme)
    _signal(acme, "upset")
    case.refresh_from_db()
    assert case.severity == "critical"
    assert TimelineEvent.objects.filter(case=case, kind="signal.received").exists()


def test_a_health_band_opens_a_case_and_tells_the_manager(acme: Org) -> None:
    """MT1: an account whose health turns red gets a proactive case; amber does not
    match the rule's band."""
    _install(acme)
    customer = Customer.objects.select_related("organization").get(pk=acme.customer.pk)
    for band in ("amber", "red"):
        with transaction.atomic():
            on_account_event(
                AccountEvent(
                    customer=customer,
                    trigger="health.changed",
                    at=MONDAY_10,
                    data={"score": 30, "from_band": "green", "to_band": band},
                )
            )
    case = Case.objects.get(customer=acme.customer)
    assert case.subject == "Health turned red"
    kinds = list(AccountDecision.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["case.opened", "notified"]


def test_a_program_watch_makes_one_task_until_it_is_done(acme: Org) -> None:
    """TD3: unused purchased hours are followed up: the daily watch of programs (a
    schedule for programs, fired by the deadline sweep) makes one task for the owner,
    not one every morning; once it is done, the next morning makes a new one."""
    with time_machine.travel(MONDAY_10, tick=False):
        _install(acme)
    acme.customer.programs.create(name="Maths", unit="hours", purchased=40, delivered=5)
    # A program whose hours are used is not followed up.
    acme.customer.programs.create(name="Art", unit="hours", purchased=10, delivered=9)
    tuesday = dt.datetime(2026, 3, 3, 8, 0, 1, tzinfo=SHANGHAI)
    with time_machine.travel(tuesday, tick=False):
        fire_due_deadlines(now=tuesday)
    task = Task.objects.get(case=None)
    assert (task.title, task.assignee) == (
        f"{acme.customer.name}, Maths: Call the family about unused hours",
        acme.manager,
    )
    decision = AccountDecision.objects.get(kind="task.created")
    assert decision.program is not None
    assert decision.program.name == "Maths"

    wednesday = tuesday + dt.timedelta(days=1)
    with time_machine.travel(wednesday, tick=False):
        fire_due_deadlines(now=wednesday)
    assert Task.objects.filter(case=None).count() == 1

    case_actions.complete_task(
        actor=acme.actor(acme.manager), task_id=task.pk, expected_version=task.version
    )
    thursday = wednesday + dt.timedelta(days=1)
    with time_machine.travel(thursday, tick=False):
        fire_due_deadlines(now=thursday)
    assert Task.objects.filter(case=None).count() == 2


def test_sessions_delivered_reads_the_customers_programs(acme: Org) -> None:
    """ED5: a refund requested after the first 6 delivered lessons is told apart by a
    condition on customer.sessions_delivered."""
    _install(acme)
    assert new_case(acme, kind="refund").severity == "medium"
    acme.customer.programs.create(name="English", purchased=48, delivered=7)
    assert new_case(acme, kind="refund").severity == "high"


def test_a_case_rule_opens_a_follow_up_for_the_same_customer(acme: Org) -> None:
    """TD3: a case rule opens a follow-up case for the same customer, owned by the
    customer's owner, and the first case's timeline names it."""
    _install(acme)
    case = new_case(acme, category="needs_follow_up", owner_id=acme.agent.pk)
    actor = Actor.for_staff(acme.manager)
    case = case_actions.update_case(
        actor=actor,
        case_id=case.pk,
        expected_version=case.version,
        changes={"root_cause": "Tutor changed", "resolution": "New tutor matched"},
    )
    for status in ("in_progress", "resolved"):
        case = case_actions.transition_case(
            actor=actor, case_id=case.pk, to=status, expected_version=case.version
        )
    follow_up = Case.objects.exclude(pk=case.pk).get(customer=acme.customer)
    assert (follow_up.subject, follow_up.owner) == ("Check the family is happy", acme.manager)
    opened = TimelineEvent.objects.get(case=case, kind="engine.case_opened")
    assert opened.data["reference"] == follow_up.reference
    assert TimelineEvent.objects.get(case=follow_up, kind="case.created").data["follows"] == (
        case.reference
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            """
  - name: bad
    when: signal.received
    do: [{set_severity: high}]
""",
            "set_severity needs a case",
        ),
        (
            """
  - name: bad
    when: health.changed
    if: {field: case.tier, op: eq, value: 1}
    do: [{notify: {to: [{role: manager}], text: x}}]
""",
            "has no case to read case.tier",
        ),
        (
            """
  - name: bad
    when: signal.received
    if: {field: program.unused, op: gt, value: 1}
    do: [{notify: {to: [{role: manager}], text: x}}]
""",
            "program.unused is read only in the rules of a schedule for programs",
        ),
        (
            """
  - name: bad
    when: schedule
    do: [{notify: {to: [{role: manager}], text: x}}]
""",
            "a schedule rule names its schedule",
        ),
        (
            """
  - name: bad
    when: schedule
    with: {schedule: program_watch}
    if: {field: program.pace, op: gt, value: 1}
    do: [{notify: {to: [{role: manager}], text: x}}]
""",
            "unknown program field",
        ),
        (
            """
  - name: bad
    when: health.changed
    with: {band: purple}
    do: [{notify: {to: [{role: manager}], text: x}}]
""",
            "purple",
        ),
    ],
)
def test_validation_keeps_account_rules_on_accounts(acme: Org, rule: str, message: str) -> None:
    """MT1, TD3: a rule about an account cannot take a case step or read a case, program
    fields are read where there is a program, and the band is one of green/amber/red."""
    source = textwrap.dedent(BOOK).split("rules:\n")[0] + "rules:" + rule
    report = validation.check(source, filename="accounts.yaml", organization=acme.org)
    assert not report.ok
    assert any(message in str(problem) for problem in report.problems), report.problems
