"""A customer answers the satisfaction survey in Debian's chromium (TD3, ED6 step 5;
issue 6 "done means": a customer answers the survey page), in an English organization
and in a Chinese-speaking school, and the customer page then shows the score; axe-core
on each page and a screenshot of each."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ladder.cases.models import Case
from ladder.surveys.models import Survey
from tests.browser.conftest import check_accessibility, screenshot, sign_in
from tests.conftest import Org, build_org
from tests.survey_setup import chinese_school, install_survey_playbook, sent_survey

PASSWORD = "pw-for-tests-only"


@pytest.fixture
def acme_live(transactional_db: None) -> Org:
    o = build_org("acme", "ACME")
    install_survey_playbook(o)
    return o


def answer_in_the_browser(page: Any, token: str, *, nps: int, csat: int, comment: str) -> None:
    page.locator(f'input[name="nps"][value="{nps}"]').check()
    page.locator(f'input[name="csat"][value="{csat}"]').check()
    page.locator("#id_comment").fill(comment)
    page.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(rf"/s/{re.escape(token)}/thanks/$"))


def test_a_customer_answers_the_survey_and_the_customer_page_shows_the_score(
    page: Any, axe_source: str, acme_live: Org
) -> None:
    """TD3: the family opens the link from its e-mail, answers 4 / 2 with a comment;
    the second visit finds it answered; the desk sees the score, band and comment on
    the customer page, with a link to the case."""
    o = acme_live
    survey, token = sent_survey(o)
    page.goto(f"/s/{token}/")
    check_accessibility(page, axe_source)
    screenshot(page, "survey-en")
    assert page.get_by_role("heading", name="How did we do?").is_visible()
    answer_in_the_browser(page, token, nps=4, csat=2, comment="The tutor came late twice.")
    assert page.get_by_role("heading", name="Thank you").is_visible()
    check_accessibility(page, axe_source)
    screenshot(page, "survey-thanks-en")

    page.goto(f"/s/{token}/")
    assert page.get_by_role("heading", name="Survey already answered").is_visible()
    check_accessibility(page, axe_source)

    survey.refresh_from_db()
    assert (survey.nps, survey.csat, survey.band) == (4, 2, "detractor")
    sign_in(page, o.agent.user.username, PASSWORD)
    page.wait_for_url(re.compile("/work/"))
    page.goto(f"/customers/{survey.customer_id}/")
    panel = page.locator("#surveys")
    assert panel.locator("[data-latest-nps]").inner_text().startswith("4")
    assert "Detractor" in panel.inner_text()
    assert "The tutor came late twice." in panel.inner_text()
    reference = Case.objects.get(pk=survey.case_id).reference
    panel.get_by_role("link", name=reference).click()
    page.wait_for_url(re.compile(rf"/cases/{survey.case_id}/$"))


def test_a_family_of_a_chinese_school_answers_in_chinese(
    page: Any, axe_source: str, transactional_db: None
) -> None:
    """TD3 "in the customer's language": the school speaks zh-hans, so its survey page
    does; a promoter's answer shows on the customer page of the class teacher."""
    school = chinese_school()
    install_survey_playbook(school)
    survey, token = sent_survey(school)
    page.goto(f"/s/{token}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "（必填）" in page.locator("form[novalidate]").inner_text()
    check_accessibility(page, axe_source)
    screenshot(page, "survey-zh-hans")
    answer_in_the_browser(page, token, nps=10, csat=5, comment="老师很耐心，谢谢！")
    check_accessibility(page, axe_source)
    answered = Survey.objects.get(pk=survey.pk)
    assert (answered.band, answered.comment) == ("promoter", "老师很耐心，谢谢！")

    sign_in(page, school.manager.user.username, PASSWORD)
    page.wait_for_url(re.compile("/work/"))
    page.goto(f"/customers/{survey.customer_id}/")
    panel = page.locator("#surveys")
    assert panel.locator("[data-latest-nps]").inner_text().startswith("10")
    assert "老师很耐心，谢谢！" in panel.inner_text()
    check_accessibility(page, axe_source)
    screenshot(page, "customer-surveys-zh-hans")
