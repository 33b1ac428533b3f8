"""The case page: the header, the timeline and the actions the state machine and the
user's roles allow; every action refused on the server too, and its errors shown next
to the field."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from ladder.cases import actions
from ladder.cases.configure import load_default_phrases, set_reply_guard
from ladder.cases.models import Case, Interaction, TimelineEvent
from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Role, Staff
from tests.conftest import Org, new_case

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def client_for(staff: Staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def html(staff: Staff, case: Case) -> str:
    r = client_for(staff).get(f"/cases/{case.pk}/")
    assert r.status_code == 200
    return str(r.content.decode())


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def events(case: Case) -> list[str]:
    return list(TimelineEvent.objects.filter(case=case).values_list("kind", flat=True))


def field_error(page: str, form_id: str, field: str) -> str:
    """The error list Django puts beside a field, and proof the field points at it."""
    control = re.search(rf'<[^>]+id="{form_id}-{field}"[^>]*>', page)
    assert control, f"{form_id}-{field} not on the page"
    assert 'aria-invalid="true"' in control.group(0)
    assert f'aria-describedby="{form_id}-{field}_error"' in control.group(0)
    errors = re.search(rf'<ul class="errorlist" id="{form_id}-{field}_error">(.*?)</ul>', page)
    assert errors, f"no error beside {form_id}-{field}"
    return errors.group(1)


def in_progress(o: Org, **kwargs: Any) -> Case:
    case = new_case(o, **kwargs)
    return actions.transition_case(
        actor=o.actor(o.manager), case_id=case.pk, expected_version=case.version, to="in_progress"
    )


# --- the header ----------------------------------------------------------------------


def test_header_names_customer_money_tier_owner_team_and_status_in_words(acme: Org) -> None:
    """The header: the customer (linked), money at stake, the tier by its name on the
    organization's ladder, owner, team and the status as text (IN1)."""
    case = new_case(
        acme,
        money_at_stake=Money("1250.00", "USD"),
        owner_id=acme.agent.pk,
        team_id=acme.team.pk,
    )
    page = html(acme.agent, case)
    assert f'<a href="/customers/{acme.customer.pk}/">Customer of acme</a>' in page
    assert "1,250.00 USD" in page
    assert "1. Front line" in page
    assert acme.agent.display_name in page
    assert "Front desk" in page
    assert '<span class="status status-new">New</span>' in page


def test_another_organizations_case_is_not_found(acme: Org, other: Org) -> None:
    """Tenancy: another organization's case id answers 404 on the page and on every
    action, exactly like an id that does not exist, and changes nothing."""
    theirs = new_case(other)
    client = client_for(acme.manager)
    assert client.get(f"/cases/{theirs.pk}/").status_code == 404
    assert client.get("/cases/999999/").status_code == 404
    assert client.get("/cases/99999999999999999999/").status_code == 404
    posts = {
        "log": {"kind": "call", "direction": "outbound", "body": "hi"},
        "transition": {"version": 1, "to": "in_progress"},
        "assign": {"version": 1, "owner": acme.manager.pk},
        "escalate": {"version": 1, "details": "d", "source_of_dispute": "s", "to_tier": 2},
        "edit": {"version": 1, "section": "resolution", "root_cause": "x", "resolution": "y"},
    }
    for action, data in posts.items():
        r = client.post(f"/cases/{theirs.pk}/{action}/", data)
        assert r.status_code == 404, action
    assert events(theirs) == ["case.created"]
    assert fresh(theirs).version == 1


def test_user_text_is_escaped_everywhere_on_the_page(acme: Org) -> None:
    """Security: <script> written into the subject, description, customer name, notes,
    handoff summary, root cause and resolution is shown as text, never run."""
    from ladder.customers.actions import create_customer

    customer = create_customer(actor=acme.actor(), name=XSS)
    case = new_case(
        acme,
        customer_id=customer.pk,
        subject=XSS,
        description=XSS,
        category=XSS,
        request_type=XSS,
    )
    actions.log_interaction(actor=acme.actor(), case_id=case.pk, kind="note", body=XSS)
    case = actions.update_case(
        actor=acme.actor(),
        case_id=case.pk,
        expected_version=case.version,
        changes={"root_cause": XSS, "resolution": XSS, "outcome": XSS},
    )
    actions.escalate_case(
        actor=acme.actor(),
        case_id=case.pk,
        expected_version=case.version,
        details=XSS,
        source_of_dispute=XSS,
    )
    page = html(acme.manager, case)
    assert XSS not in page
    # subject (title, h1), description, category, request type, customer name, note,
    # root cause, resolution, outcome, details, source: each at least once.
    assert page.count(ESCAPED) >= 11


