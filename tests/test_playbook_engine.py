"""The playbook engine through the case actions: rules on events, routing by category,
clocks in business time fired by the deadline sweep, duties, checklists, approvals,
live handoffs, requirements before a transition, and version pinning."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ladder.cases import actions as case_actions
from ladder.cases.models import Case, Task, TimelineEvent
from ladder.churn import actions as churn_actions
from ladder.customers import actions as customer_actions
from ladder.customers.actions import ProgramInput
from ladder.deadlines.actions import fire_due_deadlines
from ladder.delivery.models import Notification
from ladder.errors import Conflict, Forbidden, Invalid
from ladder.money import make_money
from ladder.playbooks import actions as playbook_actions
from ladder.playbooks.models import (
    Approval,
    ApprovalStatus,
    CaseState,
    Clock,
    Duty,
    DutyStatus,
    Handoff,
    HandoffStatus,
    PlaybookVersion,
    ReviewEntry,
)
from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Availability, Role, Skill, Staff
from tests.conftest import Org, new_case

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday, 10:00 in Shanghai: the desk is open 09:00-17:00 on weekdays.
MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)

BOOK = """
playbook: acme
title: {en: Acme desk, zh-hans: Acme 服务台}
languages: [en, zh-hans]
tiers:
  - {level: 1, name: {en: Agent, zh-hans: 客服}, role: agent}
  - {level: 2, name: {en: Manager, zh-hans: 经理}, role: manager}
  - {level: 3, name: {en: Executive, zh-hans: 总裁}, role: executive}
categories:
  - key: teaching
    label: {en: Teaching, zh-hans: 教学}
    route: {role: executive}
    inform: [{role: manager}]
    gather:
      - {key: teacher, label: {en: Teacher, zh-hans: 老师}}
    script: {en: Thank you for telling us., zh-hans: 感谢您告诉我们。}
  - key: leaving
    label: {en: Leaving, zh-hans: 离开}
    gather:
      - {key: churn_code, label: {en: Churn code, zh-hans: 流失原因}, required: false}
clocks:
  - name: meeting
    label: {en: Meeting within 24 hours, zh-hans: 24小时内会面}
    measure: business
    target: 8h
    warn_before: [2h]
duties:
  - name: contact_days
    label: {en: Contact on 3 consecutive days, zh-hans: 连续3天联系}
    kind: consecutive_days
    days: 3
    evidence: {interaction: contact_attempt}
    before: [resolved]
checklists:
  - name: key_actions
    label: {en: Key actions, zh-hans: 关键行动}
    items:
      - {key: acknowledge, label: {en: Acknowledge, zh-hans: 安抚}}
      - {key: agree, label: {en: Agree the plan, zh-hans: 达成一致}}
approvals:
  - name: offer
    label: {en: Resolution offer, zh-hans: 解决方案}
    approver: accounting
    second_approver: executive
    second_above: 500
    on_denied:
      - assign: {owner: true}
      - notify: {to: [{owner: true}], text: {en: The offer was denied., zh-hans: 方案被拒绝。}}
handoffs:
  - name: live
    label: {en: Live handoff, zh-hans: 现场转接}
    steps:
      - {skill: Tier 2, timeout: 30s}
      - {skill: Resolution Lead, timeout: 30s}
    fallback:
      - create_task: {title: {en: Call back, zh-hans: 回电}, due_in: 2h, assignee: {role: manager}}
rules:
  - name: new_complaints_to_an_agent
    when: case.created
    with: {kind: complaint}
    if: {field: case.has_owner, op: eq, value: false}
    do:
      - assign: {role: agent}
  - name: escalation_request_starts_the_meeting_clock
    when: case.escalation_requested
    do:
      - start_clock: meeting
      - start_duty: contact_days
  - name: breach_goes_up
    when: clock.breached
    with: {clock: meeting}
    do:
      - escalate: {details: {en: The meeting was not held in time., zh-hans: 未按时会面。}}
  - name: offers_need_accounting
    when: case.field_changed
    with: {field: money_at_stake}
    do:
      - request_approval: {approval: offer}
  - name: rejected_goes_to_the_team_lead
    when: resolution.rejected
    do:
      - assign: {role: team_lead}
      - add_to_review_list: {list: weekly_finance, reason: {en: Rejected, zh-hans: 客户拒绝}}
  - name: churn_code_before_close
    when: case.created
    with: {kind: cancellation}
    do:
      - require_fields:
          fields: [answers.churn_code]
          before: [closed]
          message: {en: Record the churn code before closing., zh-hans: 关闭前请记录流失原因。}
  - name: new_cases_are_high
    when: case.created
    do:
      - set_severity: high
