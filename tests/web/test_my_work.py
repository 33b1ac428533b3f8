"""My work: my tasks and open cases, most urgent first with due times in the
organization's zone; the escalations handed to me; my teams' cases nobody owns."""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ladder.cases import actions
from ladder.cases.models import Case
from ladder.customers import actions as customer_actions
from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Role, Staff
from tests.conftest import Org, new_case

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def page(staff: Staff) -> str:
    client = Client()
    client.force_login(staff.user)
    r = client.get("/work/")
    assert r.status_code == 200
    return str(r.content.decode())


def section(html: str, name: str) -> str:
    """The HTML of one of My work's sections: escalations, tasks, cases, unowned."""
    match = re.search(
        rf'<section aria-labelledby="{name}-heading".*?</section>', html, flags=re.DOTALL
    )
    assert match, name
    return match.group(0)


def refs(html: str) -> list[str]:
    return re.findall(r'<a href="/cases/\d+/">([A-Z]+-\d+)</a>', html)


def managers_case(o: Org, **kwargs: object) -> Case:
    """A case the manager opens, so it may name any owner."""
    values: dict[str, object] = {
        "customer_id": o.customer.pk,
        "kind": "complaint",
        "channel": "phone",
        "subject": "Tutor did not show up",
        **kwargs,
    }
    return actions.create_case(actor=Actor.for_staff(o.manager), **values)  # type: ignore[arg-type]


def task(o: Org, case: Case | None, due: dt.datetime, title: str = "Call back") -> None:
    actions.create_task(
        actor=o.actor(),
        title=title,
        assignee_id=o.agent.pk,
        due_at=due,
        case_id=case.pk if case else None,
    )


def escalate(o: Org, case: Case, owner: Staff | None, details: str = "Refuses the answer") -> Case:
    return actions.escalate_case(
        actor=o.actor(),
        case_id=case.pk,
        expected_version=case.version,
        details=details,
        source_of_dispute="Refund policy",
        owner_id=owner.pk if owner else None,
    )


def test_my_work_needs_a_sign_in(acme: Org) -> None:
    r = Client().get("/work/")
    assert r.status_code == 302
    assert r["Location"].startswith("/login/")


def test_tasks_and_cases_come_most_urgent_first_in_the_organizations_zone(acme: Org) -> None:
    """My tasks by due time; my cases by their earliest open task, else their last
    update; times shown in the organization's zone (Asia/Shanghai, UTC+8)."""
    soon = timezone.now() + dt.timedelta(days=1)
    later = timezone.now() + dt.timedelta(days=3)
    no_task = new_case(acme, owner_id=acme.agent.pk, subject="No task yet")
    due_later = new_case(acme, owner_id=acme.agent.pk, subject="Due later")
    due_soon = new_case(acme, owner_id=acme.agent.pk, subject="Due soon")
    task(acme, due_later, later, "Send the contract")
    task(acme, due_soon, soon, "Call the family")
    fixed = dt.datetime(2031, 5, 6, 1, 30, tzinfo=dt.UTC)
    task(acme, None, fixed, "Weekly meeting action")

    html = page(acme.agent)
    tasks = section(html, "tasks")
    assert tasks.index("Call the family") < tasks.index("Send the contract")
    assert tasks.index("Send the contract") < tasks.index("Weekly meeting action")
    assert "2031-05-06 09:30" in tasks  # 01:30 UTC is 09:30 in Shanghai
    # A case without an open task was last updated before the others' tasks fall due.
    assert refs(section(html, "cases")) == [
        no_task.reference,
        due_soon.reference,
        due_later.reference,
    ]
    assert "Times are in Asia/Shanghai" in html
    assert "earliest open task" in html  # the page says what the order means


