"""The playbook through /api/v1: a case's playbook state, answers, the checklist, the
customer's escalation request and rejection, live handoffs, approvals and
notifications; each rule of the use cases answered with its documented status."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ladder.cases import actions as case_actions
from ladder.cases.models import Case
from ladder.money import make_money
from ladder.playbooks import actions as playbook_actions
from ladder.playbooks.models import Approval
from tests.conftest import Api, Org, new_case
from tests.playbook_setup import install_playbook, skills


@pytest.fixture
def desk(acme: Org) -> Org:
    skills(acme.org, tier2=[acme.manager, acme.executive], lead=[acme.executive])
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


def test_the_playbook_state_of_a_case(desk: Org, api: Api) -> None:
    """EB4, EB5, ED6: the script, the questions, the checklist and the handoffs the
    playbook defines; 409 for a case under no playbook."""
    case = new_case(desk, category="installer")
    r = api.get(f"cases/{case.pk}/playbook")
    assert r.status_code == 200
    body = r.json()
    assert body["version"] == "desk v1"
    assert "installer's responsibility" in body["script"]
    assert [q["key"] for q in body["questions"]] == ["installer_name", "promise"]
    assert body["checklists"][0]["name"] == "key_actions"
    assert body["handoff_options"] == [{"name": "live", "label": "Warm transfer"}]
    assert body["handoff"] is None


def test_a_case_under_no_playbook_answers_409(acme: Org, api: Api) -> None:
    case = new_case(acme)
    r = api.get(f"cases/{case.pk}/playbook")
    assert r.status_code == 409


def test_answers_are_checked_against_the_category(desk: Org, api: Api) -> None:
    """EB4: an unknown question or a choice not offered is a 422 naming the answer."""
    case = new_case(desk, category="installer")
    r = api.post(f"cases/{case.pk}/answers", {"answers": {"colour": "red"}})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "answers.colour"
    r = api.post(f"cases/{case.pk}/answers", {"answers": {"installer_name": "SunCo"}})
    assert r.status_code == 200
    assert r.json()["questions"][0]["answer"] == "SunCo"


def test_a_rule_requires_the_churn_code_in_its_own_words(desk: Org, api: Api) -> None:
    """MT2: resolving a cancellation without the churn code is a 422 naming
    answers.churn_code with the rule's message; the answer is then accepted although
    the case's category does not ask for it."""
    case = new_case(desk, kind="cancellation", category="installer")
    body = api.get(f"cases/{case.pk}/playbook").json()
    assert body["requirements"][0]["fields"] == ["answers.churn_code"]
    churn = next(q for q in body["questions"] if q["key"] == "churn_code")
    assert churn["required_by"] == "Record the churn code before closing."
    case_actions.update_case(
        actor=desk.actor(),
        case_id=case.pk,
        expected_version=Case.objects.get(pk=case.pk).version,
        changes={"root_cause": "price", "resolution": "a discount"},
    )
    case_actions.transition_case(
        actor=desk.actor(desk.manager),
        case_id=case.pk,
        expected_version=Case.objects.get(pk=case.pk).version,
        to="in_progress",
    )
    fresh = Case.objects.get(pk=case.pk)
    r = Api(desk.manager).post(
        f"cases/{case.pk}/transition", {"to": "resolved"}, if_match=f'"{fresh.version}"'
    )
    assert r.status_code == 422
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert errors["answers.churn_code"] == "Record the churn code before closing."
    r = api.post(f"cases/{case.pk}/answers", {"answers": {"churn_code": "price"}})
    assert r.status_code == 200