"""


def install(o: Org, source: str = BOOK) -> PlaybookVersion:
    actor = Actor.engine(o.org, rule="tests")
    version = playbook_actions.load_playbook(
        actor=actor, organization=o.org, source=textwrap.dedent(source), filename="acme.yaml"
    )
    return playbook_actions.activate_playbook(
        actor=actor, organization=o.org, number=version.number
    )


def kinds(case: Case) -> list[str]:
    return list(
        TimelineEvent.objects.filter(case=case).order_by("id").values_list("kind", flat=True)
    )


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def book(acme: Org) -> PlaybookVersion:
    _skills(acme)
    return install(acme)


def test_a_new_case_runs_under_the_active_version_and_its_rules_record_themselves(
    acme: Org, book: PlaybookVersion
) -> None:
    """A rule on case.created assigns the complaint to an available agent; the timeline
    names the version and the rule (MT4, TD1)."""
    case = new_case(acme)
    state = CaseState.objects.get(case=case)
    assert state.version == book
    assert fresh(case).owner == acme.agent
    assert fresh(case).playbook_version == book.label
    assigned = TimelineEvent.objects.get(case=case, kind="case.assigned")
    assert assigned.actor_rule == f"{book.label}: new_complaints_to_an_agent"


def test_a_case_keeps_its_version_when_a_new_one_is_activated(
    acme: Org, book: PlaybookVersion
) -> None:
    """Cases run under the version they started with; a new version applies to new cases."""
    old_case = new_case(acme)
    newer = install(acme, BOOK.replace("title: {en: Acme desk", "title: {en: Acme desk two"))
    assert newer.number == book.number + 1
    new = new_case(acme)
    assert CaseState.objects.get(case=old_case).version == book
    assert CaseState.objects.get(case=new).version == newer


def test_nobody_available_leaves_the_case_unowned_and_says_so(
    acme: Org, book: PlaybookVersion
) -> None:
    """Assignment takes availability from the staff's status."""
    tenancy_actions.set_availability(staff=acme.agent, availability=Availability.AWAY)
    case = new_case(acme)
    assert fresh(case).owner is None
    assert "engine.nobody_available" in kinds(case)


def test_a_category_routes_and_informs(acme: Org, book: PlaybookVersion) -> None:
    """ED8: a teaching complaint goes to its role and the principal (here the manager)
    is informed."""
    case = new_case(acme, category="teaching", owner_id=None)
    case = fresh(case)
    # The rule on case.created found an owner first only if it ran first: routing by
    # category comes before the rules, so the category's role owns the case.
    assert case.owner == acme.executive
    assert Notification.objects.filter(staff=acme.manager, case=case).exists()
    assert "engine.informed" in kinds(case)


def test_answers_are_checked_against_the_category(acme: Org, book: PlaybookVersion) -> None:
    """EB4: the category names the information to gather; nothing else is accepted."""
    case = new_case(acme, category="teaching")
    with pytest.raises(Invalid) as refused:
        playbook_actions.answer_questions(
            actor=acme.actor(), case_id=case.pk, answers={"colour": "red"}
        )
    assert refused.value.errors[0].field == "answers.colour"
    state = playbook_actions.answer_questions(
        actor=acme.actor(), case_id=case.pk, answers={"teacher": "Ms Wang"}
    )
    assert state.answers == {"teacher": "Ms Wang"}


