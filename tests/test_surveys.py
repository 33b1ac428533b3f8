"""Satisfaction surveys that close the loop (TD3, ED6 step 5): a playbook asks for one
after a resolution, the deadline sends it through the outbox in the customer's
language, the customer answers once through a secret link, and the answer reaches the
playbook as ``survey.answered``. On SQLite and on PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from ladder.cases import actions as case_actions
from ladder.cases.models import Case, Task, TimelineEvent
from ladder.deadlines.actions import fire_due_deadlines
from ladder.deadlines.models import Deadline, Firing
from ladder.delivery.actions import deliver_due
from ladder.delivery.models import Delivery
from ladder.errors import Invalid, NotFound
from ladder.playbooks.validation import check
from ladder.surveys import queries
from ladder.surveys.actions import SEND, AlreadyAnswered, Expired, answer_survey
from ladder.surveys.models import Band, Survey, band_of
from tests.conftest import Api, Org, new_case
from tests.survey_setup import (
    chinese_school,
    family,
    install_survey_playbook,
    resolve,
    sent_survey,
    token_in,
    two_hours_later,
)
from tests.worker_app.peers import Mailbox, smtp_server


@pytest.fixture
def acme_surveys(acme: Org) -> Org:
    install_survey_playbook(acme)
    return acme


@pytest.fixture
def mailbox(settings: Any) -> Iterator[Mailbox]:
    with smtp_server() as (port, box):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        settings.LADDER_EMAIL_ENABLED = True
        yield box


def timeline_kinds(case: Case) -> list[str]:
    return list(TimelineEvent.objects.filter(case=case).values_list("kind", flat=True))


# --- sending ---------------------------------------------------------------------------


def test_a_resolution_schedules_a_survey_the_deadline_sends_two_hours_later(
    acme_surveys: Org, english: None
) -> None:
    """TD3, ED6: after resolution, with the delay the playbook sets, the customer's
    primary contact gets an NPS and CSAT survey by e-mail with a link that expires."""
    o = acme_surveys
    case = new_case(o, customer_id=family(o).pk)
    resolve(o, case)
    deadline = Deadline.objects.get(kind=SEND, target_id=case.pk)
    assert dt.timedelta(hours=2) - (deadline.due_at - timezone.now()) < dt.timedelta(minutes=1)
    assert "engine.survey_scheduled" in timeline_kinds(case)
    assert fire_due_deadlines() == 0, "nothing goes out before the delay"
    assert not Survey.objects.exists()

    at = two_hours_later()
    assert fire_due_deadlines(now=at) == 1
    survey = Survey.objects.get(case=case)
    assert survey.email == "parent@example.com"  # the primary contact, not the first
    assert survey.customer_id == case.customer_id
    assert survey.language == "en"
    assert (survey.sent_at, survey.expires_at) == (at, at + dt.timedelta(days=14))
    assert survey.answered_at is None
    assert survey.rule.endswith(": survey_after_resolution")
    mail = Delivery.objects.get(idempotency_key=f"survey:{survey.pk}")
    assert (mail.channel, mail.to, mail.case_id) == ("email", "parent@example.com", case.pk)
    assert mail.subject == f"How did we do? Your case {case.reference}"
    assert f"{settings.LADDER_PUBLIC_URL}/s/" in mail.body
    sent = TimelineEvent.objects.get(case=case, kind="survey.sent")
    assert sent.data["survey_id"] == survey.pk
    assert sent.actor_rule == survey.rule


def test_the_token_is_random_and_kept_only_as_a_digest(acme_surveys: Org) -> None:
    """TD3: the link's token carries at least 128 random bits and the database holds
    only its SHA-256 digest."""
    survey, token = sent_survey(acme_surveys)
    _other, other_token = sent_survey(acme_surveys)
    assert len(token) >= 43  # 32 bytes in URL-safe base64
    assert token != other_token
    assert survey.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Survey.objects.filter(pk=survey.pk).values().get())
    assert not TimelineEvent.objects.filter(data__icontains=token).exists()


def test_a_case_reopened_before_the_delay_gets_no_survey(acme_surveys: Org) -> None:
    """TD3: the survey follows a resolution that held; reopened in the meantime, the
    deadline fires stale and nothing is sent. The next resolution asks again."""
    o = acme_surveys
    case = new_case(o, customer_id=family(o).pk)
    resolve(o, case)
    version = Case.objects.get(pk=case.pk).version
    case_actions.transition_case(
        actor=o.actor(o.manager), case_id=case.pk, expected_version=version, to="in_progress"
    )
    first = Deadline.objects.get(kind=SEND, target_id=case.pk)
    assert fire_due_deadlines(now=two_hours_later()) == 1
    assert Firing.objects.get(deadline=first).outcome == "stale"
    assert not Survey.objects.exists()
    assert not Delivery.objects.exists()

    # Resolved again, then reopened and resolved once more before the delay: only the
    # latest resolution's survey goes out.
    version = Case.objects.get(pk=case.pk).version
    case_actions.transition_case(
        actor=o.actor(), case_id=case.pk, expected_version=version, to="resolved"
    )
    fire_due_deadlines(now=two_hours_later() + dt.timedelta(hours=2))
    assert Survey.objects.filter(case=case).count() == 1


def test_a_customer_without_an_e_mail_address_gets_no_survey_and_the_timeline_says_why(
    acme_surveys: Org,
) -> None:
    """TD3: nobody to write to is recorded on the case, not silently dropped."""
    o = acme_surveys
    case = new_case(o)  # the cast's customer has no contacts
    resolve(o, case)
    fire_due_deadlines(now=two_hours_later())
    assert not Survey.objects.exists()
    [note] = TimelineEvent.objects.filter(case=case, kind="survey.not_sent")
    assert "e-mail" in note.data["reason"]


def test_the_survey_e_mail_arrives_through_smtp_with_its_link(
    acme_surveys: Org, mailbox: Mailbox
) -> None:
    """TD3: the e-mail goes through the outbox to a real SMTP server, once."""
    _survey, token = sent_survey(acme_surveys)
    assert deliver_due() == 1
    assert deliver_due(now=two_hours_later()) == 0
    [message] = mailbox.messages
    assert message["To"] == "parent@example.com"
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    body = payload.decode()
    assert token_in(body) == token
    assert f"/s/{token}/" in body


def test_the_e_mail_speaks_the_customers_language(db: None) -> None:
    """TD3 "in the customer's language": customers and contacts carry no language, so
    a zh-hans organization's customers get their survey in Chinese (docs/surveys.md)."""
    o = chinese_school()
    install_survey_playbook(o)
    survey, _token = sent_survey(o)
    assert survey.language == "zh-hans"
    mail = Delivery.objects.get(idempotency_key=f"survey:{survey.pk}")
    # The expiry date is written the Chinese way (Django's zh-hans date format).
    assert f"{survey.expires_at.astimezone(o.org.zone).year}年" in mail.body


