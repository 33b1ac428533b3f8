"""The permission matrix is enforced on the server, and docs/permissions.md is it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ladder.cases import actions
from ladder.cases.models import Case
from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.models import Role
from ladder.tenancy.permissions import MATRIX, Permission, permissions_document
from tests.conftest import Api, Org, new_case

DOCS = Path(__file__).resolve().parent.parent / "docs" / "permissions.md"


def test_the_committed_permissions_doc_is_the_matrix() -> None:
    """docs/permissions.md is generated (make docs); this fails when they drift."""
    assert DOCS.read_text(encoding="utf-8") == permissions_document()


def test_every_permission_has_a_row_and_someone_holds_it() -> None:
    assert set(MATRIX) == set(Permission)
    assert all(MATRIX[p] for p in Permission)


def _resolved(o: Org) -> Case:
    case = new_case(o)
    case = actions.update_case(
        actor=o.actor(),
        case_id=case.pk,
        expected_version=1,
        changes={"root_cause": "r", "resolution": "s"},
    )
    return actions.transition_case(
        actor=o.actor(), case_id=case.pk, expected_version=case.version, to="resolved"
    )


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_what_the_matrix_gives(acme: Org, role: Role) -> None:
    """IN1, MT4, MT5, ED5: who may create, edit, assign, escalate and close."""
    staff = tenancy_actions.add_staff(
        organization=acme.org,
        username=f"probe-{role.value}",
        display_name=str(role.label),
        roles=[role],
    )
    api = Api(staff)

    def allowed(p: Permission) -> bool:
        return role in MATRIX[p]

    create = api.post(
        "cases", {"customer_id": acme.customer.pk, "kind": "complaint", "subject": "s"}
    )
    assert (create.status_code == 201) == allowed(Permission.CASE_CREATE)

    case = new_case(acme)
    edit = api.patch(f"cases/{case.pk}", {"severity": "high"}, if_match='"1"')
    assert edit.status_code == (200 if allowed(Permission.CASE_EDIT) else 403)

    case = new_case(acme)
    assign = api.post(f"cases/{case.pk}/assign", {"owner_id": acme.manager.pk}, if_match='"1"')
    assert assign.status_code == (200 if allowed(Permission.CASE_ASSIGN) else 403)

    case = new_case(acme)
    escalate = api.post(
        f"cases/{case.pk}/escalate", {"details": "d", "source_of_dispute": "s"}, if_match='"1"'
    )
    assert escalate.status_code == (200 if allowed(Permission.CASE_ESCALATE) else 403)

    resolved = _resolved(acme)
    close = api.post(
        f"cases/{resolved.pk}/transition", {"to": "closed"}, if_match=f'"{resolved.version}"'
    )
    assert close.status_code == (200 if allowed(Permission.CASE_CLOSE) else 403)

    log = api.post(f"cases/{case.pk}/interactions", {"kind": "note", "body": "n"})
    assert log.status_code == (201 if allowed(Permission.CASE_LOG) else 403)

    customer = api.post("customers", {"name": "New family"})
    assert customer.status_code == (201 if allowed(Permission.CUSTOMER_EDIT) else 403)

    me = api.get("me").json()
    assert set(me["permissions"]) == {p.value for p in Permission if allowed(p)}


def test_without_assign_you_may_take_a_case_for_yourself_only(acme: Org, api: Api) -> None:
    case = new_case(acme, team_id=acme.team.pk)
    r = api.post(f"cases/{case.pk}/assign", {"owner_id": acme.agent.pk}, if_match='"1"')
    assert r.status_code == 200
    assert r.json()["owner"]["id"] == acme.agent.pk
    r = api.post(f"cases/{case.pk}/assign", {"team_id": None}, if_match='"2"')
    assert r.status_code == 403
    r = api.post(f"cases/{case.pk}/assign", {"owner_id": acme.manager.pk}, if_match='"2"')
    assert r.status_code == 403


def test_a_refused_action_changes_nothing(acme: Org) -> None:
    api = Api(acme.accountant)
    case = new_case(acme)
    assert api.patch(f"cases/{case.pk}", {"subject": "x"}, if_match='"1"').status_code == 403
    case.refresh_from_db()
    assert case.subject == "Tutor did not show up"
    assert case.version == 1


def test_without_assign_you_cannot_take_a_case_someone_owns(acme: Org, api: Api) -> None:
    case = new_case(acme, owner_id=acme.agent.pk)
    other_agent = tenancy_actions.add_staff(
        organization=acme.org,
        username="agent2@acme",
        display_name="Second agent",
        roles=[Role.AGENT],
    )
    r = Api(other_agent).post(
        f"cases/{case.pk}/assign", {"owner_id": other_agent.pk}, if_match='"1"'
    )
    assert r.status_code == 403
    case.refresh_from_db()
    assert case.owner_id == acme.agent.pk