def test_overdue_work_is_marked_in_words_not_only_colour(acme: Org) -> None:
    late = new_case(acme, owner_id=acme.agent.pk, subject="Late")
    on_time = new_case(acme, owner_id=acme.agent.pk, subject="On time")
    task(acme, late, timezone.now() - dt.timedelta(hours=2), "Overdue call")
    task(acme, on_time, timezone.now() + dt.timedelta(hours=2), "Next call")

    html = page(acme.agent)
    rows = section(html, "tasks").split("<tr>")
    overdue_rows = [r for r in rows if "Overdue</span>" in r]
    assert len(overdue_rows) == 1
    assert "Overdue call" in overdue_rows[0]
    case_rows = [r for r in section(html, "cases").split("<tr>") if "Overdue</span>" in r]
    assert [refs(r) for r in case_rows] == [[late.reference]]


def test_an_escalation_handed_to_me_shows_with_its_handoff_summary(acme: Org) -> None:
    """IN1: the manager takes what the customer did not accept from level 1, with the
    written details and source of the dispute; MT4: the receiver sees it at once."""
    case = new_case(acme, owner_id=acme.agent.pk)
    escalate(acme, case, acme.manager, details="Customer refuses the credit offered")

    html = page(acme.manager)
    escalations = section(html, "escalations")
    assert refs(escalations) == [case.reference]
    assert "Customer refuses the credit offered" in escalations
    assert "Refund policy" in escalations
    assert acme.agent.display_name in escalations  # who handed it over
    assert refs(section(html, "cases")) == []
    # The agent no longer owns it.
    assert case.reference not in page(acme.agent)


def test_an_escalated_case_i_took_myself_is_my_case_not_a_handoff(acme: Org) -> None:
    """IN3: an escalation to the tier's queue (no named owner) waits there; once taken
    it is the taker's own case."""
    case = escalate(acme, new_case(acme, team_id=acme.team.pk), None)
    assert refs(section(page(acme.manager), "unowned")) == [case.reference]

    actions.assign_case(
        actor=Actor.for_staff(acme.manager),
        case_id=case.pk,
        expected_version=case.version,
        owner_id=acme.manager.pk,
        team_id=acme.team.pk,
    )
    html = page(acme.manager)
    assert refs(section(html, "escalations")) == []
    assert refs(section(html, "cases")) == [case.reference]


def test_a_case_i_created_for_an_escalation_i_received_is_my_work(acme: Org) -> None:
    """MT4: whoever receives an escalation creates the escalation case, finance too."""
    case = actions.create_case(
        actor=Actor.for_staff(acme.accountant),
        customer_id=acme.customer.pk,
        kind="escalation",
        channel="email",
        subject="Account past due, wants to downgrade",
        owner_id=acme.accountant.pk,
    )
    assert refs(section(page(acme.accountant), "cases")) == [case.reference]


def test_my_teams_unowned_cases_are_listed_and_no_others(acme: Org) -> None:
    billing = tenancy_actions.create_team(organization=acme.org, name="Billing")
    mine = new_case(acme, team_id=acme.team.pk, subject="Front desk, nobody")
    new_case(acme, team_id=billing.pk, subject="Billing, nobody")
    new_case(acme, subject="No team at all")
    managers_case(acme, team_id=acme.team.pk, owner_id=acme.manager.pk, subject="Owned")

    assert refs(section(page(acme.agent), "unowned")) == [mine.reference]


def test_finished_cases_and_done_tasks_leave_my_work(acme: Org) -> None:
    case = new_case(acme, owner_id=acme.agent.pk, subject="Solved on the phone")
    actions.create_task(
        actor=acme.actor(),
        title="Done already",
        assignee_id=acme.agent.pk,
        due_at=timezone.now(),
        case_id=case.pk,
    )
    t = case.tasks.get()
    actions.complete_task(actor=acme.actor(), task_id=t.pk, expected_version=t.version)
    case = actions.update_case(
        actor=acme.actor(),
        case_id=case.pk,
        expected_version=case.version,
        changes={"root_cause": "Tutor was ill", "resolution": "New tutor from Monday"},
    )
    actions.transition_case(
        actor=acme.actor(), case_id=case.pk, expected_version=case.version, to="resolved"
    )
    html = page(acme.agent)
    assert case.reference not in html
    assert "Done already" not in html