def test_a_business_clock_warns_and_breaches_and_the_breach_escalates(
    acme: Org, book: PlaybookVersion
) -> None:
    """MT6: an explicit escalation starts a meeting clock counted in business hours; the
    worker's deadline sweep warns, then breaches it, and the rule escalates (IN1)."""
    with time_machine.travel(MONDAY_10, tick=False):
        case = new_case(acme)
        case_actions.request_escalation(
            actor=acme.actor(), case_id=case.pk, reason="wants a manager"
        )
    clock = Clock.objects.get(case=case, name="meeting")
    # 8 business hours from Monday 10:00 is Tuesday 10:00 (the desk closes 17:00-09:00).
    assert clock.due_at == dt.datetime(2026, 3, 3, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(dt.datetime(2026, 3, 3, 8, 5, tzinfo=SHANGHAI), tick=False):
        assert fire_due_deadlines() >= 1
    clock.refresh_from_db()
    assert clock.warned == ["2h"]
    assert clock.breached_at is None
    with time_machine.travel(dt.datetime(2026, 3, 3, 10, 0, 1, tzinfo=SHANGHAI), tick=False):
        fire_due_deadlines()
        fire_due_deadlines()  # nothing left to fire twice
    clock.refresh_from_db()
    assert clock.breached_at is not None
    case = fresh(case)
    assert case.tier == 2
    assert case.owner == acme.manager
    history = kinds(case)
    assert history.count("clock.breached") == 1
    assert (
        history.index("clock.warned")
        < history.index("clock.breached")
        < history.index("case.escalated")
    )


def test_waiting_on_the_customer_pauses_the_clock(acme: Org, book: PlaybookVersion) -> None:
    """A clock is paused while the case waits on the customer and resumes after."""
    with time_machine.travel(MONDAY_10, tick=False):
        case = new_case(acme)
        case_actions.request_escalation(actor=acme.actor(), case_id=case.pk, reason="explicit")
        case = case_actions.transition_case(
            actor=acme.actor(),
            case_id=case.pk,
            expected_version=fresh(case).version,
            to="in_progress",
        )
    with time_machine.travel(MONDAY_10 + dt.timedelta(hours=2), tick=False):
        case_actions.transition_case(
            actor=acme.actor(),
            case_id=case.pk,
            expected_version=case.version,
            to="awaiting_customer",
        )
    assert Clock.objects.get(case=case).status == "paused"
    # A paused clock does not breach, even long after its old deadline.
    with time_machine.travel(MONDAY_10 + dt.timedelta(days=3), tick=False):
        fire_due_deadlines()
        case_actions.transition_case(
            actor=acme.actor(),
            case_id=case.pk,
            expected_version=fresh(case).version,
            to="in_progress",
        )
    clock = Clock.objects.get(case=case)
    assert clock.status == "running"
    assert clock.breached_at is None
    assert clock.used_seconds == 2 * 3600
    # Thursday 10:00 + the 6 business hours left = Thursday 16:00.
    assert clock.due_at == dt.datetime(2026, 3, 5, 16, 0, tzinfo=SHANGHAI)


def test_consecutive_contact_days_must_be_done_before_resolving(
    acme: Org, book: PlaybookVersion
) -> None:
    """MT6: an unresponsive account is contacted on N consecutive business days before a
    resolution is decided; a missed day starts the count again."""
    with time_machine.travel(MONDAY_10, tick=False):
        case = new_case(acme)
        case_actions.request_escalation(actor=acme.actor(), case_id=case.pk, reason="explicit")
        case = case_actions.update_case(
            actor=acme.actor(),
            case_id=case.pk,
            expected_version=fresh(case).version,
            changes={"root_cause": "billing error", "resolution": "refund"},
        )
        case = case_actions.transition_case(
            actor=acme.actor(), case_id=case.pk, expected_version=case.version, to="in_progress"
        )

    def attempt(day: dt.datetime) -> None:
        with time_machine.travel(day, tick=False):
            case_actions.log_interaction(
                actor=acme.actor(), case_id=case.pk, kind="contact_attempt", outcome="no_answer"
            )

    attempt(MONDAY_10)
    attempt(MONDAY_10 + dt.timedelta(days=1))
    # Wednesday passes without contact: the sweep marks the duty overdue, streak back to 0.
    with time_machine.travel(dt.datetime(2026, 3, 4, 17, 0, 1, tzinfo=SHANGHAI), tick=False):
        fire_due_deadlines()
    duty = Duty.objects.get(case=case)
    assert duty.streak == 0
    assert duty.missed == 1
    assert "duty.overdue" in kinds(case)
    thursday = dt.datetime(2026, 3, 5, 11, 0, tzinfo=SHANGHAI)
    with time_machine.travel(thursday, tick=False), pytest.raises(Invalid) as refused:
        case_actions.transition_case(
            actor=acme.actor(),
            case_id=case.pk,
            expected_version=fresh(case).version,
            to="resolved",
        )
    assert "duties.contact_days" in {e.field for e in refused.value.errors}
    for day in (5, 6, 9):  # Thursday, Friday, Monday: consecutive business days
        attempt(dt.datetime(2026, 3, day, 11, 0, tzinfo=SHANGHAI))
    assert Duty.objects.get(case=case).status == DutyStatus.DONE


def test_the_checklist_must_be_ticked_before_resolving(acme: Org, book: PlaybookVersion) -> None:
    """ED6: the key actions of complaint handling are done before the case resolves."""
    case = new_case(acme)
    case = case_actions.update_case(
        actor=acme.actor(),
        case_id=case.pk,
        expected_version=fresh(case).version,
        changes={"root_cause": "late tutor", "resolution": "new tutor"},
    )
    case = case_actions.transition_case(
        actor=acme.actor(), case_id=case.pk, expected_version=case.version, to="in_progress"
    )
    with pytest.raises(Invalid) as refused:
        case_actions.transition_case(
            actor=acme.actor(), case_id=case.pk, expected_version=case.version, to="resolved"
        )
    assert refused.value.errors[0].field == "checklist.key_actions"
    assert "Acknowledge" in refused.value.errors[0].message
    for item in ("acknowledge", "agree"):
        playbook_actions.tick_checklist_item(
            actor=acme.actor(), case_id=case.pk, checklist="key_actions", item=item, done=True
        )
    resolved = case_actions.transition_case(
        actor=acme.actor(), case_id=case.pk, expected_version=case.version, to="resolved"
    )
    assert resolved.status == "resolved"
    assert kinds(case).count("checklist.ticked") == 2


def test_a_rule_requires_a_field_before_closing_in_its_own_words(
    acme: Org, book: PlaybookVersion
) -> None:
    """MT2: a cancellation is not closed without its churn code; the refusal quotes the
    rule's message."""
    case = new_case(acme, kind="cancellation", category="leaving")
    case = case_actions.update_case(
        actor=acme.actor(),
        case_id=case.pk,
        expected_version=fresh(case).version,
        changes={"root_cause": "moving abroad", "resolution": "cancelled"},
    )
    for item in ("acknowledge", "agree"):
        playbook_actions.tick_checklist_item(
            actor=acme.actor(), case_id=case.pk, checklist="key_actions", item=item, done=True
        )
    case = case_actions.transition_case(
        actor=acme.actor(), case_id=case.pk, expected_version=case.version, to="resolved"
    )
    # The churn app's own gate (docs/churn-codes.md) is met, so only the rule speaks.
    churn_actions.set_case_churn_codes(
        actor=acme.actor(),
        case_id=case.pk,
        category="customer_change",
        reason="personal",
        secondary=["relocation"],
    )
    with pytest.raises(Invalid) as refused:
        case_actions.transition_case(
            actor=acme.actor(acme.manager),
            case_id=case.pk,
            expected_version=case.version,
            to="closed",
        )
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("answers.churn_code", "Record the churn code before closing.")
    ]