# --- the timeline --------------------------------------------------------------------


def test_escalation_with_its_handoff_summary_is_on_the_timeline(acme: Org) -> None:
    """IN1: the agent escalates from the page with the details and the source of the
    dispute; the timeline shows both, who escalated and when, in the org's zone."""
    case = in_progress(acme)
    client = client_for(acme.agent)
    r = client.post(
        f"/cases/{case.pk}/escalate/",
        {
            "version": case.version,
            "details": "Customer refuses the tutor swap offered twice.",
            "source_of_dispute": "Promised weekend sessions that the centre never offered.",
            "to_tier": 2,
            "owner": acme.manager.pk,
        },
    )
    assert r.status_code == 302
    assert r["Location"] == f"/cases/{case.pk}/"
    after = fresh(case)
    assert (after.tier, after.owner_id) == (2, acme.manager.pk)
    page = client.get(r["Location"]).content.decode()
    timeline = page[page.index('id="timeline"') : page.index('id="actions"')]
    assert "Escalated from tier 1 to tier 2: Manager" in timeline
    assert "Handoff summary" in timeline
    assert "Customer refuses the tutor swap offered twice." in timeline
    assert "Promised weekend sessions that the centre never offered." in timeline
    assert acme.agent.display_name in timeline
    event = TimelineEvent.objects.filter(case=case, kind="case.escalated").get()
    # Asia/Shanghai is UTC+8: the timeline speaks the organization's time.
    assert event.created_at.astimezone(acme.org.zone).isoformat()[:16] in timeline
    assert "2. Manager" in page  # the header's tier, by name


def test_escalation_offers_only_higher_tiers_and_staff_holding_their_roles(
    acme: Org,
) -> None:
    """IN1: the target tier and the new owner are limited to the rungs above and to
    the staff holding each rung's role; the summary is required (next to the field)."""
    case = in_progress(acme)
    client = client_for(acme.agent)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    tiers = re.search(r'<select name="to_tier".*?</select>', page, re.DOTALL)
    assert tiers
    assert "2. Manager" in tiers.group(0)
    assert "3. Executive" in tiers.group(0)
    assert "1. Front line" not in tiers.group(0)
    owners = re.search(r'<select name="owner" id="escalate-owner">.*?</select>', page, re.DOTALL)
    assert owners
    assert acme.manager.display_name in owners.group(0)
    assert acme.executive.display_name in owners.group(0)
    assert acme.accountant.display_name not in owners.group(0)
    assert acme.agent.display_name not in owners.group(0)

    r = client.post(
        f"/cases/{case.pk}/escalate/",
        {"version": case.version, "details": "", "source_of_dispute": "", "to_tier": 2},
    )
    assert r.status_code == 422
    body = r.content.decode()
    assert "is required" in field_error(body, "escalate", "details")
    assert "is required" in field_error(body, "escalate", "source_of_dispute")

    r = client.post(
        f"/cases/{case.pk}/escalate/",
        {
            "version": case.version,
            "details": "d",
            "source_of_dispute": "s",
            "to_tier": 2,
            "owner": acme.accountant.pk,
        },
    )
    assert r.status_code == 422
    assert "does not hold the role manager that works tier 2" in field_error(
        r.content.decode(), "escalate", "owner"
    )
    assert fresh(case).tier == 1


