"""The case page's Playbook panel: clocks, duties, the checklist, the script and the
questions, approvals, the customer's escalation request and rejection, live handoffs
and their alerts, notifications. Every action goes through the use cases; every
refusal is shown next to the thing to do, in the rule's own words."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ladder.cases import actions as case_actions
from ladder.cases.models import Case, Task, TimelineEvent
from ladder.deadlines.actions import fire_due_deadlines
from ladder.delivery.models import Notification
from ladder.money import make_money
from ladder.playbooks import actions as playbook_actions
from ladder.playbooks.models import Approval, ApprovalStatus, CaseState, Handoff, HandoffStatus
from ladder.tenancy.models import Staff
from tests.conftest import Org, new_case
from tests.playbook_setup import install_playbook, skills


def client_for(staff: Staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def page_of(staff: Staff, case: Case) -> str:
    r = client_for(staff).get(f"/cases/{case.pk}/")
    assert r.status_code == 200
    return str(r.content.decode())


def panel(page: str) -> str:
    found = re.search(r'<section class="card playbook" id="playbook".*?</section>', page, re.S)
    assert found, "the Playbook panel is on the page"
    return found.group(0)


@pytest.fixture
def desk(acme: Org) -> Org:
    skills(acme.org, tier2=[acme.manager], lead=[acme.executive])
    install_playbook(acme.org)
    return acme


def with_offer(o: Org, amount: int = 300) -> Case:
    case = new_case(o, category="installer")
    case_actions.update_case(
        actor=o.actor(),
        case_id=case.pk,
        expected_version=Case.objects.get(pk=case.pk).version,
        changes={"money_at_stake": make_money(Decimal(amount), o.org.currency, "money")},
    )
    return case


def test_a_case_without_a_playbook_has_no_panel(acme: Org) -> None:
    """Organizations without a playbook see the case page as before."""
    case = new_case(acme)
    assert 'id="playbook"' not in page_of(acme.agent, case)


def test_the_panel_shows_the_script_the_questions_and_the_checklist(desk: Org) -> None:
    """EB4, EB5, ED6: the category's statement to read out, what to gather, and the five
    key actions with tick boxes that post through htmx."""
    case = new_case(desk, category="installer")
    shown = panel(page_of(desk.agent, case))
    assert "installer&#x27;s responsibility" in shown
    assert 'name="answers.installer_name"' in shown
    assert "Five key actions" in shown
    assert f'hx-post="/cases/{case.pk}/checklist/"' in shown
    assert "Warm transfer" in shown
    assert "Customer asks for escalation" in shown


def test_answers_are_saved_and_a_bad_one_is_refused_beside_its_question(desk: Org) -> None:
    """EB4: answers go through answer_questions; a refusal is shown at the question."""
    case = new_case(desk, category="cancellation", kind="cancellation")
    client = client_for(desk.agent)
    r = client.post(f"/cases/{case.pk}/answers/", {"answers.churn_code": "weather"})
    assert r.status_code == 422
    shown = panel(r.content.decode())
    assert re.search(r'id="answer-churn_code"[^>]*aria-invalid="true"', shown)
    assert "must be one of price" in shown
    r = client.post(f"/cases/{case.pk}/answers/", {"answers.churn_code": "price"})
    assert r.status_code == 302
    assert CaseState.objects.get(case=case).answers == {"churn_code": "price"}
    assert TimelineEvent.objects.filter(case=case, kind="case.answers_recorded").exists()


def test_a_required_answer_is_asked_for_in_the_rules_words_when_closing(desk: Org) -> None:
    """MT2: a rule requires the churn code before a cancellation is resolved or closed;
    resolving without it shows the rule's message next to the question, and the
    answer may be given though the case's category does not ask for it."""
    case = new_case(desk, kind="cancellation", category="installer")
    case_actions.update_case(
        actor=desk.actor(),
        case_id=case.pk,
        expected_version=Case.objects.get(pk=case.pk).version,
        changes={"root_cause": "price", "resolution": "discount"},
    )
    client = client_for(desk.manager)
    version = Case.objects.get(pk=case.pk).version
    r = client.post(f"/cases/{case.pk}/transition/", {"version": version, "to": "in_progress"})
    assert r.status_code == 302
    version = Case.objects.get(pk=case.pk).version
    r = client.post(f"/cases/{case.pk}/transition/", {"version": version, "to": "resolved"})
    assert r.status_code == 422
    page = r.content.decode()
    assert "The playbook asks for more before this move" in page
    shown = panel(page)
    question = re.search(
        r'<div class="field">\s*<label for="answer-churn_code".*?</div>', shown, re.S
    )
    assert question, "the churn code is asked for in the panel"
    assert "Record the churn code before closing." in question.group(0)
    assert 'role="alert"' in question.group(0)
    # Key actions and the contact duty are not required here: no duty was started, and
    # the checklist's refusal names the checklist.
    assert "Five key actions: still to do" in shown
    r = client.post(f"/cases/{case.pk}/answers/", {"answers.churn_code": "price"})
    assert r.status_code == 302
    assert Case.objects.get(pk=case.pk).status == "in_progress"


