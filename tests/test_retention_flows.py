"""The issue's retention walks through the REST API with the shipped playbooks active
(ED5, MT5, MT8): a language-school refund within 6 lessons approved by the principal
with the right amount and paid by finance, the payout clock warned by a real worker;
one asked after 6 lessons refused by the playbook's rule; a software-vendor downgrade
saved with an accounting-approved discount; bad input refused with nothing written."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from ladder.cases.models import Case, Task, TimelineEvent
from ladder.deadlines.models import Deadline
from ladder.playbooks.models import Clock, ClockStatus
from ladder.playbooks.simulation import SHIPPED, Simulation
from ladder.retention.models import InvoiceCorrection, SaveAttempt
from tests.conftest import Api
from tests.test_worker import workers  # noqa: F401 - the fixture that starts real workers

SCHOOL = (SHIPPED / "school.yaml").read_text(encoding="utf-8")
SOFTWARE = (SHIPPED / "software.yaml").read_text(encoding="utf-8")
# The same-day payout clock, shortened so that a real worker warns within seconds (and
# breaches only after a minute, well after the test pays).
SCHOOL_FAST = SCHOOL.replace(
    "    measure: business\n    target: 4h\n    warn_before: [1h]",
    "    measure: calendar\n    target: 60s\n    warn_before: [58s]",
)
assert SCHOOL_FAST != SCHOOL


def _school(delivered: int, source: str = SCHOOL) -> Simulation:
    """The school of the shipped refund scenario: the class teacher, the academic
    director, the principal and finance, a student with a 48-lesson term."""
    scenario = {
        "playbook": "school",
        "start": "2026-03-02T09:00",
        "organization": {
            "timezone": "Asia/Shanghai",
            "locale": "zh-hans",
            "country": "CN",
            "currency": "CNY",
        },
        "hours": {"weekdays": [0, 1, 2, 3, 4, 5, 6], "from": "00:00", "to": "23:59"},
        "cast": [
            {"name": "wangli", "roles": ["owner"], "teams": ["课程顾问组"]},
            {"name": "chen", "roles": ["academic_director"], "teams": ["教务部"]},
            {"name": "zhang", "roles": ["principal"], "teams": ["行政部"]},
            {"name": "lijing", "roles": ["accounting"], "teams": ["财务部"]},
        ],
        "customer": {
            "name": "周子涵",
            "owner": "wangli",
            "program": {
                "name": "成人英语中级 48课时",
                "purchased": 48,
                "delivered": delivered,
                "unit": "lessons",
            },
        },
        "steps": [],
    }
    desk = Simulation(scenario, source=SHIPPED / "school.yaml", playbook_source=source)
    desk.setup()
    return desk


def _open(api: Api, desk: Simulation, kind: str, subject: str) -> int:
    assert desk.customer is not None
    response = api.post(
        "cases",
        {"customer_id": desk.customer.pk, "kind": kind, "channel": "in_person", "subject": subject},
    )
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def _move(api: Api, case_id: int, to: str) -> Any:
    etag = api.get(f"cases/{case_id}")["ETag"]
    return api.post(f"cases/{case_id}/transition", {"to": to}, **{"If-Match": etag})


def _kinds(case_id: int) -> list[str]:
    return list(
        TimelineEvent.objects.filter(case_id=case_id).order_by("id").values_list("kind", flat=True)
    )


def _refund_to_approval(desk: Simulation) -> tuple[int, Api]:
    """The class teacher records the request, the true reason and the invoice
    correction, and sends the refund form to the principal."""
    teacher = Api(desk.cast["wangli"])
    case_id = _open(teacher, desk, "refund", "开课第3课时申请退费")
    assert teacher.get(f"cases/{case_id}/retention").json()["eligible"] is True
    put = teacher.put(
        f"cases/{case_id}/retention",
        {"stated_reason": "工作太忙，没时间上课", "true_reason": "分班偏高，跟不上进度"},
    )
    assert put.status_code == 200, put.content
    assert _move(teacher, case_id, "in_progress").status_code == 200
    corrected = teacher.post(
        f"cases/{case_id}/invoice-corrections",
        {
            "original": {"amount": "3600.00", "currency": "CNY"},
            "corrected": {"amount": "1125.00", "currency": "CNY"},
            "reason": "已上3课时及教材费",
        },
    )
    assert corrected.status_code == 201, corrected.content
    body = corrected.json()
    assert body["refund_amount"] == {"amount": "2475.00", "currency": "CNY"}
    assert body["refund_type"] == "partial"
    sent = _move(teacher, case_id, "awaiting_approval")
    assert sent.status_code == 200, sent.content
    return case_id, teacher


def _principal_approves(desk: Simulation, case_id: int) -> None:
    principal = Api(desk.cast["zhang"])
    pending = principal.get("approvals?pending=true").json()
    assert [(a["case_id"], a["name"], a["amount"]) for a in pending] == [
        (case_id, "refund", "2475.00")
    ]
    decided = principal.post(f"approvals/{pending[0]['id']}/decide", {"decision": "approve"})
    assert decided.status_code == 200, decided.content


def test_school_refund_within_six_lessons_is_approved_and_paid(db: None) -> None:
    """ED5: within the first 6 lessons the request is eligible; the refund is original
    − corrected; the principal approves it; finance pays it and the same-day clock
    stops; the outcome is a partial refund."""
    desk = _school(delivered=3)
    case_id, teacher = _refund_to_approval(desk)
    case = Case.objects.get(pk=case_id)
    assert case.root_cause == "分班偏高，跟不上进度"
    too_early = Api(desk.cast["lijing"]).post(f"cases/{case_id}/payout", {"reference": "T-0"})
    assert too_early.status_code == 409  # the principal has not approved yet
    _principal_approves(desk, case_id)
    assert Clock.objects.get(case_id=case_id, name="refund_payout").status == ClockStatus.RUNNING
    assert Task.objects.filter(case_id=case_id, title__contains="当日办理退费").exists()
    agent_pays = teacher.post(f"cases/{case_id}/payout", {"reference": "退费单 2026-031"})
    assert agent_pays.status_code == 403
    finance = Api(desk.cast["lijing"])
    paid = finance.post(f"cases/{case_id}/payout", {"reference": "退费单 2026-031"})
    assert paid.status_code == 200, paid.content
    assert paid.json()["payout_reference"] == "退费单 2026-031"
    assert Clock.objects.get(case_id=case_id, name="refund_payout").status == ClockStatus.STOPPED
    outcome = teacher.put(f"cases/{case_id}/retention", {"outcome": "refunded_partial"})
    assert outcome.status_code == 200, outcome.content
    assert outcome.json()["outcome"] == "refunded_partial"
    kinds = _kinds(case_id)
    for kind in (
        "retention.reason_recorded",
        "invoice.corrected",
        "approval.requested",
        "approval.approved",
        "clock.started",
        "refund.paid",
        "clock.stopped",
        "retention.outcome_recorded",
    ):
        assert kind in kinds, kind
    assert kinds.index("refund.paid") < kinds.index("clock.stopped")


def test_school_refund_after_six_lessons_is_refused_by_rule(db: None) -> None:
    """ED5: a refund asked for after 6 delivered lessons is still a case, recorded as
    refused by the playbook rule with its reason; it cannot end as a refund nor be
    paid."""
    desk = _school(delivered=8)
    teacher = Api(desk.cast["wangli"])
    case_id = _open(teacher, desk, "refund", "第8课时后申请退费")
    body = teacher.get(f"cases/{case_id}/retention").json()
    assert body["eligible"] is False
    assert body["refused_by_rule"] == "refund_after_six_lessons"
    assert "6课时" in body["refusal"]
    refused = TimelineEvent.objects.get(case_id=case_id, kind="retention.refused")
    assert refused.actor_rule.endswith("refund_after_six_lessons")
    teacher.post(
        f"cases/{case_id}/invoice-corrections",
        {
            "original": {"amount": "3600.00", "currency": "CNY"},
            "corrected": {"amount": "0.00", "currency": "CNY"},
            "reason": "学员要求全额退费",
        },
    )
    outcome = teacher.put(f"cases/{case_id}/retention", {"outcome": "refunded_full"})
    assert outcome.status_code == 422
    assert outcome.json()["errors"][0]["field"] == "outcome"
    paid = Api(desk.cast["lijing"]).post(f"cases/{case_id}/payout", {"reference": "X"})
    assert paid.status_code == 409


def test_software_downgrade_saved_with_an_accounting_approved_discount(db: None) -> None:
    """MT5, MT8: the CSM proposes a discount from the catalog; above its 20% limit it
    is refused; the agent cannot approve it, accounting does; the customer accepts and
    the downgrade request ends saved."""
    scenario = {
        "playbook": "software",
        "start": "2026-03-02T09:00",
        "organization": {"timezone": "America/Chicago", "currency": "USD"},
        "cast": [
            {"name": "dana", "roles": ["owner"], "teams": ["CSM Team"]},
            {"name": "sam", "roles": ["agent"], "teams": ["CSM Team"]},
            {"name": "marcus", "roles": ["team_lead"], "teams": ["CSM Team"]},
            {"name": "ruth", "roles": ["accounting"], "teams": ["Accounting"]},
            {"name": "vera", "roles": ["executive"]},
            {"name": "ada", "roles": ["admin"]},
        ],
        "customer": {"name": "Marsh Dental", "owner": "dana", "mrr": "1200.00"},
        "steps": [],
    }
    desk = Simulation(scenario, source=SHIPPED / "software.yaml", playbook_source=SOFTWARE)
    desk.setup()
    admin = Api(desk.cast["ada"])
    created = admin.post(
        "offers",
        {
            "key": "discount",
            "kind": "discount",
            "label_en": "Discount on the renewal",
            "label_zh_hans": "续约折扣",
            "max_percent": "20",
            "approver_role": "accounting",
        },
    )
    assert created.status_code == 201, created.content
    offer_id = created.json()["id"]
    csm = Api(desk.cast["dana"])
    case_id = _open(csm, desk, "downgrade", "Wants to drop two modules")
    assert Task.objects.filter(case_id=case_id, title__contains="save offer").exists()
    too_much = csm.post(
        f"cases/{case_id}/offers", {"offer_id": offer_id, "terms": {"percent": "25"}}
    )
    assert too_much.status_code == 422
    assert too_much.json()["errors"] == [
        {"field": "terms.percent", "message": "is above the offer's limit of 20%"}
    ]
    proposed = csm.post(
        f"cases/{case_id}/offers", {"offer_id": offer_id, "terms": {"percent": "15"}}
    )
    assert proposed.status_code == 201, proposed.content
    attempt = proposed.json()["offers"][0]
    assert (attempt["decision"], attempt["approver_role"]) == ("pending", "accounting")
    decision = f"cases/{case_id}/offers/{attempt['id']}/decision"
    assert Api(desk.cast["sam"]).post(decision, {"approve": True}).status_code == 403
    approved = Api(desk.cast["ruth"]).post(decision, {"approve": True})
    assert approved.status_code == 200, approved.content
    assert approved.json()["offers"][0]["decision"] == "approved"
    answered = csm.post(f"cases/{case_id}/offers/{attempt['id']}/answer", {"accepted": True})
    assert answered.status_code == 200
    saved = csm.put(
        f"cases/{case_id}/retention",
        {
            "stated_reason": "Too expensive",
            "true_reason": "Two modules unused since their admin left",
            "outcome": "saved",
        },
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["outcome"] == "saved"
    kinds = _kinds(case_id)
    assert (
        kinds.index("offer.proposed")
        < kinds.index("offer.approved")
        < kinds.index("offer.accepted")
    )


def test_bad_money_is_refused_clearly_with_nothing_written(db: None) -> None:
    """ED5: a negative or foreign-currency amount, or a corrected amount above the
    original, is refused naming the field; nothing is written."""
    desk = _school(delivered=2)
    teacher = Api(desk.cast["wangli"])
    case_id = _open(teacher, desk, "refund", "申请退费")
    before = _kinds(case_id)
    reply = teacher.post(
        f"cases/{case_id}/invoice-corrections",
        {
            "original": {"amount": "-3600.00", "currency": "CNY"},
            "corrected": {"amount": "100.00", "currency": "USD"},
            "reason": "错误",
        },
    )
    assert reply.status_code == 422
    fields = {e["field"] for e in reply.json()["errors"]}
    assert fields == {"original.amount", "corrected.currency"}
    reply = teacher.post(
        f"cases/{case_id}/invoice-corrections",
        {
            "original": {"amount": "100.00", "currency": "CNY"},
            "corrected": {"amount": "100.01", "currency": "CNY"},
            "reason": "错误",
        },
    )
    assert reply.status_code == 422
    assert reply.json()["errors"][0]["field"] == "corrected.amount"
    assert not InvoiceCorrection.objects.filter(case_id=case_id).exists()
    assert not SaveAttempt.objects.filter(case_id=case_id).exists()
    assert _kinds(case_id) == before
    assert Case.objects.get(pk=case_id).money_at_stake is None


def _until(check: Callable[[], bool], timeout: float = 60) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_worker_warns_before_the_payout_is_late_and_the_payout_stops_the_clock(
    workers: Any,  # noqa: F811
) -> None:
    """ED5: finance pays the same day or the student is told in advance: a real worker
    fires the clock's warning (a task for the class teacher); the payout stops the
    clock, so no breach follows."""
    desk = _school(delivered=3, source=SCHOOL_FAST)
    case_id, _teacher = _refund_to_approval(desk)
    _principal_approves(desk, case_id)
    workers("retention-worker")
    assert _until(
        lambda: Task.objects.filter(case_id=case_id, title__contains="提前通知学员").exists()
    )
    paid = Api(desk.cast["lijing"]).post(f"cases/{case_id}/payout", {"reference": "T-1"})
    assert paid.status_code == 200, paid.content
    clock = Clock.objects.get(case_id=case_id, name="refund_payout")
    assert clock.status == ClockStatus.STOPPED
    assert clock.breached_at is None
    breach = Deadline.objects.get(kind="clock.breach", target_id=clock.pk)
    assert breach.cancelled_at is not None
    assert breach.fired_at is None
    assert "clock.breached" not in _kinds(case_id)
