"""The Django admin: each tenant's admin sees only their own organization, a superuser
sees all, and the admin writes cases only through the actions layer."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.forms import CheckboxInput, MultiWidget
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ladder.cases import actions as case_actions
from ladder.cases.models import Case, TimelineEvent
from ladder.customers.models import Customer
from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.models import Organization, Staff, Tier
from tests.conftest import Org, new_case


def login(staff: Staff) -> Client:
    """A client signed in as the staff member, let into the admin site (is_staff)."""
    user = staff.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def superuser(db: None) -> Client:
    user = get_user_model().objects.create_superuser(username="root", password="pw-root")
    client = Client()
    client.force_login(user)
    return client


def form_data(response: Any) -> dict[str, Any]:
    """The POST body that submits a change page unchanged: the main form's values and
    every inline's management form."""
    data: dict[str, Any] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            key = form.add_prefix(name)
            value = form[name].value()
            widget = field.widget
            if isinstance(widget, MultiWidget):
                parts = value if isinstance(value, list) else widget.decompress(value) or []
                for i, part in enumerate(parts):
                    data[f"{key}_{i}"] = "" if part is None else part
            elif isinstance(widget, CheckboxInput):
                if value:
                    data[key] = "on"
            elif value is not None:
                data[key] = value
    return data


def change_url(model: str, pk: int) -> str:
    return f"/admin/{model}/{pk}/change/"


# --- scoping -------------------------------------------------------------------------


def test_tenant_admin_lists_only_their_organizations_customers_and_cases(
    acme: Org, other: Org
) -> None:
    mine, theirs = new_case(acme), new_case(other)
    client = login(acme.admin)

    customers = client.get("/admin/customers/customer/")
    assert customers.status_code == 200
    assert acme.customer.name in customers.text
    assert other.customer.name not in customers.text

    cases = client.get("/admin/cases/case/")
    assert cases.status_code == 200
    assert mine.reference in cases.text
    assert theirs.reference not in cases.text

    events = client.get("/admin/cases/timelineevent/")
    assert mine.reference in events.text
    assert theirs.reference not in events.text