def test_accounting_denies_then_a_large_offer_needs_a_second_approver(
    acme: Org, book: PlaybookVersion
) -> None:
    """MT5: accounting approves or denies the resolution offer; a denial goes back to the
    owner with its reason; above the limit the executive decides after accounting (ED5)."""
    case = new_case(acme)
    case = case_actions.update_case(
        actor=acme.actor(),
        case_id=case.pk,
        expected_version=fresh(case).version,
        changes={"money_at_stake": make_money("200.00", "USD", "money_at_stake")},
    )
    approval = Approval.objects.get(case=case)
    assert fresh(case).status == "awaiting_approval"
    with pytest.raises(Forbidden):
        playbook_actions.decide_approval(
            actor=acme.actor(acme.agent), approval_id=approval.pk, approve=True
        )
    with pytest.raises(Invalid):
        playbook_actions.decide_approval(
            actor=acme.actor(acme.accountant), approval_id=approval.pk, approve=False
        )
    denied = playbook_actions.decide_approval(
        actor=acme.actor(acme.accountant),
        approval_id=approval.pk,
        approve=False,
        reason="too generous",
    )
    assert denied.status == ApprovalStatus.DENIED
    assert Notification.objects.filter(
        staff=acme.agent, case=case, text__contains="denied"
    ).exists()
    with pytest.raises(Conflict):
        playbook_actions.decide_approval(
            actor=acme.actor(acme.accountant), approval_id=approval.pk, approve=True
        )

    case_actions.update_case(
        actor=acme.actor(),
        case_id=case.pk,
        expected_version=fresh(case).version,
        changes={"money_at_stake": make_money("900.00", "USD", "money_at_stake")},
    )
    big = Approval.objects.get(case=case, status=ApprovalStatus.PENDING)
    first = playbook_actions.decide_approval(
        actor=acme.actor(acme.accountant), approval_id=big.pk, approve=True
    )
    assert first.status == ApprovalStatus.PENDING
    assert first.waiting_for == Role.EXECUTIVE
    with pytest.raises(Forbidden):
        playbook_actions.decide_approval(
            actor=acme.actor(acme.accountant), approval_id=big.pk, approve=True
        )
    final = playbook_actions.decide_approval(
        actor=acme.actor(acme.executive), approval_id=big.pk, approve=True
    )
    assert final.status == ApprovalStatus.APPROVED
    assert "approval.first_approved" in kinds(case)
    assert "approval.approved" in kinds(case)


