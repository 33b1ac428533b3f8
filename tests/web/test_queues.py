"""The queues: open cases per team and tier, filters that work with and without
JavaScript, keyset paging, bulk assign with per-case outcomes, and "take"."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ladder.cases import actions
from ladder.cases.models import Case
from ladder.customers import actions as customer_actions
from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Role, Staff
from tests.conftest import Org, new_case

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def client_for(staff: Staff, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(staff.user)
    return client


def listed(r: Any) -> list[int]:
    """The ids of the cases the queue lists, in order."""
    assert r.status_code == 200, r.content.decode()[-2000:]
    return [row.case.pk for row in r.context["rows"]]


def refs(html: str) -> list[str]:
    return re.findall(r'<a href="/cases/\d+/">([A-Z]+-\d+)</a>', html)


def escalate(o: Org, case: Case, to_tier: int | None = None) -> Case:
    return actions.escalate_case(
        actor=o.actor(),
        case_id=case.pk,
        expected_version=case.version,
        details="Customer does not accept the answer",
        source_of_dispute="Refund policy",
        to_tier=to_tier,
    )


def resolve(o: Org, case: Case) -> Case:
    case = actions.update_case(
        actor=o.actor(),
        case_id=case.pk,
        expected_version=case.version,
        changes={"root_cause": "Tutor was ill", "resolution": "New tutor"},
    )
    return actions.transition_case(
        actor=o.actor(), case_id=case.pk, expected_version=case.version, to="resolved"
    )


# --- what the queues show ------------------------------------------------------------


def test_the_overview_counts_open_cases_per_team_and_tier(acme: Org) -> None:
    """TD2, IN3: supervisors watch the volume that reached each level, per team; IN1:
    the ladder's three levels each have their column."""
    billing = tenancy_actions.create_team(organization=acme.org, name="Billing")
    new_case(acme, team_id=acme.team.pk)
    new_case(acme, team_id=acme.team.pk, owner_id=acme.agent.pk)
    escalate(acme, new_case(acme, team_id=acme.team.pk))
    escalate(acme, new_case(acme, team_id=billing.pk), to_tier=3)
    resolve(acme, new_case(acme, team_id=acme.team.pk))  # not open: not counted
    new_case(acme)  # no team

    r = client_for(acme.manager).get("/queues/")
    overview = {
        (row.team.name if row.team else None): [(c.open, c.unowned) for c in row.cells]
        for row in r.context["overview"]
    }
    assert overview == {
        "Billing": [(0, 0), (0, 0), (1, 1)],
        "Front desk": [(2, 1), (1, 1), (0, 0)],
        None: [(1, 1), (0, 0), (0, 0)],
    }
    html = r.content.decode()
    assert "Tier 2: Manager" in html
    assert f'href="/queues/?team={billing.pk}&amp;tier=3"' in html


def test_each_tier_queue_lists_what_reached_that_level(acme: Org) -> None:
    """IN1, IN3: the manager's queue holds what level 1 could not settle, the
    executive's what the manager could not."""
    first = new_case(acme, team_id=acme.team.pk)
    second = escalate(acme, new_case(acme, team_id=acme.team.pk))
    third = escalate(acme, new_case(acme, team_id=acme.team.pk), to_tier=3)
    client = client_for(acme.manager)
    team = acme.team.pk
    assert listed(client.get(f"/queues/?team={team}&tier=1")) == [first.pk]
    assert listed(client.get(f"/queues/?team={team}&tier=2")) == [second.pk]
    assert listed(client.get(f"/queues/?team={team}&tier=3")) == [third.pk]


