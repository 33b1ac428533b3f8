"""A refund in Chinese from request to payout, in Debian's chromium (ED5): the school's
class teacher records the request within the first 6 lessons, the stated and true
reasons and the invoice correction, and sends the refund form for approval; the
principal approves; finance records the payout, which stops the same-day clock."""

from __future__ import annotations

import re
from typing import Any

from ladder.cases.models import Case, TimelineEvent
from ladder.customers.models import Customer
from ladder.playbooks.models import Approval, Clock, ClockStatus
from ladder.retention.models import RetentionRecord
from tests.browser.conftest import check_accessibility, screenshot, sign_in
from tests.browser.test_desk_flows import demo

__all__ = ["demo"]


def _sign_out(page: Any) -> None:
    page.locator("form[action$='/logout/'] button[type=submit]").click()
    page.wait_for_url(re.compile("/login/"))


def _move(page: Any, to: str) -> None:
    page.locator(f"button[name=to][value={to}]").first.click()
    page.wait_for_load_state()


def test_a_class_teacher_does_a_refund_in_chinese_from_request_to_payout(
    page: Any, axe_source: str, demo: None
) -> None:
    """ED5: within 6 lessons, refund = original − corrected, approved by the principal,
    paid by finance; every step on the timeline; the pages pass axe-core."""
    student = Customer.objects.get(organization__slug="school", name="林佳怡")
    sign_in(page, "owner@school")
    page.wait_for_url(re.compile("/work/"))
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    # The request: a refund case for a student in her third lesson.
    page.goto(f"/cases/new/?customer={student.pk}")
    page.locator("select[name=kind]").select_option("refund")
    page.locator("select[name=channel]").select_option("in_person")
    page.locator("input[name=subject]").fill("开课第3课时申请退费")
    page.locator("textarea[name=description]").fill("学员说工作太忙，要求退费。")
    submit = (
        page.locator("input[name=subject]")
        .locator("xpath=ancestor::form")
        .locator("button[type=submit]")
    )
    submit.last.click()
    if page.locator("input[name=confirm_new]").count():
        page.locator("input[name=confirm_new]").check()
        submit.last.click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get(organization__slug="school", subject="开课第3课时申请退费")
    panel = page.locator("#retention")
    assert "挽留与退费" in panel.inner_text()
    assert "不符合条件" not in panel.inner_text()

    # The stated and the true reason (ED5: not the surface reason).
    page.locator("#ret-stated").fill("工作太忙，没时间上课")
    page.locator("#ret-true").fill("分班偏高，跟不上进度")
    page.get_by_role("button", name="保存原因").click()
    page.wait_for_url(re.compile(r"/cases/\d+/"))
    _move(page, "in_progress")

    # A save attempt first: switching class (htmx narrows the form), which she declines.
    page.locator("#ret-offer").select_option(label="调班或更换老师")
    page.locator(".offer-limits").wait_for()
    page.get_by_role("button", name="提出方案").click()
    page.wait_for_url(re.compile(r"/cases/\d+/"))
    page.locator(".retention-offers button[value=declined]").click()
    page.wait_for_url(re.compile(r"/cases/\d+/"))
    assert "已拒绝" in page.locator(".retention-offers").inner_text()

    # The invoice correction: refund = original − corrected.
    page.locator("#ret-original").fill("3600")
    page.locator("#ret-corrected").fill("1125")
    page.locator("#ret-correct-reason").fill("已上3课时及教材费")
    page.get_by_role("button", name="更正发票").click()
    page.wait_for_url(re.compile(r"/cases/\d+/"))
    money = page.locator(".retention-money").inner_text()
    assert "2,475.00 CNY" in money
    assert "部分退费" in money
    check_accessibility(page, axe_source)
    screenshot(page, "refund-zh-hans-teacher")

    # The refund form goes to the principal.
    _move(page, "awaiting_approval")
    case.refresh_from_db()
    assert case.status == "awaiting_approval"
    approval = Approval.objects.get(case=case, name="refund")
    assert str(approval.amount.amount) == "2475.00"
    _sign_out(page)

    sign_in(page, "principal@school")
    page.wait_for_url(re.compile("/work/"))
    page.goto(f"/cases/{case.pk}/")
    page.locator(f"#approval-{approval.pk} button[value=approve]").click()
    page.wait_for_url(re.compile(r"/cases/\d+/"))
    approval.refresh_from_db()
    assert approval.status == "approved"
    clock = Clock.objects.get(case=case, name="refund_payout")
    assert clock.status == ClockStatus.RUNNING
    _sign_out(page)

    # Finance pays the same day and records it.
    sign_in(page, "accounting@school")
    page.wait_for_url(re.compile("/work/"))
    page.goto(f"/cases/{case.pk}/")
    check_accessibility(page, axe_source)
    page.locator("#ret-reference").fill("退费单 2026-031")
    page.get_by_role("button", name="记录付款").click()
    page.wait_for_url(re.compile(r"/cases/\d+/"))
    assert "退费单 2026-031" in page.locator(".retention-money").inner_text()
    clock.refresh_from_db()
    assert clock.status == ClockStatus.STOPPED
    record = RetentionRecord.objects.get(case=case)
    assert str(record.refund_amount.amount) == "2475.00"
    assert record.payout_reference == "退费单 2026-031"
    timeline = page.locator("#timeline").inner_text()
    assert "真正原因：分班偏高，跟不上进度" in timeline
    assert "更正发票" in timeline
    assert "客户拒绝了方案 调班或更换老师" in timeline
    assert "已支付退费 2475.00 CNY（单号 退费单 2026-031）" in timeline
    kinds = list(TimelineEvent.objects.filter(case=case).values_list("kind", flat=True))
    for kind in ("invoice.corrected", "approval.approved", "refund.paid", "clock.stopped"):
        assert kind in kinds
    check_accessibility(page, axe_source)
    screenshot(page, "refund-zh-hans-paid")
