"""The public survey page /s/<token>/ (TD3, ED6 step 5): no login, the survey's
language, one answer per token, clear pages for an answered or expired survey, 404 for
an unknown token, and the token kept from other sites and caches."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ladder.cases.models import Case, Task, TimelineEvent
from ladder.surveys.models import Survey
from tests.conftest import Org
from tests.survey_setup import chinese_school, install_survey_playbook, sent_survey


@pytest.fixture
def surveyed(acme: Org) -> tuple[Survey, str]:
    install_survey_playbook(acme)
    return sent_survey(acme)


def url(token: str) -> str:
    return f"/s/{token}/"


def answer(nps: int = 9, csat: int = 5, comment: str = "Thank you") -> dict[str, str]:
    return {"nps": str(nps), "csat": str(csat), "comment": comment}


def counts() -> tuple[int, ...]:
    return (TimelineEvent.objects.count(), Task.objects.count(), Case.objects.count())


def test_the_page_asks_both_questions_without_a_login(
    surveyed: tuple[Survey, str], english: None
) -> None:
    """TD3: the NPS 0-10 and CSAT 1-5 questions and a comment, behind the link alone;
    the token is never passed to another site as a referrer and the page is never
    cached."""
    survey, token = surveyed
    page = Client().get(url(token))
    assert page.status_code == 200
    text = page.content.decode()
    assert '<html lang="en">' in text
    assert "How likely are you to recommend us" in text
    assert "How satisfied are you" in text
    assert survey.case.reference in text
    assert 'name="csrfmiddlewaretoken"' in text
    for n in range(11):
        assert f'name="nps" value="{n}"' in text
    for n in range(1, 6):
        assert f'name="csat" value="{n}"' in text
    assert 'name="csat" value="0"' not in text
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"]
    assert "noindex" in page["X-Robots-Tag"]


def test_an_answer_is_taken_once_and_thanked(surveyed: tuple[Survey, str], english: None) -> None:
    """TD3 / issue 6 bad input: one answer per token: the second gets a clear page (409)
    and changes nothing."""
    survey, token = surveyed
    client = Client()
    r = client.post(url(token), answer(nps=6, csat=3, comment="Could be better"))
    assert r.status_code == 302
    assert r["Location"] == f"/s/{token}/thanks/"
    thanks = client.get(r["Location"])
    assert thanks.status_code == 200
    assert "We have received your answer" in thanks.content.decode()
    survey.refresh_from_db()
    assert (survey.nps, survey.csat, survey.band) == (6, 3, "detractor")
    assert survey.comment == "Could be better"

    before = (tuple(Survey.objects.values().get(pk=survey.pk).items()), counts())
    again = Client().post(url(token), answer(nps=10))
    assert again.status_code == 409
    assert "already been answered" in again.content.decode()
    assert Client().get(url(token)).status_code == 409
    assert (tuple(Survey.objects.values().get(pk=survey.pk).items()), counts()) == before


def test_an_expired_survey_says_so_and_takes_nothing(
    surveyed: tuple[Survey, str], english: None
) -> None:
    """TD3 / issue 6 bad input: past its expiry the link shows a clear page (410) and
    records nothing."""
    survey, token = surveyed
    before = counts()
    with time_machine.travel(survey.expires_at + dt.timedelta(minutes=1)):
        shown = Client().get(url(token))
        posted = Client().post(url(token), answer())
    assert (shown.status_code, posted.status_code) == (410, 410)
    assert "its link has expired" in posted.content.decode()
    survey.refresh_from_db()
    assert survey.answered_at is None
    assert counts() == before


@pytest.mark.parametrize("token", ["x" * 43, "not-a-token", "a" * 300])
def test_an_unknown_token_is_a_404(surveyed: tuple[Survey, str], token: str) -> None:
    """TD3: a link nobody was sent shows nothing and takes nothing."""
    before = counts()
    assert Client().get(url(token)).status_code == 404
    assert Client().post(url(token), answer()).status_code == 404
    assert Client().get(f"{url(token)}thanks/").status_code == 404
    assert counts() == before


def test_a_missing_score_is_asked_for_again_and_the_survey_stays_open(
    surveyed: tuple[Survey, str], english: None
) -> None:
    """TD3 / issue 6 bad input: the answer needs both scores; the page says which."""
    survey, token = surveyed
    r = Client().post(url(token), {"csat": "4", "comment": "Fine"})
    assert r.status_code == 422
    text = r.content.decode()
    assert "Please correct the following" in text
    assert 'href="#nps-group"' in text
    assert "Fine" in text  # what the customer typed is kept
    survey.refresh_from_db()
    assert survey.answered_at is None
    assert Client().post(url(token), {"nps": "11", "csat": "4"}).status_code == 422


def test_the_thanks_page_before_an_answer_leads_to_the_survey(
    surveyed: tuple[Survey, str],
) -> None:
    _survey, token = surveyed
    r = Client().get(f"{url(token)}thanks/")
    assert (r.status_code, r["Location"]) == (302, url(token))


def test_the_page_speaks_the_surveys_language(db: None) -> None:
    """TD3 "in the customer's language": a zh-hans school's survey page is in Chinese,
    unless the visitor switched language."""
    school = chinese_school()
    install_survey_playbook(school)
    _survey, token = sent_survey(school)
    text = Client().get(url(token)).content.decode()
    assert '<html lang="zh-hans">' in text
    assert "（必填）" in text
    switched = Client()
    switched.cookies["django_language"] = "en"
    assert '<html lang="en">' in switched.get(url(token)).content.decode()


def test_the_page_costs_a_fixed_handful_of_queries(surveyed: tuple[Survey, str]) -> None:
    """Fast: showing the survey reads one row (with its organization and case);
    answering writes it in a bounded number of statements."""
    _survey, token = surveyed
    client = Client()
    client.get(url(token))  # the CSRF cookie
    with CaptureQueriesContext(connection) as shown:
        assert client.get(url(token)).status_code == 200
    assert len(shown) == 1
    with CaptureQueriesContext(connection) as answered:
        assert client.post(url(token), answer()).status_code == 302
    assert len(answered) <= 15


def test_the_survey_needs_no_session_but_a_csrf_token(surveyed: tuple[Survey, str]) -> None:
    """The form is protected against cross-site posts like every form of the desk."""
    survey, token = surveyed
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url(token), answer()).status_code == 403
    survey.refresh_from_db()
    assert survey.answered_at is None
    page: Any = strict.get(url(token))
    csrf = page.cookies["csrftoken"].value
    r = strict.post(url(token), {**answer(), "csrfmiddlewaretoken": csrf})
    assert r.status_code == 302