def test_filters_narrow_the_queue(acme: Org) -> None:
    billing = tenancy_actions.create_team(organization=acme.org, name="Billing")
    refund = new_case(acme, kind="refund", category="teaching", team_id=acme.team.pk)
    urgent = new_case(acme, severity="critical", team_id=billing.pk, owner_id=acme.agent.pk)
    installer = new_case(acme, subject="Installer never came back", kind="cancellation")
    done = resolve(acme, new_case(acme, subject="Already settled"))
    client = client_for(acme.agent)

    assert listed(client.get("/queues/")) == [installer.pk, urgent.pk, refund.pk]
    assert listed(client.get(f"/queues/?team={billing.pk}")) == [urgent.pk]
    assert listed(client.get("/queues/?kind=refund")) == [refund.pk]
    assert listed(client.get("/queues/?category=teaching")) == [refund.pk]
    assert listed(client.get("/queues/?severity=critical")) == [urgent.pk]
    assert listed(client.get(f"/queues/?owner={acme.agent.pk}")) == [urgent.pk]
    assert listed(client.get("/queues/?owner=me")) == [urgent.pk]
    assert listed(client.get("/queues/?owner=none")) == [installer.pk, refund.pk]
    assert listed(client.get("/queues/?q=installer")) == [installer.pk]
    assert listed(client.get("/queues/?status=resolved")) == [done.pk]
    assert listed(client.get("/queues/?status=any"))[0] == done.pk
    assert listed(client.get("/queues/?sort=created_at")) == [refund.pk, urgent.pk, installer.pk]
    # The chosen filters stay chosen in the form.
    html = client.get("/queues/?kind=refund&severity=critical").content.decode()
    assert '<option value="refund" selected>' in html
    assert '<option value="critical" selected>' in html


def test_searching_finds_an_existing_case_and_when_it_was_updated(acme: Org) -> None:
    """EB1: first check whether a case already exists and whether it has been updated."""
    customer = customer_actions.create_customer(actor=acme.actor(), name="Sunny Roofs Ltd")
    case = new_case(acme, customer_id=customer.pk, subject="Panels not producing")
    r = client_for(acme.agent).get("/queues/?q=sunny&status=any")
    assert listed(r) == [case.pk]
    html = r.content.decode()
    local = case.updated_at.astimezone(acme.org.zone).strftime("%Y-%m-%d %H:%M")
    assert local in html
    assert "Last updated" in html