def test_the_customer_rejecting_the_resolution_goes_to_the_team_lead_and_the_finance_review(
    acme: Org, book: PlaybookVersion
) -> None:
    """MT8: the team lead renegotiates and the case is reviewed at the weekly finance
    meeting."""
    case = new_case(acme)
    case_actions.reject_resolution(actor=acme.actor(), case_id=case.pk, reason="too little")
    assert fresh(case).owner == acme.manager  # the manager is also the team lead
    assert ReviewEntry.objects.filter(case=case, list="weekly_finance").count() == 1
    case_actions.reject_resolution(actor=acme.actor(), case_id=case.pk, reason="still too little")
    assert ReviewEntry.objects.filter(case=case, list="weekly_finance").count() == 1


def _skills(acme: Org) -> tuple[Staff, Staff]:
    """EB3's two skills: the manager works Tier 2, the executive is the Resolution Lead."""
    tier2, _ = Skill.objects.get_or_create(organization=acme.org, name="Tier 2")
    lead, _ = Skill.objects.get_or_create(organization=acme.org, name="Resolution Lead")
    tier2.members.add(acme.manager)
    lead.members.add(acme.executive)
    return acme.manager, acme.executive


def test_a_live_handoff_rings_the_next_skill_after_the_timeout_then_falls_back(
    acme: Org, book: PlaybookVersion
) -> None:
    """EB3: Tier 2 is alerted; nobody within 30 s → Resolution Lead; nobody there →
    the fallback, a call-back task."""
    tier2, lead = _skills(acme)
    with time_machine.travel(MONDAY_10, tick=False):
        case = new_case(acme)
        handoff = playbook_actions.request_handoff(
            actor=acme.actor(), case_id=case.pk, handoff="live"
        )
    assert Notification.objects.filter(staff=tier2, case=case).count() == 1
    with time_machine.travel(MONDAY_10 + dt.timedelta(seconds=31), tick=False):
        fire_due_deadlines()
    handoff.refresh_from_db()
    assert handoff.step == 1
    assert handoff.status == HandoffStatus.RINGING
    assert Notification.objects.filter(staff=lead, case=case).count() == 1
    with time_machine.travel(MONDAY_10 + dt.timedelta(seconds=62), tick=False):
        fire_due_deadlines()
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.FALLBACK
    assert Task.objects.filter(case=case, title="Call back", assignee=acme.manager).exists()
    with pytest.raises(Conflict):
        playbook_actions.accept_handoff(actor=acme.actor(lead), handoff_id=handoff.pk)