def test_timeline_shows_interactions_field_changes_assignments_and_moves(acme: Org) -> None:
    """Who did what and when: interactions with their text, field changes from what to
    what, assignments and status moves, in the order they happened (MT7)."""
    case = new_case(acme)
    lead = acme.actor(acme.manager)
    case = actions.update_case(
        actor=lead, case_id=case.pk, expected_version=1, changes={"severity": "high"}
    )
    case = actions.assign_case(
        actor=lead,
        case_id=case.pk,
        expected_version=case.version,
        owner_id=acme.agent.pk,
        team_id=None,
    )
    case = actions.transition_case(
        actor=lead, case_id=case.pk, expected_version=case.version, to="in_progress"
    )
    actions.log_interaction(
        actor=acme.actor(), case_id=case.pk, kind="call", body="Apologised for the no-show."
    )
    page = html(acme.agent, case)
    timeline = page[page.index('id="timeline"') : page.index('id="actions"')]
    order = [
        "Opened the case (Phone)",
        "Changed Severity",
        "Changed the owner",
        "Changed the status",
        "Apologised for the no-show.",
    ]
    positions = [timeline.index(text) for text in order]
    assert positions == sorted(positions)
    assert re.search(r'class="old">Medium</span>.*?class="new">High</span>', timeline, re.DOTALL)
    assert re.search(r'class="old">New</span>.*?class="new">In progress</span>', timeline, re.S)


def test_page_costs_the_same_queries_for_3_or_60_timeline_events(acme: Org) -> None:
    """Fast: the case page's query count does not grow with the timeline (≤ 20)."""
    short = new_case(acme)
    actions.log_interaction(actor=acme.actor(), case_id=short.pk, kind="call", body="one")
    actions.log_interaction(actor=acme.actor(), case_id=short.pk, kind="note", body="two")
    long = new_case(acme)
    for i in range(30):
        actions.log_interaction(actor=acme.actor(), case_id=long.pk, kind="call", body=f"{i}")
        actions.log_interaction(
            actor=acme.actor(),
            case_id=long.pk,
            kind="contact_attempt",
            outcome="no_answer",
        )
    assert len(events(short)) == 3
    assert len(events(long)) == 61
    client = client_for(acme.manager)

    def count(case: Case) -> int:
        client.get(f"/cases/{case.pk}/")  # warm the session and caches
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(f"/cases/{case.pk}/")
        assert r.status_code == 200
        return len(ctx.captured_queries)

    assert count(short) == count(long)
    assert count(long) <= 20


# --- logging contacts ----------------------------------------------------------------


def test_contact_attempts_carry_their_outcome(acme: Org) -> None:
    """MT6: an unresponsive account is contacted day after day; each contact attempt is
    logged with how it ended, and an attempt without an outcome is refused beside the
    field, as is an outcome on something that is not an attempt."""
    case = in_progress(acme)
    client = client_for(acme.agent)
    r = client.post(
        f"/cases/{case.pk}/log/",
        {"kind": "contact_attempt", "direction": "outbound", "outcome": "no_answer"},
    )
    assert r.status_code == 302
    r = client.post(
        f"/cases/{case.pk}/log/",
        {
            "kind": "contact_attempt",
            "direction": "outbound",
            "outcome": "voicemail",
            "body": "Left a message",
            "occurred_at": "2026-01-05T09:30",
        },
    )
    assert r.status_code == 302
    attempts = list(Interaction.objects.filter(case=case).order_by("id"))
    assert [a.outcome for a in attempts] == ["no_answer", "voicemail"]
    # The time typed is the organization's (Asia/Shanghai, UTC+8).
    assert attempts[1].occurred_at.isoformat() == "2026-01-05T01:30:00+00:00"
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "No answer" in page
    assert "Voicemail" in page

    r = client.post(f"/cases/{case.pk}/log/", {"kind": "contact_attempt", "direction": "outbound"})
    assert r.status_code == 422
    assert "a contact attempt needs one of reached" in field_error(
        r.content.decode(), "log", "outcome"
    )
    r = client.post(
        f"/cases/{case.pk}/log/", {"kind": "call", "direction": "outbound", "outcome": "reached"}
    )
    assert r.status_code == 422
    assert "only a contact attempt has an outcome" in field_error(
        r.content.decode(), "log", "outcome"
    )
    assert Interaction.objects.filter(case=case).count() == 2