def test_filters_answer_htmx_with_the_list_alone_and_plain_get_with_the_page(
    acme: Org,
) -> None:
    """The filter form works without JavaScript (a GET form) and with htmx (the list
    fragment, the address pushed)."""
    new_case(acme, team_id=acme.team.pk)
    client = client_for(acme.agent)
    full = client.get("/queues/").content.decode()
    assert 'method="get" action="/queues/"' in full
    assert 'hx-get="/queues/"' in full
    assert 'hx-push-url="true"' in full
    assert 'hx-target="#queue-results"' in full

    r = client.get(f"/queues/?team={acme.team.pk}", HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    fragment = r.content.decode()
    assert "<html" not in fragment
    assert "<h1" not in fragment
    assert 'id="results-heading"' in fragment
    assert "HX-Request" in r["Vary"]
    # A history restore asks for the whole page again.
    restore = client.get("/queues/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in restore.content.decode()


def test_a_bad_filter_is_named_next_to_its_field(acme: Org) -> None:
    r = client_for(acme.agent).get("/queues/?tier=9&kind=nonsense")
    assert r.status_code == 422
    html = r.content.decode()
    assert 'aria-invalid="true" aria-describedby="f-tier-error"' in html
    assert 'id="f-tier-error"' in html
    assert 'aria-describedby="f-kind-error"' in html
    assert r.context["rows"] == []


def test_paging_walks_the_queue_with_its_filters(acme: Org) -> None:
    created = [new_case(acme, team_id=acme.team.pk).pk for _ in range(55)]
    new_case(acme)  # another team's: filtered out on every page
    client = client_for(acme.agent)
    first = client.get(f"/queues/?team={acme.team.pk}")
    assert listed(first) == sorted(created, reverse=True)[:50]
    next_query = first.context["next_query"]
    assert f"team={acme.team.pk}" in next_query
    assert "Next page" in first.content.decode()
    second = client.get(f"/queues/?{next_query}")
    assert listed(second) == sorted(created, reverse=True)[50:]
    assert second.context["next_query"] is None
    assert "First page" in second.content.decode()


def test_a_forged_cursor_is_refused_on_the_page(acme: Org) -> None:
    new_case(acme)
    r = client_for(acme.agent).get("/queues/?cursor=garbage")
    assert r.status_code == 422
    assert "Back to the first page" in r.content.decode()


# --- tenancy -------------------------------------------------------------------------


def test_another_organization_sees_none_of_our_queue(acme: Org, other: Org) -> None:
    """Tenancy: an agent of another organization sees none of ours, and our team's or
    staff member's id in the address answers 404 as if it did not exist."""
    new_case(acme, team_id=acme.team.pk, subject="Ours")
    theirs = new_case(other, team_id=other.team.pk, subject="Theirs")
    client = client_for(other.agent)
    r = client.get("/queues/?status=any")
    assert listed(r) == [theirs.pk]
    html = r.content.decode()
    assert "ACME-" not in html
    assert acme.team.name not in [
        t.name for t in r.context["choices"].teams if t.pk == acme.team.pk
    ]
    assert acme.agent.display_name not in html
    assert client.get(f"/queues/?team={acme.team.pk}").status_code == 404
    assert client.get(f"/queues/?owner={acme.agent.pk}").status_code == 404
    assert client.get("/queues/?team=abc").status_code == 404


# --- bulk assign ---------------------------------------------------------------------


def shown_versions(client: Client, query: str = "") -> dict[int, int]:
    """The version of each case as the queue page showed it (its hidden fields)."""
    html = client.get(f"/queues/{query}").content.decode()
    return {int(cid): int(v) for cid, v in re.findall(r'name="version-(\d+)" value="(\d+)"', html)}


def bulk(cases: list[Case], versions: dict[int, int], **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"case": [c.pk for c in cases], **fields}
    data.update({f"version-{c.pk}": versions[c.pk] for c in cases})
    return data


def test_bulk_assign_assigns_each_case_and_reports_the_one_that_changed(acme: Org) -> None:
    """Each ticked case is assigned with the version the page showed; one changed by
    someone else since is reported and left as that person made it."""
    a, b, c = (new_case(acme, team_id=acme.team.pk) for _ in range(3))
    client = client_for(acme.manager)
    versions = shown_versions(client)
    # Meanwhile the agent edits b.
    actions.update_case(
        actor=acme.actor(), case_id=b.pk, expected_version=b.version, changes={"severity": "high"}
    )
    r = client.post(
        f"/queues/assign/?team={acme.team.pk}",
        bulk([a, b, c], versions, owner=acme.agent.pk),
    )
    assert r.status_code == 200
    outcomes = {res.reference: res.outcome for res in r.context["results"]}
    assert outcomes == {a.reference: "assigned", b.reference: "stale", c.reference: "assigned"}
    for case in (a, c):
        case.refresh_from_db()
        assert case.owner_id == acme.agent.pk
        assert case.team_id == acme.team.pk  # team kept
    b.refresh_from_db()
    assert b.owner_id is None
    assert b.severity == "high"
    html = r.content.decode()
    assert "changed since you loaded the page" in html
    assert 'role="status" id="bulk-results"' in html
    # The page shows the queue again with the same filters, now as it is.
    assert set(listed(r)) == {a.pk, b.pk, c.pk}


def test_bulk_assign_to_a_team_keeps_each_owner(acme: Org) -> None:
    billing = tenancy_actions.create_team(organization=acme.org, name="Billing")
    owned = new_case(acme, owner_id=acme.agent.pk, team_id=acme.team.pk)
    unowned = new_case(acme)
    client = client_for(acme.manager)
    versions = shown_versions(client)
    r = client.post("/queues/assign/", bulk([owned, unowned], versions, team=billing.pk))
    assert [res.outcome for res in r.context["results"]] == ["assigned", "assigned"]
    owned.refresh_from_db()
    unowned.refresh_from_db()
    assert (owned.owner_id, owned.team_id) == (acme.agent.pk, billing.pk)
    assert (unowned.owner_id, unowned.team_id) == (None, billing.pk)


def test_bulk_assign_needs_a_case_and_an_owner_or_team(acme: Org) -> None:
    case = new_case(acme)
    client = client_for(acme.manager)
    r = client.post("/queues/assign/", {"case": [case.pk], f"version-{case.pk}": 1})
    assert r.status_code == 422
    assert 'aria-describedby="bulk-owner-error"' in r.content.decode()
    r = client.post("/queues/assign/", {"owner": acme.agent.pk})
    assert r.status_code == 422
    assert "Tick at least one case" in r.content.decode()
    case.refresh_from_db()
    assert case.version == 1


def test_bulk_assign_to_another_organizations_staff_is_refused_next_to_the_field(
    acme: Org, other: Org
) -> None:
    """Tenancy: an owner id of another organization is refused and nothing changes."""
    case = new_case(acme)
    client = client_for(acme.manager)
    r = client.post("/queues/assign/", bulk([case], shown_versions(client), owner=other.agent.pk))
    assert r.status_code == 422
    html = r.content.decode()
    assert 'aria-invalid="true" aria-describedby="bulk-owner-error"' in html
    assert "no staff member" in html
    case.refresh_from_db()
    assert (case.owner_id, case.version) == (None, 1)


def test_bulk_assign_ignores_another_organizations_cases(acme: Org, other: Org) -> None:
    theirs = new_case(other)
    client = client_for(acme.manager)
    r = client.post(
        "/queues/assign/",
        {"case": [theirs.pk], f"version-{theirs.pk}": 1, "owner": acme.agent.pk},
    )
    assert [res.outcome for res in r.context["results"]] == ["not_found"]
    theirs.refresh_from_db()
    assert (theirs.owner_id, theirs.version) == (None, 1)


def test_an_agent_cannot_bulk_assign_and_is_not_offered_it(acme: Org) -> None:
    """The bulk controls are hidden from agents, and the server refuses them anyway."""
    case = new_case(acme, team_id=acme.team.pk)
    client = client_for(acme.agent)
    html = client.get("/queues/").content.decode()
    assert "Assign ticked cases" not in html
    assert 'name="case"' not in html
    r = client.post("/queues/assign/", bulk([case], {case.pk: 1}, owner=acme.agent.pk))
    assert r.status_code == 403
    case.refresh_from_db()
    assert (case.owner_id, case.version) == (None, 1)
    assert "Assign ticked cases" in client_for(acme.manager).get("/queues/").content.decode()


def test_bulk_assign_needs_the_csrf_token(acme: Org) -> None:
    case = new_case(acme)
    client = client_for(acme.manager, enforce_csrf_checks=True)
    r = client.post("/queues/assign/", bulk([case], {case.pk: 1}, owner=acme.agent.pk))
    assert r.status_code == 403
    case.refresh_from_db()
    assert case.owner_id is None


# --- take ----------------------------------------------------------------------------


def test_an_agent_takes_an_unowned_case_for_themselves(acme: Org) -> None:
    """IN1: level-1 staff pick up what arrives in their team's queue."""
    case = new_case(acme, team_id=acme.team.pk)
    owned = new_case(acme, team_id=acme.team.pk, owner_id=acme.agent.pk)
    client = client_for(acme.agent)
    html = client.get("/queues/").content.decode()
    take_buttons = re.findall(r'name="take" value="(\d+)"', html)
    assert take_buttons == [str(case.pk)]  # only the case nobody owns
    r = client.post("/queues/take/", {"take": case.pk, f"version-{case.pk}": case.version})
    assert r.status_code == 303
    assert r["Location"] == f"/cases/{case.pk}/"
    case.refresh_from_db()
    assert (case.owner_id, case.team_id) == (acme.agent.pk, acme.team.pk)
    assert owned.pk  # untouched


def test_an_agent_cannot_take_a_case_someone_owns(acme: Org) -> None:
    """Refused on the server, and nothing changes."""
    managers = actions.create_case(
        actor=Actor.for_staff(acme.manager),
        customer_id=acme.customer.pk,
        kind="complaint",
        channel="phone",
        subject="The manager's",
        owner_id=acme.manager.pk,
    )
    r = client_for(acme.agent).post(
        "/queues/take/", {"take": managers.pk, f"version-{managers.pk}": managers.version}
    )
    assert r.status_code == 403
    managers.refresh_from_db()
    assert (managers.owner_id, managers.version) == (acme.manager.pk, 1)


def test_taking_a_case_someone_took_first_says_so(acme: Org) -> None:
    case = new_case(acme, team_id=acme.team.pk)
    client = client_for(acme.agent)
    versions = shown_versions(client)
    actions.assign_case(
        actor=Actor.for_staff(acme.manager),
        case_id=case.pk,
        expected_version=case.version,
        owner_id=acme.manager.pk,
        team_id=acme.team.pk,
    )
    r = client.post("/queues/take/", {"take": case.pk, f"version-{case.pk}": versions[case.pk]})
    assert r.status_code == 200
    assert "changed since you loaded the page" in r.content.decode()
    case.refresh_from_db()
    assert case.owner_id == acme.manager.pk


def test_taking_another_organizations_case_is_not_found(acme: Org, other: Org) -> None:
    theirs = new_case(other)
    r = client_for(acme.agent).post("/queues/take/", {"take": theirs.pk, f"version-{theirs.pk}": 1})
    assert r.status_code == 404
    theirs.refresh_from_db()
    assert theirs.owner_id is None


def test_an_accountant_without_the_edit_permission_is_not_offered_take(acme: Org) -> None:
    new_case(acme, team_id=acme.team.pk)
    html = client_for(acme.accountant).get("/queues/").content.decode()
    assert 'name="take"' not in html


# --- escaping and speed --------------------------------------------------------------


def test_text_is_escaped_everywhere_on_the_queue(acme: Org) -> None:
    """Auto-escaping: user text written as a script tag shows as text."""
    tenancy_actions.create_team(organization=acme.org, name=XSS)
    badly_named = tenancy_actions.add_staff(
        organization=acme.org, username="xss@acme", display_name=XSS, roles=[Role.AGENT]
    )
    customer = customer_actions.create_customer(actor=acme.actor(), name=XSS)
    actions.create_case(
        actor=Actor.for_staff(acme.manager),
        customer_id=customer.pk,
        kind="complaint",
        channel="phone",
        subject=XSS,
        category=XSS,
        owner_id=badly_named.pk,
    )
    client = client_for(acme.manager)
    for address in ("/queues/", f"/queues/?q={XSS}", f"/queues/?q={XSS}&tier={XSS}"):
        html = client.get(address).content.decode()
        assert XSS not in html
        assert ESCAPED in html


def _fill(o: Org, n: int) -> None:
    for i in range(n):
        actions.create_case(
            actor=Actor.for_staff(o.manager),
            customer_id=o.customer.pk,
            kind="complaint",
            channel="phone",
            subject=f"Case {i}",
            category=f"category {i % 3}",
            owner_id=o.agent.pk if i % 2 else None,
            team_id=o.team.pk,
        )


def test_a_queue_page_costs_the_same_queries_for_one_case_or_thirty(acme: Org) -> None:
    """Fast: a bounded number of queries whatever the size of the queue."""
    client = client_for(acme.manager)
    _fill(acme, 1)
    with CaptureQueriesContext(connection) as one:
        assert len(listed(client.get("/queues/"))) == 1
    with CaptureQueriesContext(connection) as one_htmx:
        client.get(f"/queues/?team={acme.team.pk}", HTTP_HX_REQUEST="true")
    _fill(acme, 29)
    with CaptureQueriesContext(connection) as thirty:
        r = client.get("/queues/")
        assert len(listed(r)) == 30
    with CaptureQueriesContext(connection) as thirty_htmx:
        client.get(f"/queues/?team={acme.team.pk}", HTTP_HX_REQUEST="true")
    assert len(thirty) == len(one) <= 20, [q["sql"] for q in thirty.captured_queries]
    assert len(thirty_htmx) == len(one_htmx) <= len(one)
    assert len(refs(r.content.decode())) == 30


def test_cases_without_a_team_have_their_own_queue(acme: Org, client: Client) -> None:
    """EB2: a complaint from the public form has no team yet; the queue shows it under
    "No team yet" so that an agent finds it and takes it."""
    from ladder.cases.actions import file_public_complaint

    web = file_public_complaint(
        organization=acme.org,
        name="Mrs Lee",
        email="lee@example.com",
        phone="",
        description="The tutor did not come.",
        wants_callback=False,
    )
    teamed = new_case(acme, team_id=acme.team.pk)
    client.force_login(acme.agent.user)
    page = client.get("/queues/?team=none").content.decode()
    assert web.reference in page
    assert teamed.reference not in page