def test_the_first_member_to_accept_takes_the_case(acme: Org, book: PlaybookVersion) -> None:
    """EB3: the first to accept takes the case and the agent sees who; the second is
    told who was first; someone outside the skill cannot accept."""
    tier2, _lead = _skills(acme)
    case = new_case(acme)
    handoff = playbook_actions.request_handoff(actor=acme.actor(), case_id=case.pk, handoff="live")
    with pytest.raises(Forbidden):
        playbook_actions.accept_handoff(actor=acme.actor(acme.accountant), handoff_id=handoff.pk)
    accepted = playbook_actions.accept_handoff(actor=acme.actor(tier2), handoff_id=handoff.pk)
    assert accepted.status == HandoffStatus.ACCEPTED
    assert accepted.accepted_by == tier2
    assert fresh(case).owner == tier2
    with pytest.raises(Conflict) as late:
        playbook_actions.accept_handoff(actor=acme.actor(tier2), handoff_id=handoff.pk)
    assert str(tier2) in str(late.value)
    # The timeout after an acceptance changes nothing.
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=1), tick=False):
        fire_due_deadlines()
    assert Handoff.objects.get(pk=handoff.pk).status == HandoffStatus.ACCEPTED


LESSONS = """
playbook: school
title: School
tiers:
  - {level: 1, name: Class teacher, role: owner}
  - {level: 2, name: Academic director, role: academic_director}
clocks:
  - name: level_change
    label: Level change within 6 lessons
    measure: sessions
    target: 6
    warn_before: [2]
rules:
  - name: level_change_clock
    when: case.created
    with: {kind: level_change}
    do: [{start_clock: level_change}]
  - name: late_level_change
    when: clock.breached
    with: {clock: level_change}
    do: [{set_severity: critical}]
"""


def test_a_lesson_clock_counts_delivered_sessions(acme: Org) -> None:
    """ED4: a level change is decided within 6 lessons; the clock warns at 2 left and
    breaches at the sixth lesson delivered."""
    tenancy_actions.add_staff(
        organization=acme.org,
        username="director@acme",
        display_name="Academic director",
        roles=[Role.ACADEMIC_DIRECTOR],
    )
    install(acme, LESSONS)
    customer = customer_actions.create_customer(
        actor=acme.actor(),
        name="Li Lei",
        programs=[ProgramInput(name="B1 evening", purchased=Decimal(48), delivered=Decimal(10))],
    )
    program = customer.programs.get()
    case = new_case(acme, customer_id=customer.pk, kind="level_change")
    for delivered in (12, 14):
        playbook_actions.record_sessions(
            actor=acme.actor(), program_id=program.pk, delivered=Decimal(delivered)
        )
    clock = Clock.objects.get(case=case)
    assert clock.warned == ["2"]
    assert clock.breached_at is None
    playbook_actions.record_sessions(
        actor=acme.actor(), program_id=program.pk, delivered=Decimal(16)
    )
    clock.refresh_from_db()
    assert clock.breached_at is not None
    assert fresh(case).severity == "critical"
    assert kinds(case).count("clock.breached") == 1


LOOP = """
playbook: loop
title: Loop
tiers:
  - {level: 1, name: Agent, role: agent}
rules:
  - name: ping
    when: case.field_changed
    with: {field: severity}
    if: {field: case.severity, op: eq, value: high}
    do: [{set_severity: low}]
  - name: pong
    when: case.field_changed
    with: {field: severity}
    if: {field: case.severity, op: eq, value: low}
    do: [{set_severity: high}]
"""


def test_rules_that_trigger_each_other_stop_and_say_so(acme: Org) -> None:
    """A loop between rules ends at the engine's depth limit, on the timeline."""
    install(acme, LOOP)
    case = new_case(acme)
    case_actions.update_case(
        actor=acme.actor(),
        case_id=case.pk,
        expected_version=fresh(case).version,
        changes={"severity": "high"},
    )
    assert "engine.loop_stopped" in kinds(case)