def test_ticking_the_checklist(desk: Org, api: Api) -> None:
    """ED6: ticked and unticked; an unknown item is a 422."""
    case = new_case(desk, category="installer")
    url = f"cases/{case.pk}/checklist"
    r = api.post(url, {"checklist": "key_actions", "item": "agree"})
    assert r.status_code == 200
    items = {i["key"]: i["done"] for i in r.json()["checklists"][0]["items"]}
    assert items == {"acknowledge": False, "agree": True}
    r = api.post(url, {"checklist": "key_actions", "item": "agree", "done": False})
    assert not any(i["done"] for i in r.json()["checklists"][0]["items"])
    r = api.post(url, {"checklist": "key_actions", "item": "juggle"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "item"


def test_the_customers_escalation_request_starts_the_clock(desk: Org, api: Api) -> None:
    """MT1, MT6: the request needs a reason; the rule starts the clock and the duty."""
    case = new_case(desk, category="installer")
    r = api.post(f"cases/{case.pk}/request-escalation", {"reason": ""})
    assert r.status_code == 422
    r = api.post(f"cases/{case.pk}/request-escalation", {"reason": "wants the boss"})
    assert r.status_code == 200
    assert r["ETag"] == f'"{r.json()["version"]}"'
    body = api.get(f"cases/{case.pk}/playbook").json()
    (clock,) = body["clocks"]
    assert clock["name"] == "meeting"
    assert clock["status"] == "running"
    assert clock["due_at"] is not None
    assert clock["warn_at"] is not None
    assert not clock["warned"]
    assert not clock["breached"]
    assert body["duties"][0]["needed"] == 2


def test_the_customer_rejects_the_resolution(desk: Org, api: Api) -> None:
    """MT8: recorded on the timeline with its reason."""
    case = new_case(desk, category="installer")
    r = api.post(f"cases/{case.pk}/reject-resolution", {"reason": "too little"})
    assert r.status_code == 200
    kinds = [e["kind"] for e in api.get(f"cases/{case.pk}/timeline").json()["items"]]
    assert "resolution.rejected" in kinds


def test_a_live_handoff_is_accepted_by_exactly_one(desk: Org, api: Api) -> None:
    """EB3: asked for by the agent, accepted by the first Tier 2 member; the second
    gets 409 naming the winner; someone outside the skill gets 403."""
    case = new_case(desk, category="installer")
    r = api.post(f"cases/{case.pk}/handoffs", {"handoff": "nope"})
    assert r.status_code == 422
    r = api.post(f"cases/{case.pk}/handoffs", {"handoff": "live"})
    assert r.status_code == 201
    handoff = r.json()
    assert (handoff["status"], handoff["skill"], handoff["steps"]) == ("ringing", "Tier 2", 2)
    hid = handoff["id"]
    assert Api(desk.accountant).post(f"handoffs/{hid}/accept").status_code == 403
    r = Api(desk.manager).post(f"handoffs/{hid}/accept")
    assert r.status_code == 200
    assert r.json()["accepted_by"] == str(desk.manager)
    r = Api(desk.executive).post(f"handoffs/{hid}/accept")
    assert r.status_code == 409
    assert str(desk.manager) in r.json()["detail"]
    seen = api.get(f"handoffs/{hid}").json()
    assert (seen["status"], seen["accepted_by"]) == ("accepted", str(desk.manager))
    assert api.get(f"cases/{case.pk}/playbook").json()["handoff"]["id"] == hid


def test_approvals_pending_for_my_roles_and_deciding_them(desk: Org) -> None:
    """MT5: accounting sees the offer awaiting it; others do not; a denial needs a
    reason; a decided approval answers 409."""
    case = with_offer(desk)
    approval = Approval.objects.get(case=case)
    accounting = Api(desk.accountant)
    pending = accounting.get("approvals?pending=true").json()
    assert [(a["id"], a["case_id"], a["can_decide"]) for a in pending] == [
        (approval.pk, case.pk, True)
    ]
    assert Api(desk.agent).get("approvals?pending=true").json() == []
    assert len(Api(desk.agent).get("approvals").json()) == 1
    url = f"approvals/{approval.pk}/decide"
    assert Api(desk.agent).post(url, {"decision": "approve"}).status_code == 403
    r = accounting.post(url, {"decision": "deny"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "reason"
    r = accounting.post(url, {"decision": "deny", "reason": "over budget"})
    assert r.status_code == 200
    assert r.json()["status"] == "denied"
    assert accounting.post(url, {"decision": "approve"}).status_code == 409


def test_a_large_offer_waits_for_the_second_approver(desk: Org) -> None:
    """MT5: above the limit, approved by accounting it awaits the executive."""
    case = with_offer(desk, amount=9000)
    approval = Approval.objects.get(case=case)
    r = Api(desk.accountant).post(f"approvals/{approval.pk}/decide", {"decision": "approve"})
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["waiting_for"]) == ("pending", "executive")
    assert Api(desk.executive).get("approvals?pending=true").json()[0]["id"] == approval.pk
    r = Api(desk.executive).post(f"approvals/{approval.pk}/decide", {"decision": "approve"})
    assert r.json()["status"] == "approved"


def test_notifications_are_the_callers_own(desk: Org) -> None:
    """The approval request notified accounting; marking it read is its own; reading
    twice changes nothing; another staff member's id answers 404."""
    with_offer(desk)
    accounting = Api(desk.accountant)
    body = accounting.get("notifications").json()
    assert body["unread"] == 1
    (note,) = body["items"]
    assert "Approval needed" in note["text"]
    assert note["case_reference"].startswith("ACME-")
    assert Api(desk.agent).post(f"notifications/{note['id']}/read").status_code == 404
    first = accounting.post(f"notifications/{note['id']}/read").json()
    again = accounting.post(f"notifications/{note['id']}/read").json()
    assert first["read_at"] is not None
    assert first["read_at"] == again["read_at"]
    assert accounting.get("notifications?unread=true").json() == {"items": [], "unread": 0}


def test_list_endpoints_cost_a_fixed_number_of_queries(desk: Org) -> None:
    """Query counts pinned on the playbook state, approvals and notifications."""
    case = with_offer(desk)
    playbook_actions.request_handoff(actor=desk.actor(), case_id=case.pk, handoff="live")
    case_actions.request_escalation(actor=desk.actor(), case_id=case.pk, reason="boss")
    client = Api(desk.accountant)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = [f"cases/{case.pk}/playbook", "approvals?pending=true", "approvals", "notifications"]
    before = [count(u) for u in urls]
    for _ in range(3):
        with_offer(desk)
        case_actions.request_escalation(actor=desk.actor(), case_id=case.pk, reason="again")
    assert [count(u) for u in urls] == before
    assert len(client.get("approvals?pending=true").json()) == 4
