"""The survey answers on the customer page (TD3: scores appear on the customer page):
the latest NPS and CSAT, each answer with its date, band and comment and a link to its
case, at a query count that does not grow with the answers."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ladder.customers.models import Customer
from ladder.surveys.actions import answer_survey
from tests.conftest import Org
from tests.survey_setup import family, install_survey_playbook, sent_survey

XSS = "<script>alert(1)</script>"


def page_of(o: Org, customer: Customer) -> str:
    client = Client()
    client.force_login(o.agent.user)
    r = client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    return r.content.decode()


def test_the_customer_page_shows_the_latest_scores_and_every_answer(
    acme: Org, english: None
) -> None:
    """TD3: latest NPS and CSAT, each answer with band, comment and its case."""
    install_survey_playbook(acme)
    customer = family(acme)
    first, token = sent_survey(acme, customer)
    answer_survey(token=token, nps=3, csat=2, comment=f"Tutor was late {XSS}")
    second, token = sent_survey(acme, customer)
    answer_survey(token=token, nps=9, csat=5, comment="Much better now")
    sent_survey(acme, customer)  # not answered yet: not shown
    page = page_of(acme, customer)
    assert "Survey answers" in page
    assert '<dd data-latest-nps>9 <span class="badge band-promoter">Promoter</span></dd>' in page
    assert "<dd data-latest-csat>5 / 5</dd>" in page
    assert page.index("Much better now") < page.index("Tutor was late")
    assert "Detractor" in page
    assert XSS not in page
    assert "&lt;script&gt;" in page
    for survey in (first, second):
        assert f'href="/cases/{survey.case_id}/">{survey.case.reference}</a>' in page


def test_a_customer_without_answers_says_so(acme: Org, english: None) -> None:
    assert "No survey answers yet." in page_of(acme, acme.customer)


def test_the_answers_cost_one_query_however_many(acme: Org) -> None:
    """Fast: one query for the answers with their cases, for 1 or 10 answers."""
    install_survey_playbook(acme)
    few, many = family(acme, name="Few"), family(acme, name="Many")
    for customer, n in ((few, 1), (many, 10)):
        for _ in range(n):
            _survey, token = sent_survey(acme, customer)
            answer_survey(token=token, nps=7, csat=4)
    client = Client()
    client.force_login(acme.agent.user)

    def count(customer: Customer) -> int:
        client.get(f"/customers/{customer.pk}/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/customers/{customer.pk}/").status_code == 200
        return len(ctx.captured_queries)

    assert count(few) == count(many)