WEEKLY = """
playbook: weekly
title: Weekly review
tiers:
  - {level: 1, name: Agent, role: agent}
schedules:
  - {name: morning, every: day, at: "09:00"}
  - {name: finance_review, every: week, at: "10:00", weekday: 4}
rules:
  - name: daily_look
    when: schedule
    with: {schedule: morning}
    do:
      - create_task: {title: Look at the case, due_in: 2h, assignee: {owner: true}}
  - name: friday_review
    when: schedule
    with: {schedule: finance_review}
    do:
      - add_to_review_list: {list: weekly_finance, reason: Open on Friday}
"""


def test_schedules_run_their_rules_for_every_open_case(acme: Org) -> None:
    """MT7/MT8: a rule on a timetable runs for each open case under its version, at the
    organization's local time, daily or weekly, and the next tick follows; a closed case
    is left alone."""
    with time_machine.travel(MONDAY_10, tick=False):
        install(acme, WEEKLY)
        open_case = new_case(acme, owner_id=acme.agent.pk)
        closed = new_case(acme, owner_id=acme.agent.pk)
        closed = case_actions.update_case(
            actor=acme.actor(),
            case_id=closed.pk,
            expected_version=closed.version,
            changes={"root_cause": "none", "resolution": "answered"},
        )
        case_actions.transition_case(
            actor=acme.actor(), case_id=closed.pk, expected_version=closed.version, to="resolved"
        )
    for day in (3, 4):  # Tuesday and Wednesday mornings, Shanghai time
        with time_machine.travel(dt.datetime(2026, 3, day, 9, 0, 1, tzinfo=SHANGHAI), tick=False):
            fire_due_deadlines()
    looks = Task.objects.filter(case=open_case, title="Look at the case")
    assert looks.count() == 2
    assert not Task.objects.filter(case=closed).exists()
    assert not ReviewEntry.objects.exists()
    with time_machine.travel(dt.datetime(2026, 3, 6, 10, 0, 1, tzinfo=SHANGHAI), tick=False):
        # Thursday's tick fires late and puts Friday's on the table, which the worker's
        # next sweep fires: a missed tick runs once, late, rather than never.
        fire_due_deadlines()
        fire_due_deadlines()
    assert ReviewEntry.objects.filter(case=open_case, list="weekly_finance").count() == 1
    assert Task.objects.filter(case=open_case, title="Look at the case").count() == 4


FEEDBACK = """
playbook: feedback
title: Course feedback
tiers:
  - {level: 1, name: Class teacher, role: agent}
duties:
  - name: feedback
    label: Course feedback twice per 4 lessons
    kind: per_sessions
    times: 2
    sessions: 4
    evidence: {interaction: meeting}
rules:
  - name: collect_feedback
    when: case.created
    do: [{start_duty: feedback}]
"""


def test_feedback_is_due_twice_per_block_of_lessons(acme: Org) -> None:
    """ED3: course feedback is collected at least twice per so many lessons; a block that
    ends with fewer is overdue, and the next block counts afresh."""
    install(acme, FEEDBACK)
    customer = customer_actions.create_customer(
        actor=acme.actor(),
        name="Han Meimei",
        programs=[ProgramInput(name="B2 weekend", purchased=Decimal(48), delivered=Decimal(10))],
    )
    program = customer.programs.get()
    case = new_case(acme, customer_id=customer.pk)

    def feedback() -> None:
        case_actions.log_interaction(actor=acme.actor(), case_id=case.pk, kind="meeting", body="ok")

    feedback()
    playbook_actions.record_sessions(
        actor=acme.actor(), program_id=program.pk, delivered=Decimal(14)
    )
    duty = Duty.objects.get(case=case)
    assert (duty.missed, duty.streak, duty.status) == (1, 0, DutyStatus.ACTIVE)
    assert kinds(case).count("duty.overdue") == 1
    feedback()
    feedback()
    assert Duty.objects.get(case=case).status == DutyStatus.DONE