def test_ticking_the_checklist_through_htmx_returns_the_checklist(desk: Org) -> None:
    """ED6: one item at a time; htmx gets the checklist back, a plain post the page."""
    case = new_case(desk, category="installer")
    client = client_for(desk.agent)
    url = f"/cases/{case.pk}/checklist/"
    data = {"checklist": "key_actions", "item": "acknowledge", "done": "1"}
    r = client.post(url, data, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    body = r.content.decode()
    assert body.strip().startswith('<div class="checklist" id="checklist-key_actions">')
    assert re.search(r'id="tick-key_actions-acknowledge"[^>]*checked', body)
    assert CaseState.objects.get(case=case).checklist["key_actions"]["acknowledge"]
    r = client.post(url, {**data, "done": "0"})
    assert r.status_code == 302
    assert "acknowledge" not in CaseState.objects.get(case=case).checklist["key_actions"]
    r = client.post(url, {**data, "item": "dance"})
    assert r.status_code == 422
    assert "is not an item of this checklist" in panel(r.content.decode())


def test_the_customers_escalation_request_starts_the_clock_and_needs_a_reason(
    desk: Org,
) -> None:
    """MT1, MT6: the request is recorded with its reason; the rule starts the meeting
    clock and the contact duty, shown with their due times; the timeline names the
    rule that decided."""
    case = new_case(desk, category="installer")
    client = client_for(desk.agent)
    r = client.post(f"/cases/{case.pk}/request-escalation/", {"reason": "  "})
    assert r.status_code == 422
    assert re.search(r'id="escalation-reason"[^>]*aria-invalid="true"', r.content.decode())
    r = client.post(f"/cases/{case.pk}/request-escalation/", {"reason": "wants the boss"})
    assert r.status_code == 302
    page = page_of(desk.agent, case)
    shown = panel(page)
    clock = re.search(r'<li class="clock clock-running"[^>]*>', shown)
    assert clock, "the meeting clock runs"
    assert "data-due=" in clock.group(0)
    assert "data-warn=" in clock.group(0)
    assert "Meeting within 24 hours" in shown
    assert "Contact on 2 consecutive days" in shown
    assert "0 of 2" in shown
    assert "The customer asks for an escalation: wants the boss" in page
    assert "Started the clock “Meeting within 24 hours”" in page
    assert "escalation_request_starts_the_meeting_clock" in page


def test_a_warned_and_a_breached_clock_say_so_in_words(desk: Org) -> None:
    """Colour is never the only signal: the state is written out."""
    case = new_case(desk, category="installer")
    case_actions.request_escalation(actor=desk.actor(), case_id=case.pk, reason="boss")
    clock = case.clocks.get()
    clock.warned = ["2h"]
    clock.save()
    shown = panel(page_of(desk.agent, case))
    assert 'class="clock clock-running clock-warned"' in shown
    assert "Running out" in shown
    clock.breached_at = timezone.now()
    clock.save()
    shown = panel(page_of(desk.agent, case))
    assert 'class="clock clock-running clock-breached"' in shown
    assert "Breached" in shown


def test_the_customer_rejecting_the_resolution_goes_to_the_timeline(desk: Org) -> None:
    """MT8: recorded with its reason; a missing reason is refused next to the field."""
    case = new_case(desk, category="installer")
    client = client_for(desk.agent)
    r = client.post(f"/cases/{case.pk}/reject-resolution/", {"reason": ""})
    assert r.status_code == 422
    assert re.search(r'id="rejection-reason"[^>]*aria-invalid="true"', r.content.decode())
    r = client.post(f"/cases/{case.pk}/reject-resolution/", {"reason": "too little"})
    assert r.status_code == 302
    assert "The customer rejects the resolution: too little" in page_of(desk.agent, case)


def test_only_the_awaited_role_sees_approve_and_deny_and_a_denial_needs_a_reason(
    desk: Org,
) -> None:
    """MT5: accounting approves or denies the offer; nobody else is offered the buttons
    (and the use case refuses them); a denial without a reason is refused beside it."""
    case = with_offer(desk)
    approval = Approval.objects.get(case=case)
    assert "Approve" not in panel(page_of(desk.agent, case)).split("Approvals waiting")[1]
    shown = panel(page_of(desk.accountant, case))
    assert "waiting for: Accounting / finance" in shown
    assert f'action="/cases/{case.pk}/approvals/{approval.pk}/decide/"' in shown
    url = f"/cases/{case.pk}/approvals/{approval.pk}/decide/"
    assert client_for(desk.agent).post(url, {"decision": "approve"}).status_code == 403
    client = client_for(desk.accountant)
    r = client.post(url, {"decision": "deny", "reason": ""})
    assert r.status_code == 422
    assert "a denial needs its reason" in panel(r.content.decode())
    r = client.post(url, {"decision": "deny", "reason": "over budget"})
    assert r.status_code == 302
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.DENIED
    assert "Denied offer: over budget" in page_of(desk.agent, case)


def test_a_large_offer_needs_the_second_approver_after_the_first(desk: Org) -> None:
    """MT5: above the limit the executive decides after accounting."""
    case = with_offer(desk, amount=9000)
    approval = Approval.objects.get(case=case)
    url = f"/cases/{case.pk}/approvals/{approval.pk}/decide/"
    r = client_for(desk.accountant).post(url, {"decision": "approve"})
    assert r.status_code == 302
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING
    assert "waiting for: Executive" in panel(page_of(desk.executive, case))
    assert client_for(desk.executive).post(url, {"decision": "approve"}).status_code == 302
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED


def test_a_live_handoff_alerts_the_skill_and_the_agent_sees_who_took_it(desk: Org) -> None:
    """EB3: the agent asks; the Tier 2 member's alerts show it with Accept; the first
    to accept takes the case; the agent's poll shows who; a loser is told who won."""
    desk.executive.skills.add(desk.manager.skills.get())  # a second Tier 2 member
    case = new_case(desk, category="installer")
    agent = client_for(desk.agent)
    r = agent.post(f"/cases/{case.pk}/handoffs/", {"handoff": "live"})
    assert r.status_code == 302
    handoff = Handoff.objects.get(case=case)
    state = agent.get(f"/cases/{case.pk}/handoff/").content.decode()
    assert 'hx-trigger="every 1s"' in state
    assert "ringing the Tier 2 skill" in state
    alerts = client_for(desk.manager).get("/alerts/").json()
    assert alerts["key"] == f"{handoff.pk}.0"
    assert f'action="/handoffs/{handoff.pk}/accept/"' in alerts["html"]
    assert alerts["unread"] >= 1
    assert client_for(desk.accountant).get("/alerts/").json()["key"] == ""
    r = client_for(desk.manager).post(f"/handoffs/{handoff.pk}/accept/")
    assert r.status_code == 302
    assert r["Location"] == f"/cases/{case.pk}/"
    assert Case.objects.get(pk=case.pk).owner == desk.manager
    loser = client_for(desk.executive)
    r = loser.post(f"/handoffs/{handoff.pk}/accept/", {"next": f"/cases/{case.pk}/"}, follow=True)
    assert str(desk.manager) in r.content.decode()
    state = agent.get(f"/cases/{case.pk}/handoff/").content.decode()
    assert "hx-trigger" not in state
    assert f"{desk.manager} accepted and took the case" in state


def test_with_nobody_accepting_the_agent_sees_the_fallback(desk: Org) -> None:
    """EB3: after both skills' timeouts the fallback's call-back task is shown."""
    case = new_case(desk, category="installer")
    playbook_actions.request_handoff(actor=desk.actor(), case_id=case.pk, handoff="live")
    start = Handoff.objects.get(case=case).requested_at
    for seconds in (31, 62):
        with time_machine.travel(start + dt.timedelta(seconds=seconds), tick=False):
            fire_due_deadlines()
    assert Handoff.objects.get(case=case).status == HandoffStatus.FALLBACK
    state = client_for(desk.agent).get(f"/cases/{case.pk}/handoff/").content.decode()
    assert "nobody accepted" in state
    assert "Call back as promised" in state
    assert Task.objects.filter(case=case, title="Call back as promised").exists()


def test_notifications_are_listed_and_marked_read(desk: Org, other: Org) -> None:
    """The bell counts unread notifications; reading one is the staff member's own."""
    case = with_offer(desk)
    client = client_for(desk.accountant)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert re.search(r'id="unread-count" data-unread>1<', page)
    listing = client.get("/notifications/").content.decode()
    assert "Approval needed" in listing
    note = Notification.objects.get(staff=desk.accountant)
    assert client_for(desk.agent).post(f"/notifications/{note.pk}/read/").status_code == 404
    assert client_for(other.admin).post(f"/notifications/{note.pk}/read/").status_code == 404
    assert client.post(f"/notifications/{note.pk}/read/").status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None
    assert client.get("/alerts/").json()["unread"] == 0


def test_another_organizations_case_and_handoff_are_not_found(desk: Org, other: Org) -> None:
    """Tenancy on every panel action: another organization's ids answer 404."""
    case = new_case(desk, category="installer")
    handoff = playbook_actions.request_handoff(actor=desk.actor(), case_id=case.pk, handoff="live")
    outsider = client_for(other.admin)
    assert outsider.post(f"/handoffs/{handoff.pk}/accept/").status_code == 404
    for path in ("answers", "checklist", "request-escalation", "reject-resolution", "handoffs"):
        assert outsider.post(f"/cases/{case.pk}/{path}/", {"reason": "x"}).status_code == 404
    assert outsider.get(f"/cases/{case.pk}/handoff/").status_code == 404


def test_the_case_page_and_the_alerts_cost_a_fixed_number_of_queries(desk: Org) -> None:
    """Query counts pinned: the panel's reads do not grow with clocks, duties,
    approvals or notifications."""
    case = with_offer(desk)
    case_actions.request_escalation(actor=desk.actor(), case_id=case.pk, reason="boss")
    playbook_actions.request_handoff(actor=desk.actor(), case_id=case.pk, handoff="live")
    client = client_for(desk.accountant)
    client.get(f"/cases/{case.pk}/")

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    page, alerts = count(f"/cases/{case.pk}/"), count("/alerts/")
    with_offer(desk)
    for _ in range(3):
        case_actions.request_escalation(actor=desk.actor(), case_id=case.pk, reason="again")
    assert count(f"/cases/{case.pk}/") == page
    assert count("/alerts/") == alerts
    assert alerts <= 6


def test_the_engines_timeline_entries_speak_the_readers_language(acme: Org) -> None:
    """The timeline stores the engine's label in English; the page names the engine in
    the reader's language, with the rule that acted (zh-hans: 自动执行)."""
    from tests.test_playbook_engine import _skills, install

    _skills(acme)
    book = install(acme)
    case = new_case(acme)
    assigned = TimelineEvent.objects.get(case=case, kind="case.assigned")
    rule = f"{book.label}: new_complaints_to_an_agent"
    assert (assigned.actor_staff_id, assigned.actor_rule) == (None, rule)
    assert f"engine ({rule})" in page_of(acme.agent, case)
    Staff.objects.filter(pk=acme.agent.pk).update(locale="zh-hans")
    chinese = page_of(Staff.objects.get(pk=acme.agent.pk), case)
    assert f"自动执行（{rule}）" in chinese
    assert f"engine ({rule})" not in chinese