# --- answering -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nps", "band"),
    [
        (0, "detractor"),
        (6, "detractor"),
        (7, "passive"),
        (8, "passive"),
        (9, "promoter"),
        (10, "promoter"),
    ],
)
def test_the_band_follows_the_nps_convention(nps: int, band: str) -> None:
    """TD3: 0-6 detractor, 7-8 passive, 9-10 promoter."""
    assert band_of(nps) == Band(band)


def test_an_answer_is_recorded_once_on_the_timeline_and_reaches_the_playbook(
    acme_surveys: Org,
) -> None:
    """TD3, ED6: the answer, its band and comment on the case's timeline; the
    survey.answered rule for detractors gives the customer's owner a follow-up."""
    o = acme_surveys
    survey, token = sent_survey(o)
    answered = answer_survey(token=token, nps=3, csat=2, comment="  The tutor came late.  ")
    assert (answered.nps, answered.csat, answered.band) == (3, 2, "detractor")
    survey.refresh_from_db()
    assert survey.answered_at is not None
    assert survey.comment == "The tutor came late."
    event = TimelineEvent.objects.get(case=survey.case, kind="survey.answered")
    assert event.data == {
        "survey_id": survey.pk,
        "nps": 3,
        "csat": 2,
        "band": "detractor",
        "comment": "The tutor came late.",
    }
    [task] = Task.objects.filter(case=survey.case)
    assert task.assignee_id == o.manager.pk  # the customer's owner
    assert task.title == "Call the unhappy customer"


@pytest.mark.parametrize("nps", [7, 10])
def test_passives_and_promoters_start_no_follow_up(acme_surveys: Org, nps: int) -> None:
    """TD3: only a detractor's answer matches the rule."""
    survey, token = sent_survey(acme_surveys)
    answer_survey(token=token, nps=nps, csat=5, comment="")
    assert not Task.objects.filter(case=survey.case).exists()
    assert TimelineEvent.objects.filter(case=survey.case, kind="survey.answered").exists()


def _snapshot(survey: Survey) -> tuple[Any, ...]:
    fresh = Survey.objects.values().get(pk=survey.pk)
    return (
        tuple(sorted(fresh.items())),
        TimelineEvent.objects.count(),
        Task.objects.count(),
        Case.objects.count(),
    )


def test_a_reused_token_is_refused_and_changes_nothing(acme_surveys: Org) -> None:
    """TD3 / issue 6 bad input: one answer per token; the second is refused."""
    survey, token = sent_survey(acme_surveys)
    answer_survey(token=token, nps=9, csat=5, comment="Great")
    before = _snapshot(survey)
    with pytest.raises(AlreadyAnswered):
        answer_survey(token=token, nps=0, csat=1, comment="Changed my mind")
    assert _snapshot(survey) == before