def test_a_note_needs_text_and_is_internal(acme: Org) -> None:
    """A note is an internal interaction; an empty one is refused beside the field."""
    case = new_case(acme)
    client = client_for(acme.agent)
    r = client.post(f"/cases/{case.pk}/log/", {"kind": "note", "body": "  "})
    assert r.status_code == 422
    assert "a note needs text" in field_error(r.content.decode(), "note", "body")
    r = client.post(f"/cases/{case.pk}/log/", {"kind": "note", "body": "Parent prefers calls"})
    assert r.status_code == 302
    note = Interaction.objects.get(case=case)
    assert (note.kind, note.direction, note.body) == ("note", "internal", "Parent prefers calls")


# --- the reply guard -----------------------------------------------------------------


@pytest.fixture
def guarded(acme: Org) -> Org:
    load_default_phrases(organization=acme.org, language="en")
    load_default_phrases(organization=acme.org, language="zh-hans")
    return acme


def test_reply_guard_checks_replies_as_the_agent_types(guarded: Org) -> None:
    """ED7: the e-mail and resolution textareas send their text to the reply guard as
    the agent types (htmx, into a polite live region); the answer names each phrase
    and its suggestion, in English and in Chinese. A call's notes are not a reply."""
    case = new_case(guarded)
    client = client_for(guarded.agent)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    body = re.search(r'<textarea name="body"[^>]*id="log-body"[^>]*>', page)
    assert body
    assert 'hx-post="/cases/reply-guard/?field=body"' in body.group(0)
    assert 'hx-trigger="input changed delay:400ms"' in body.group(0)
    assert 'hx-target="#log-body-guard"' in body.group(0)
    assert '<div id="log-body-guard" class="guard" aria-live="polite"></div>' in page
    resolution = re.search(r'<textarea name="resolution"[^>]*>', page)
    assert resolution
    assert 'hx-post="/cases/reply-guard/?field=resolution"' in resolution.group(0)
    assert 'aria-live="polite"' in page[page.index('id="resolution-resolution-guard"') - 20 :]

    r = client.post(
        "/cases/reply-guard/?field=body",
        {"kind": "email", "direction": "outbound", "body": "Sorry, nothing can be done."},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200
    hit = r.content.decode()
    assert "nothing can be done" in hit
    assert "Let me see what we can do for you." in hit
    assert "<html" not in hit  # a fragment for the live region

    r = client.post("/cases/reply-guard/?field=resolution", {"resolution": "你去找消协吧"})
    assert "这件事由我们负责处理" in r.content.decode()

    r = client.post(
        "/cases/reply-guard/?field=body",
        {"kind": "call", "direction": "outbound", "body": "She said nothing can be done."},
    )
    assert "nothing can be done" not in r.content.decode()
    r = client.post("/cases/reply-guard/?field=body", {"body": "Thanks for waiting."})
    assert r.content.decode().strip() == ""


def test_reply_guard_in_warn_mode_saves_the_email_and_warns(guarded: Org) -> None:
    """ED7: in warn mode the e-mail is saved, the page says which phrase to avoid and
    what to say instead, and the timeline keeps the warning."""
    case = new_case(guarded)
    client = client_for(guarded.agent)
    r = client.post(
        f"/cases/{case.pk}/log/",
        {"kind": "email", "direction": "outbound", "body": "Nothing can be done, sorry."},
        follow=True,
    )
    assert r.status_code == 200
    page = r.content.decode()
    assert "nothing can be done" in page
    assert "Let me see what we can do for you." in page
    assert "Reply guard warning, saved anyway" in page
    assert Interaction.objects.filter(case=case, kind="email").count() == 1


def test_reply_guard_in_block_mode_refuses_beside_the_field(guarded: Org) -> None:
    """ED7: where the organization blocks, the e-mail and the resolution are not saved
    and the refusal, with the suggestion, is next to the textarea."""
    set_reply_guard(actor=guarded.actor(guarded.admin), mode="block")
    case = in_progress(guarded)
    client = client_for(guarded.manager)
    r = client.post(
        f"/cases/{case.pk}/log/",
        {"kind": "chat", "direction": "outbound", "body": "家长您好，你去找消协吧。"},
    )
    assert r.status_code == 422
    error = field_error(r.content.decode(), "log", "body")
    assert "你去找消协吧" in error
    assert "这件事由我们负责处理" in error
    assert Interaction.objects.filter(case=case).count() == 0

    r = client.post(
        f"/cases/{case.pk}/edit/",
        {
            "version": case.version,
            "section": "resolution",
            "root_cause": "Tutor double-booked",
            "resolution": "You are partly to blame for the missed lessons.",
        },
    )
    assert r.status_code == 422
    assert "you are partly to blame" in field_error(r.content.decode(), "resolution", "resolution")
    assert fresh(case).resolution == ""


# --- root cause, resolution, status --------------------------------------------------


def test_resolving_needs_root_cause_and_resolution_shown_beside_them(acme: Org) -> None:
    """TD1: the root cause is identified before a resolution is agreed: resolving a case
    without them is refused, and the page says so next to both fields. Once recorded
    from the page, the case resolves."""
    case = in_progress(acme)
    client = client_for(acme.manager)
    r = client.post(f"/cases/{case.pk}/transition/", {"version": case.version, "to": "resolved"})
    assert r.status_code == 422
    page = r.content.decode()
    assert "must be recorded before the case is resolved" in field_error(
        page, "resolution", "root_cause"
    )
    assert "must be recorded before the case is resolved" in field_error(
        page, "resolution", "resolution"
    )
    assert fresh(case).status == "in_progress"

    r = client.post(
        f"/cases/{case.pk}/edit/",
        {
            "version": case.version,
            "section": "resolution",
            "root_cause": "The tutor was double-booked by the scheduler.",
            "resolution": "Two make-up sessions with the same tutor this week.",
            "outcome": "",
        },
    )
    assert r.status_code == 302
    case = fresh(case)
    assert case.root_cause.startswith("The tutor was double-booked")
    r = client.post(f"/cases/{case.pk}/transition/", {"version": case.version, "to": "resolved"})
    assert r.status_code == 302
    assert fresh(case).status == "resolved"


def test_only_the_moves_allowed_now_are_offered(acme: Org) -> None:
    """The state machine: a new case offers start work and resolve; a resolved case
    offers close and reopen only to those with the close permission — an agent sees
    neither, and a hand-made POST to close is refused (403) and changes nothing."""
    case = new_case(acme)
    page = html(acme.agent, case)
    moves = re.findall(r'<button type="submit" name="to" value="(\w+)"', page)
    assert moves == ["in_progress", "resolved"]

    case = actions.update_case(
        actor=acme.actor(),
        case_id=case.pk,
        expected_version=case.version,
        changes={"root_cause": "r", "resolution": "s"},
    )
    case = actions.transition_case(
        actor=acme.actor(), case_id=case.pk, expected_version=case.version, to="resolved"
    )
    assert re.findall(r'name="to" value="(\w+)"', html(acme.agent, case)) == []
    moves = re.findall(r'name="to" value="(\w+)"', html(acme.manager, case))
    assert moves == ["in_progress", "closed"]
    assert ">Reopen</button>" in html(acme.manager, case)

    r = client_for(acme.agent).post(
        f"/cases/{case.pk}/transition/", {"version": case.version, "to": "closed"}
    )
    assert r.status_code == 403
    assert fresh(case).status == "resolved"


def test_a_move_the_machine_does_not_allow_is_explained(acme: Org) -> None:
    """A hand-made POST of a move not allowed from the current status is refused with
    a message on the page (409) and changes nothing."""
    case = new_case(acme)
    r = client_for(acme.manager).post(
        f"/cases/{case.pk}/transition/", {"version": case.version, "to": "awaiting_customer"}
    )
    assert r.status_code == 409
    assert "a case that is new cannot move to awaiting_customer" in r.content.decode()
    assert fresh(case).status == "new"


def test_a_stale_form_says_the_case_changed_and_shows_it_as_it_is(acme: Org) -> None:
    """Forms carry the version they were read at: a submit based on an older version
    is refused with "changed since you opened it", the page shows the case as it is
    now, keeps what was typed, and nothing is saved."""
    case = in_progress(acme)
    client = client_for(acme.manager)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    version = re.search(r'name="version" value="(\d+)" id="resolution-version"', page)
    assert version
    # Meanwhile a colleague edits the case.
    actions.update_case(
        actor=acme.actor(),
        case_id=case.pk,
        expected_version=case.version,
        changes={"subject": "Tutor missed two sessions"},
    )
    r = client.post(
        f"/cases/{case.pk}/edit/",
        {
            "version": version.group(1),
            "section": "resolution",
            "root_cause": "Scheduler error",
            "resolution": "Make-up sessions",
        },
    )
    assert r.status_code == 409
    body = r.content.decode()
    assert "changed since you opened it" in body
    assert "Tutor missed two sessions" in body  # the case as it is now
    assert "Scheduler error" in body  # what was typed
    current = fresh(case)
    assert re.search(rf'name="version" value="{current.version}" id="resolution-version"', body)
    assert current.root_cause == ""


# --- who may do what -----------------------------------------------------------------


def test_an_accountant_sees_no_assign_or_escalate_and_a_post_is_refused(acme: Org) -> None:
    """Permissions: accounting may log contacts but neither assign, escalate nor edit;
    those forms are not shown, and hand-made POSTs get 403 and change nothing."""
    case = in_progress(acme)
    page = html(acme.accountant, case)
    assert "/log/" in page
    for action in ("escalate", "assign", "transition", "edit"):
        assert f"/cases/{case.pk}/{action}/" not in page, action
    before = (fresh(case).version, events(case))
    client = client_for(acme.accountant)
    r = client.post(
        f"/cases/{case.pk}/escalate/",
        {"version": case.version, "details": "d", "source_of_dispute": "s", "to_tier": 2},
    )
    assert r.status_code == 403
    r = client.post(f"/cases/{case.pk}/assign/", {"version": case.version, "owner": acme.agent.pk})
    assert r.status_code == 403
    r = client.post(
        f"/cases/{case.pk}/edit/",
        {"version": case.version, "section": "resolution", "root_cause": "x", "resolution": "y"},
    )
    assert r.status_code == 403
    assert (fresh(case).version, events(case)) == before


def test_an_agent_takes_a_case_nobody_owns_but_cannot_give_it_away(acme: Org) -> None:
    """Without the assign permission an agent may take a case nobody owns (the page
    offers it) and nothing more: giving it to someone else is refused (403)."""
    case = new_case(acme, team_id=acme.team.pk)
    page = html(acme.agent, case)
    assert "Take it: I own this case" in page
    assert 'id="assign-owner"' not in page
    client = client_for(acme.agent)
    r = client.post(
        f"/cases/{case.pk}/assign/",
        {"version": case.version, "owner": acme.manager.pk, "team": acme.team.pk},
    )
    assert r.status_code == 403
    assert fresh(case).owner_id is None
    r = client.post(
        f"/cases/{case.pk}/assign/",
        {"version": case.version, "owner": acme.agent.pk, "team": acme.team.pk},
    )
    assert r.status_code == 302
    assert (fresh(case).owner_id, fresh(case).team_id) == (acme.agent.pk, acme.team.pk)
    assert "Take it: I own this case" not in html(acme.agent, case)


def test_the_executive_at_the_top_is_offered_no_escalation(acme: Org) -> None:
    """IN1: the top of the ladder has nowhere to escalate to: no form is shown."""
    case = new_case(acme)
    page = html(acme.executive, case)
    assert f"/cases/{case.pk}/escalate/" not in page
    exec2 = tenancy_actions.add_staff(
        organization=acme.org,
        username="exec2@acme",
        display_name="Second exec",
        roles=[Role.EXECUTIVE, Role.MANAGER],
        password="pw-for-tests-only",
    )
    case = actions.escalate_case(
        actor=Actor.for_staff(acme.manager),
        case_id=case.pk,
        expected_version=case.version,
        details="d",
        source_of_dispute="s",
        to_tier=3,
    )
    assert f"/cases/{case.pk}/escalate/" not in html(exec2, case)