def test_another_organizations_rows_are_not_found(acme: Org, other: Org) -> None:
    """A foreign id answers 404 (not Django's redirect), on read and on write alike."""
    theirs = new_case(other)
    client = login(acme.admin)

    assert client.get(change_url("cases/case", theirs.pk)).status_code == 404
    assert client.get(change_url("customers/customer", other.customer.pk)).status_code == 404
    assert client.get(change_url("tenancy/organization", other.org.pk)).status_code == 404
    assert client.get(change_url("tenancy/staff", other.agent.pk)).status_code == 404
    assert client.get(f"/admin/cases/case/{theirs.pk}/history/").status_code == 404

    response = client.post(
        change_url("customers/customer", other.customer.pk),
        {"name": "Taken over", "expected_version": "1"},
    )
    assert response.status_code == 404
    assert Customer.objects.get(pk=other.customer.pk).name == other.customer.name
    response = client.post(
        f"/admin/customers/customer/{other.customer.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 404
    assert Customer.objects.filter(pk=other.customer.pk).exists()


def test_choices_offer_only_the_own_organization(acme: Org, other: Org) -> None:
    client = login(acme.admin)
    form = client.get("/admin/customers/customer/add/").context["adminform"].form
    assert set(form.fields["owner"].queryset) == set(Staff.objects.filter(organization=acme.org))
    assert list(form.fields["organization"].queryset) == [acme.org]

    team_form = client.get(change_url("tenancy/team", acme.team.pk)).context["adminform"].form
    assert set(team_form.fields["members"].queryset) == set(
        Staff.objects.filter(organization=acme.org)
    )


def test_a_tenant_admin_cannot_create_rows_in_another_organization(acme: Org, other: Org) -> None:
    client = login(acme.admin)
    add = client.get("/admin/customers/customer/add/")
    data = form_data(add)

    refused = client.post(
        "/admin/customers/customer/add/",
        {**data, "name": "Smuggled", "organization": other.org.pk, "owner": other.agent.pk},
    )
    assert refused.status_code == 200  # the form again, with errors
    assert set(refused.context["adminform"].form.errors) == {"organization", "owner"}
    assert not Customer.objects.filter(name="Smuggled").exists()

    created = client.post(
        "/admin/customers/customer/add/", {**data, "name": "New family", "owner": acme.agent.pk}
    )
    assert created.status_code == 302
    assert Customer.objects.get(name="New family").organization == acme.org


def test_a_superuser_sees_every_organization(acme: Org, other: Org, superuser: Client) -> None:
    mine, theirs = new_case(acme), new_case(other)
    cases = superuser.get("/admin/cases/case/")
    assert mine.reference in cases.text
    assert theirs.reference in cases.text
    customers = superuser.get("/admin/customers/customer/")
    assert acme.customer.name in customers.text
    assert other.customer.name in customers.text


def test_a_superusers_cross_tenant_reference_is_refused(
    acme: Org, other: Org, superuser: Client
) -> None:
    page = superuser.get(change_url("customers/customer", acme.customer.pk))
    response = superuser.post(
        change_url("customers/customer", acme.customer.pk),
        {**form_data(page), "owner": other.agent.pk},
    )
    assert response.status_code == 200
    assert "owner" in response.context["adminform"].form.errors


def test_every_admin_page_opens_for_a_tenant_admin_and_a_superuser(
    acme: Org, superuser: Client
) -> None:
    case = new_case(acme)
    task = case_actions.create_task(
        actor=acme.actor(),
        title="Call back",
        assignee_id=acme.agent.pk,
        due_at=case.created_at,
        case_id=case.pk,
    )
    event = TimelineEvent.objects.get(case=case, kind="case.created")
    tier = Tier.objects.get(organization=acme.org, level=1)
    skill = tenancy_actions.create_skill(organization=acme.org, name="Tier 2")
    pages = {
        "tenancy/organization": acme.org.pk,
        "tenancy/staff": acme.agent.pk,
        "tenancy/team": acme.team.pk,
        "tenancy/skill": skill.pk,
        "tenancy/tier": tier.pk,
        "customers/customer": acme.customer.pk,
        "cases/case": case.pk,
        "cases/task": task.pk,
        "cases/timelineevent": event.pk,
    }
    for client in (login(acme.admin), superuser):
        assert client.get("/admin/").status_code == 200
        for model, pk in pages.items():
            assert client.get(f"/admin/{model}/").status_code == 200, model
            assert client.get(change_url(model, pk)).status_code == 200, model


# --- who may enter -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "manager", "executive", "accountant"])
def test_staff_without_the_admin_role_are_forbidden(acme: Org, role: str) -> None:
    client = login(getattr(acme, role))
    assert client.get("/admin/cases/case/").status_code == 403
    assert client.get("/admin/customers/customer/").status_code == 403
    assert client.get(change_url("cases/case", new_case(acme).pk)).status_code == 403
    index = client.get("/admin/")
    assert index.status_code == 200
    assert index.context["app_list"] == []


def test_a_django_staff_user_without_a_staff_row_is_forbidden(db: None) -> None:
    user = get_user_model().objects.create_user(username="loose", is_staff=True)
    client = Client()
    client.force_login(user)
    assert client.get("/admin/cases/case/").status_code == 403
    assert client.get("/admin/tenancy/organization/").status_code == 403


def test_the_admin_role_gives_admin_access_and_losing_it_sends_to_the_login(
    acme: Org,
) -> None:
    assert acme.admin.user.is_staff  # add_staff grants it with the admin role
    acme.admin.user.is_staff = False  # a superuser revoked it
    acme.admin.user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(acme.admin.user)
    response = client.get("/admin/cases/case/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_customer_edit_bumps_its_version_and_keeps_its_contacts_rule(acme: Org) -> None:
    client = login(acme.admin)
    url = change_url("customers/customer", acme.customer.pk)
    page = client.get(url)
    assert 'name="expected_version" value="1"' in page.text
    data = {**form_data(page), "name": "Renamed family"}
    two_primaries = {
        **data,
        "contacts-TOTAL_FORMS": "2",
        "contacts-0-name": "Mum",
        "contacts-0-is_primary": "on",
        "contacts-1-name": "Dad",
        "contacts-1-is_primary": "on",
    }
    refused = client.post(url, two_primaries)
    assert refused.status_code == 200
    assert "at most one contact can be primary" in refused.text

    assert client.post(url, data).status_code == 302
    customer = Customer.objects.get(pk=acme.customer.pk)
    assert (customer.name, customer.version) == ("Renamed family", 2)

    stale = client.post(url, {**data, "name": "Stale"}, follow=True)
    assert "changed since you read it" in stale.text
    assert Customer.objects.get(pk=acme.customer.pk).name == "Renamed family"


def test_a_tenant_admin_grants_roles_and_team_members(acme: Org) -> None:
    client = login(acme.admin)
    url = change_url("tenancy/staff", acme.agent.pk)
    page = client.get(url)
    data = {**form_data(page), "role_grants-TOTAL_FORMS": "2", "role_grants-1-role": "tier2"}
    assert client.post(url, data).status_code == 302
    assert {g.role for g in acme.agent.role_grants.all()} == {"agent", "tier2"}

    team = change_url("tenancy/team", acme.team.pk)
    page = client.get(team)
    response = client.post(team, {**form_data(page), "members": [acme.manager.pk]})
    assert response.status_code == 302
    assert list(acme.team.members.all()) == [acme.manager]


# --- organizations and tiers ---------------------------------------------------------


def test_a_tenant_admin_edits_only_their_own_organization(acme: Org, other: Org) -> None:
    client = login(acme.admin)
    assert client.get("/admin/tenancy/organization/add/").status_code == 403
    assert client.get(f"/admin/tenancy/organization/{acme.org.pk}/delete/").status_code == 403
    listing = client.get("/admin/tenancy/organization/")
    assert list(listing.context["cl"].result_list) == [acme.org]

    page = client.get(change_url("tenancy/organization", acme.org.pk))
    form = page.context["adminform"].form
    assert "last_case_number" not in form.fields
    assert "currency" not in form.fields
    response = client.post(
        change_url("tenancy/organization", acme.org.pk),
        {**form_data(page), "name": "Acme Learning", "last_case_number": "999"},
    )
    assert response.status_code == 302
    acme.org.refresh_from_db()
    assert acme.org.name == "Acme Learning"
    assert acme.org.last_case_number == 0


def test_an_organization_with_an_unknown_time_zone_is_refused(acme: Org) -> None:
    client = login(acme.admin)
    page = client.get(change_url("tenancy/organization", acme.org.pk))
    response = client.post(
        change_url("tenancy/organization", acme.org.pk),
        {**form_data(page), "timezone": "Mars/Olympus"},
    )
    assert response.status_code == 200
    assert "timezone" in response.context["adminform"].form.errors


def test_a_superuser_adds_an_organization_with_its_default_ladder(superuser: Client) -> None:
    page = superuser.get("/admin/tenancy/organization/add/")
    data = {
        **form_data(page),
        "name": "Beta",
        "slug": "beta",
        "timezone": "Europe/Berlin",
        "currency": "EUR",
        "case_prefix": "BETA",
    }
    assert superuser.post("/admin/tenancy/organization/add/", data).status_code == 302
    beta = Organization.objects.get(slug="beta")
    assert beta.currency == "EUR"
    assert [t.level for t in Tier.objects.filter(organization=beta)] == [1, 2, 3]


def test_only_the_top_rung_of_the_ladder_can_be_removed(acme: Org) -> None:
    client = login(acme.admin)
    middle = Tier.objects.get(organization=acme.org, level=2)
    top = Tier.objects.get(organization=acme.org, level=3)
    assert client.get(f"/admin/tenancy/tier/{middle.pk}/delete/").status_code == 403
    assert client.get(f"/admin/tenancy/tier/{top.pk}/delete/").status_code == 200

    page = client.get("/admin/tenancy/tier/add/")
    gap = client.post(
        "/admin/tenancy/tier/add/",
        {**form_data(page), "level": "5", "name": "Board", "role": "executive"},
    )
    assert "level" in gap.context["adminform"].form.errors


# --- cases, tasks, timeline ----------------------------------------------------------


def test_the_timeline_cannot_be_added_changed_or_deleted(acme: Org, superuser: Client) -> None:
    case = new_case(acme)
    event = TimelineEvent.objects.get(case=case)
    for client in (login(acme.admin), superuser):
        assert client.get("/admin/cases/timelineevent/").status_code == 200
        assert client.get("/admin/cases/timelineevent/add/").status_code == 403
        view = client.get(change_url("cases/timelineevent", event.pk))
        assert view.status_code == 200
        assert not view.context["has_change_permission"]
        assert client.post(change_url("cases/timelineevent", event.pk), {}).status_code == 403
        delete = client.post(f"/admin/cases/timelineevent/{event.pk}/delete/", {"post": "yes"})
        assert delete.status_code == 403
    assert TimelineEvent.objects.filter(pk=event.pk).exists()


def test_cases_and_tasks_cannot_be_deleted_or_added(acme: Org, superuser: Client) -> None:
    case = new_case(acme)
    task = case_actions.create_task(
        actor=acme.actor(),
        title="Call back",
        assignee_id=acme.agent.pk,
        due_at=case.created_at,
        case_id=case.pk,
    )
    for client in (login(acme.admin), superuser):
        for model, pk in (("cases/case", case.pk), ("cases/task", task.pk)):
            assert client.get(f"/admin/{model}/{pk}/delete/").status_code == 403
            assert client.post(f"/admin/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
            assert client.get(f"/admin/{model}/add/").status_code == 403
        listing = client.get("/admin/cases/case/")
        assert "delete_selected" not in listing.context["cl"].model_admin.get_actions(
            listing.wsgi_request
        )
    assert Case.objects.filter(pk=case.pk).exists()


def test_editing_a_subject_in_the_admin_records_a_field_change(acme: Org) -> None:
    case = new_case(acme)
    client = login(acme.admin)
    page = client.get(change_url("cases/case", case.pk))
    form = page.context["adminform"].form
    assert "status" not in form.fields
    assert "tier" not in form.fields
    assert 'name="expected_version" value="1"' in page.text

    response = client.post(
        change_url("cases/case", case.pk),
        {**form_data(page), "subject": "Tutor missed two lessons", "status": "closed"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.subject == "Tutor missed two lessons"
    assert case.status == "new"  # the status is not the admin's to write
    assert case.version == 2
    event = TimelineEvent.objects.get(case=case, kind="case.field_changed")
    assert (event.field, event.old_value, event.new_value) == (
        "subject",
        "Tutor did not show up",
        "Tutor missed two lessons",
    )
    assert event.actor_staff == acme.admin


def test_an_edit_over_a_newer_version_is_refused(acme: Org) -> None:
    case = new_case(acme)
    client = login(acme.admin)
    page = client.get(change_url("cases/case", case.pk))
    case_actions.update_case(
        actor=acme.actor(acme.manager),
        case_id=case.pk,
        expected_version=1,
        changes={"subject": "Changed in the desk meanwhile"},
    )
    response = client.post(
        change_url("cases/case", case.pk), {**form_data(page), "subject": "Stale edit"}, follow=True
    )
    assert "changed since you read it" in response.text
    case.refresh_from_db()
    assert case.subject == "Changed in the desk meanwhile"
    assert not TimelineEvent.objects.filter(case=case, new_value="Stale edit").exists()


def test_a_superuser_without_a_staff_row_sees_cases_read_only(acme: Org, superuser: Client) -> None:
    """The timeline names a staff member for every edit; a bare superuser has none."""
    case = new_case(acme)
    page = superuser.get(change_url("cases/case", case.pk))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert superuser.post(change_url("cases/case", case.pk), {"subject": "x"}).status_code == 403


def test_completing_a_task_in_the_admin_goes_through_the_action(acme: Org) -> None:
    case = new_case(acme)
    task = case_actions.create_task(
        actor=acme.actor(),
        title="Call back",
        assignee_id=acme.agent.pk,
        due_at=case.created_at,
        case_id=case.pk,
    )
    client = login(acme.admin)
    page = client.get(change_url("cases/task", task.pk))
    response = client.post(change_url("cases/task", task.pk), {**form_data(page), "done": "on"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done
    assert TimelineEvent.objects.filter(case=case, kind="task.completed").exists()

    due = task.due_at
    page = client.get(change_url("cases/task", task.pk))
    response = client.post(
        change_url("cases/task", task.pk), {**form_data(page), "assignee": acme.manager.pk}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.assignee, task.due_at, task.version) == (acme.manager, due, 3)
    moved = TimelineEvent.objects.get(case=case, kind="task.rescheduled")
    assert moved.data["new_assignee"] == str(acme.manager)


def test_the_case_list_runs_the_same_queries_for_one_case_or_many(acme: Org) -> None:
    client = login(acme.admin)
    new_case(acme)
    client.get("/admin/cases/case/")  # warm up: sessions, content types
    with CaptureQueriesContext(connection) as one:
        client.get("/admin/cases/case/")
    for _ in range(4):
        new_case(acme, owner_id=acme.agent.pk, team_id=acme.team.pk)
    with CaptureQueriesContext(connection) as five:
        client.get("/admin/cases/case/")
    assert len(five) == len(one)