def test_an_expired_survey_is_refused_and_changes_nothing(acme_surveys: Org) -> None:
    """TD3 / issue 6 bad input: past its expiry a survey takes no answer."""
    survey, token = sent_survey(acme_surveys)
    before = _snapshot(survey)
    with pytest.raises(Expired):
        answer_survey(token=token, nps=2, csat=1, at=survey.expires_at + dt.timedelta(seconds=1))
    assert _snapshot(survey) == before


@pytest.mark.parametrize("token", ["", "x" * 43, "x" * 201])
def test_an_unknown_token_is_not_found(acme_surveys: Org, token: str) -> None:
    """TD3: a token nobody was sent answers nothing."""
    survey, _token = sent_survey(acme_surveys)
    before = _snapshot(survey)
    with pytest.raises(NotFound):
        answer_survey(token=token, nps=5, csat=3)
    assert _snapshot(survey) == before


def test_bad_scores_are_refused_field_by_field(acme_surveys: Org, english: None) -> None:
    """TD3 / issue 6 bad input: scores out of range and an overlong comment are named,
    and the survey stays open."""
    survey, token = sent_survey(acme_surveys)
    before = _snapshot(survey)
    with pytest.raises(Invalid) as refused:
        answer_survey(token=token, nps=11, csat=0, comment="x" * 2001)
    assert [e.field for e in refused.value.errors] == ["nps", "csat", "comment"]
    with pytest.raises(Invalid) as missing:
        answer_survey(token=token, nps=None, csat=None)
    assert [e.field for e in missing.value.errors] == ["nps", "csat"]
    assert _snapshot(survey) == before
    answer_survey(token=token, nps=10, csat=5)


# --- reading ---------------------------------------------------------------------------


def test_the_net_promoter_score_is_promoters_minus_detractors_in_one_query(
    acme_surveys: Org, other: Org, django_assert_num_queries: Any
) -> None:
    """TD2, TD3: the organization's NPS for reports, from its own answers only."""
    for nps in (10, 9, 9, 7, 2):
        _survey, token = sent_survey(acme_surveys)
        answer_survey(token=token, nps=nps, csat=4)
    sent_survey(acme_surveys)  # not answered: not counted
    install_survey_playbook(other)
    _survey, token = sent_survey(other)
    answer_survey(token=token, nps=0, csat=1)
    with django_assert_num_queries(1):
        score = queries.net_promoter_score(organization=acme_surveys.org)
    assert (score.answers, score.promoters, score.passives, score.detractors) == (5, 3, 1, 1)
    assert str(score.score) == "40.0"
    assert queries.net_promoter_score(organization=other.org).score == -100
    later = timezone.now() + dt.timedelta(days=1)
    assert queries.net_promoter_score(organization=acme_surveys.org, since=later).score is None


def test_the_api_lists_a_customers_surveys_and_reads_a_cases(
    acme_surveys: Org, api: Api, django_assert_num_queries: Any
) -> None:
    """TD3: surveys and answers through the API, newest first, queries pinned."""
    o = acme_surveys
    customer = family(o)
    first, token = sent_survey(o, customer)
    answer_survey(token=token, nps=4, csat=2, comment="Slow")
    second, _ = sent_survey(o, customer)
    api.get("me")  # the token's first use updates its last_used: not part of the count
    with django_assert_num_queries(3):  # the token, the customer, the surveys with cases
        r = api.get(f"customers/{customer.pk}/surveys")
    assert r.status_code == 200
    body = r.json()
    assert [s["id"] for s in body] == [second.pk, first.pk]
    assert body[1]["band"] == "detractor"
    assert body[1]["comment"] == "Slow"
    assert body[1]["case"] == first.case.reference
    assert body[0]["answered_at"] is None
    assert "token" not in body[0]
    assert "token_hash" not in body[0]

    r = api.get(f"cases/{first.case_id}/survey")
    assert r.status_code == 200
    assert (r.json()["id"], r.json()["nps"]) == (first.pk, 4)
    unsurveyed = new_case(o)
    assert api.get(f"cases/{unsurveyed.pk}/survey").status_code == 404


# --- the playbook format -----------------------------------------------------------------


def test_the_playbook_validates_survey_rules(db: None, english: None) -> None:
    """TD3: send_survey takes durations; survey.answered narrows by band and offers
    the scores as event.* to conditions."""
    good = """
playbook: s
title: S
tiers: [{level: 1, name: Agent, role: agent}]
rules:
  - name: ask
    when: case.status_changed
    with: {to: resolved}
    do: [{send_survey: {after: 1d, expires_in: 2w}}]
  - name: low_csat
    when: survey.answered
    with: {band: passive}
    if: {field: event.csat, op: lte, value: 2}
    do: [{set_severity: high}]
"""
    assert check(good, filename="s.yaml").ok
    bad = good.replace("band: passive", "band: angry").replace("event.csat", "event.mood")
    problems = [str(f) for f in check(bad, filename="s.yaml").problems]
    assert any("angry" in p for p in problems), problems
    assert any("event.mood" in p for p in problems), problems
    never = good.replace("expires_in: 2w", "expires_in: 0s")
    assert not check(never, filename="s.yaml").ok
