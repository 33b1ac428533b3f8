"""The Chinese desk in Debian's chromium: the school's class teacher works a case in
Chinese, with axe-core and screenshots in zh-hans."""

from __future__ import annotations

import re
from typing import Any

from ladder.cases.models import Case, Interaction
from tests.browser.conftest import check_accessibility, screenshot, sign_in
from tests.browser.test_desk_flows import demo

__all__ = ["demo"]


def test_a_class_teacher_works_a_case_in_chinese(page: Any, axe_source: str, demo: None) -> None:
    """ED1, ED5, ED6, ED7: the school's class teacher (owner@school) works entirely in
    Chinese, and the guard flags a forbidden Chinese phrase."""
    sign_in(page, "owner@school")
    page.wait_for_url(re.compile("/work/"))
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "我的工作" in page.content() or "我的" in page.content()
    check_accessibility(page, axe_source)
    screenshot(page, "my-work-zh-hans")
    case = Case.objects.filter(
        organization__slug="school", status__in=["new", "in_progress"]
    ).first()
    assert case is not None
    page.goto(f"/cases/{case.pk}/")
    check_accessibility(page, axe_source)
    screenshot(page, "case-zh-hans")
    page.locator("#log-kind").select_option("email")
    page.locator("#log-body").fill("家长您好，这事没办法。")
    page.locator("#log-body-guard").get_by_text("这事没办法").wait_for()
    # The school blocks forbidden phrases: the e-mail is refused on save.
    before = Interaction.objects.filter(case=case).count()
    page.locator("#log-body").locator("xpath=ancestor::form").locator(
        "button[type=submit]"
    ).last.click()
    assert Interaction.objects.filter(case=case).count() == before
    assert "这事没办法" in page.content()
    page.goto(f"/customers/{case.customer_id}/")
    check_accessibility(page, axe_source)
    screenshot(page, "customer-zh-hans")
    page.goto("/cases/new/")
    check_accessibility(page, axe_source)
    screenshot(page, "new-case-zh-hans")
    page.goto("/queues/")
    check_accessibility(page, axe_source)
    screenshot(page, "queues-zh-hans")
    page.goto("/o/school/complaint/")
    screenshot(page, "public-form-zh-hans")