def test_another_organizations_work_never_shows(acme: Org, other: Org) -> None:
    """Tenancy: an agent of another organization sees none of ours."""
    ours = new_case(acme, owner_id=acme.agent.pk, team_id=acme.team.pk)
    new_case(acme, team_id=acme.team.pk)
    task(acme, ours, timezone.now(), "Our task")
    html = page(other.agent)
    assert "ACME-" not in html
    assert "Our task" not in html


def test_text_is_escaped_everywhere_on_my_work(acme: Org) -> None:
    """Auto-escaping: user text written as a script tag shows as text."""
    customer = customer_actions.create_customer(actor=acme.actor(), name=XSS)
    case = new_case(acme, customer_id=customer.pk, subject=XSS, owner_id=acme.agent.pk)
    task(acme, case, timezone.now(), XSS)
    handed = new_case(acme, customer_id=customer.pk, subject=XSS)
    escalate(acme, handed, acme.manager, details=XSS)
    agent_named_badly = tenancy_actions.add_staff(
        organization=acme.org,
        username="xss@acme",
        display_name=XSS,
        roles=[Role.AGENT],
        teams=[acme.team],
    )
    actions.escalate_case(
        actor=Actor.for_staff(agent_named_badly),
        case_id=new_case(acme).pk,
        expected_version=1,
        details="d",
        source_of_dispute=XSS,
        owner_id=acme.manager.pk,
    )
    new_case(acme, customer_id=customer.pk, subject=XSS, team_id=acme.team.pk)
    for staff in (acme.agent, acme.manager, agent_named_badly):
        html = page(staff)
        assert XSS not in html
        assert ESCAPED in html


def _fill(o: Org, n: int) -> None:
    """n of each: my cases with tasks, escalations handed to the manager, unowned."""
    now = timezone.now()
    for i in range(n):
        mine = managers_case(o, owner_id=o.manager.pk, team_id=o.team.pk, subject=f"Mine {i}")
        actions.create_task(
            actor=o.actor(),
            title=f"Task {i}",
            assignee_id=o.manager.pk,
            due_at=now + dt.timedelta(hours=i),
            case_id=mine.pk,
        )
        escalate(o, new_case(o, owner_id=o.agent.pk), o.manager)
        new_case(o, team_id=o.team.pk, subject=f"Nobody {i}")


def test_my_work_costs_the_same_queries_for_one_case_or_thirty(acme: Org) -> None:
    """Fast: a bounded number of queries whatever the size of the lists."""
    client = Client()
    client.force_login(acme.manager.user)
    _fill(acme, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/work/").status_code == 200
    _fill(acme, 29)
    with CaptureQueriesContext(connection) as thirty:
        html = client.get("/work/").content.decode()
    assert len(refs(section(html, "escalations"))) == 30
    assert len(refs(section(html, "unowned"))) == 30
    assert len(refs(section(html, "cases"))) == 30
    assert len(thirty) == len(one) <= 20, [q["sql"] for q in thirty.captured_queries]


def test_the_nav_shows_the_settings_pages_only_to_who_configures(acme: Org) -> None:
    """The churn codes and the save-offer catalog are the admin's pages (``configure``):
    the admin's nav links them, an agent's and a manager's do not (they would get 403);
    everybody's nav links the signals import and the health score's page (read)."""
    for staff, configures in ((acme.admin, True), (acme.agent, False), (acme.manager, False)):
        client = Client()
        client.force_login(staff.user)
        page = client.get("/work/").content.decode()
        nav = page[page.index("<nav") : page.index("</nav>")]
        assert ('href="/settings/churn-codes/"' in nav) is configures, staff
        assert ('href="/settings/offers/"' in nav) is configures, staff
        assert 'href="/signals/import/"' in nav
        assert 'href="/settings/health/"' in nav
