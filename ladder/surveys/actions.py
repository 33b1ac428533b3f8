"""Sending a survey after a resolution and taking its answer.

A playbook rule asks for a survey when a case is resolved (``schedule_survey``, inside
the engine's transaction): that writes a deadline. When the worker fires it, the survey
is created and its e-mail goes into the outbox, unless the case was reopened meanwhile.
The customer answers once on the public page (``answer_survey``); the answer is recorded
on the case's timeline and handed to the playbook as ``survey.answered``, so a rule can
open a follow-up case for a detractor (TD3, ED6 step 5)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ladder.cases.actions import record
from ladder.cases.events import CaseEvent, emit
from ladder.cases.models import Case, TimelineEvent
from ladder.cases.states import Status
from ladder.customers.models import Contact
from ladder.deadlines.actions import schedule_deadline
from ladder.deadlines.models import Deadline
from ladder.deadlines.registry import deadline_handler
from ladder.delivery.actions import enqueue_delivery
from ladder.errors import Conflict, FieldError, Invalid, NotFound
from ladder.surveys.models import MAX_COMMENT, Survey, band_of
from ladder.tenancy.actors import Actor
from ladder.timeutil import require_aware

SEND = "survey.send"
# What the timeline names as the actor of an answer: the customer, through the link.
ANSWER_ACTOR = "survey link"
MAX_TOKEN = 200


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_link(token: str) -> str:
    """The public address of a survey, on the site named by LADDER_PUBLIC_URL."""
    base: str = settings.LADDER_PUBLIC_URL
    return base.rstrip("/") + reverse("web:survey", kwargs={"token": token})


# --- asking --------------------------------------------------------------------------


def schedule_survey(
    *,
    case: Case,
    rule: str,
    at: dt.datetime,
    after: dt.timedelta,
    expires_in: dt.timedelta,
) -> Deadline:
    """Asks for a survey of this case ``after`` the resolution at ``at``; runs inside
    the caller's transaction (the engine's, on ``case.status_changed``)."""
    if after < dt.timedelta(0) or expires_in <= dt.timedelta(0):
        raise ValueError("a survey's delay is not negative and its expiry is positive")
    at = require_aware(at, "at")
    return schedule_deadline(
        organization_id=case.organization_id,
        kind=SEND,
        target_id=case.pk,
        case_id=case.pk,
        due_at=at + after,
        payload={
            "rule": rule,
            "resolved_at": at.isoformat(),
            "expires_in": int(expires_in.total_seconds()),
        },
    )


@deadline_handler(SEND)
def send_due_surveys(deadlines: list[Deadline], now: dt.datetime) -> None:
    for deadline in deadlines:
        send_survey(deadline=deadline, now=now)


def _address_of(case: Case) -> str:
    """The e-mail address of the customer's primary contact, else of the first contact
    that has one."""
    email: str | None = (
        Contact.objects.filter(customer_id=case.customer_id)
        .exclude(email="")
        .order_by("-is_primary", "name", "id")
        .values_list("email", flat=True)
        .first()
    )
    return email or ""


def send_survey(*, deadline: Deadline, now: dt.datetime) -> Survey | None:
    """Creates the survey a deadline asked for and puts its e-mail in the outbox; for
    the deadline handler, inside the firing transaction. A case reopened since the
    resolution (or not resolved any more) gets none: the deadline is stale."""
    case = (
        Case.objects.select_for_update()
        .select_related("organization", "customer")
        .filter(pk=deadline.target_id)
        .first()
    )
    resolved_at = dt.datetime.fromisoformat(str(deadline.payload["resolved_at"]))
    if case is None or case.status not in (Status.RESOLVED, Status.CLOSED):
        deadline.mark_stale()
        return None
    reopened = TimelineEvent.objects.filter(
        case=case, kind="case.reopened", created_at__gt=resolved_at
    ).exists()
    if reopened:
        deadline.mark_stale()
        return None
    organization = case.organization
    actor = Actor.engine(organization, rule=str(deadline.payload.get("rule", "")))
    email = _address_of(case)
    if not email:
        record(
            case=case,
            actor=actor,
            kind="survey.not_sent",
            at=now,
            data={"reason": "the customer has no contact with an e-mail address"},
        )
        return None
    # The customer's language: customers and contacts carry none, so the organization's
    # (see docs/surveys.md).
    language = str(organization.locale)
    token = secrets.token_urlsafe(32)  # 256 bits
    survey = Survey.objects.create(
        organization=organization,
        case=case,
        customer=case.customer,
        email=email,
        language=language,
        token_hash=token_digest(token),
        rule=actor.rule,
        sent_at=now,
        expires_at=now + dt.timedelta(seconds=int(deadline.payload["expires_in"])),
    )
    with translation.override(language):
        subject = _("How did we do? Your case %(reference)s") % {"reference": case.reference}
        body = render_to_string(
            "surveys/email.txt",
            {
                "organization": organization,
                "customer": case.customer,
                "case": case,
                "link": survey_link(token),
                "expires_at": survey.expires_at.astimezone(organization.zone),
            },
        )
    record(
        case=case,
        actor=actor,
        kind="survey.sent",
        at=now,
        data={
            "survey_id": survey.pk,
            "to": email,
            "language": language,
            "expires_at": survey.expires_at.isoformat(),
        },
    )
    enqueue_delivery(
        organization_id=organization.pk,
        channel="email",
        idempotency_key=f"survey:{survey.pk}",
        case_id=case.pk,
        to=email,
        subject=subject,
        body=body,
    )
    return survey


# --- answering -----------------------------------------------------------------------


class SurveyClosed(Conflict):
    """The survey takes no answer: it was answered already, or it expired."""

    def __init__(self, survey: Survey, *, reason: str, message: str) -> None:
        super().__init__(message, current=reason)
        self.survey = survey
        self.reason = reason


class AlreadyAnswered(SurveyClosed):
    def __init__(self, survey: Survey) -> None:
        super().__init__(
            survey, reason="answered", message=_("this survey has already been answered")
        )


class Expired(SurveyClosed):
    def __init__(self, survey: Survey) -> None:
        super().__init__(survey, reason="expired", message=_("this survey has expired"))


@dataclass(frozen=True)
class Answer:
    nps: int
    csat: int
    comment: str


def _checked(nps: int | None, csat: int | None, comment: str) -> Answer:
    errors: list[FieldError] = []
    if nps is None or isinstance(nps, bool) or not 0 <= nps <= 10:
        errors.append(FieldError("nps", _("choose a score from 0 to 10")))
    if csat is None or isinstance(csat, bool) or not 1 <= csat <= 5:
        errors.append(FieldError("csat", _("choose a rating from 1 to 5")))
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        errors.append(
            FieldError(
                "comment",
                _("is too long: at most %(limit)s characters") % {"limit": f"{MAX_COMMENT:,}"},
            )
        )
    if errors:
        raise Invalid(errors)
    assert nps is not None
    assert csat is not None
    return Answer(nps=nps, csat=csat, comment=comment)


def open_survey(survey: Survey, *, at: dt.datetime) -> None:
    """Raises if the survey takes no answer any more (answered, or expired at ``at``)."""
    if survey.answered_at is not None:
        raise AlreadyAnswered(survey)
    if survey.expires_at <= at:
        raise Expired(survey)


def answer_survey(
    *,
    token: str,
    nps: int | None,
    csat: int | None,
    comment: str = "",
    at: dt.datetime | None = None,
) -> Survey:
    """The customer's one answer to a survey, through its link (no login). An unknown
    token is NotFound; an answered or expired survey is refused with nothing changed; bad
    scores are Invalid. The answer is recorded on the case's timeline and fires the
    ``survey.answered`` trigger with its band, in the same transaction."""
    now = require_aware(at, "at") if at is not None else timezone.now()
    if not token or len(token) > MAX_TOKEN:
        raise NotFound("survey")
    with transaction.atomic(durable=True):
        survey = (
            Survey.objects.select_for_update()
            .select_related("organization")
            .filter(token_hash=token_digest(token))
            .first()
        )
        if survey is None:
            raise NotFound("survey")
        open_survey(survey, at=now)
        answer = _checked(nps, csat, comment)
        band = band_of(answer.nps)
        updated = Survey.objects.filter(pk=survey.pk, answered_at__isnull=True).update(
            answered_at=now, nps=answer.nps, csat=answer.csat, comment=answer.comment, band=band
        )
        if updated != 1:  # pragma: no cover - the row lock makes this unreachable
            raise AlreadyAnswered(survey)
        survey.answered_at, survey.band = now, band
        survey.nps, survey.csat, survey.comment = answer.nps, answer.csat, answer.comment
        case = (
            Case.objects.select_for_update().select_related("organization").get(pk=survey.case_id)
        )
        actor = Actor.engine(survey.organization, rule=ANSWER_ACTOR)
        data = {"survey_id": survey.pk, "nps": answer.nps, "csat": answer.csat, "band": band.value}
        record(
            case=case,
            actor=actor,
            kind="survey.answered",
            at=now,
            data={**data, "comment": answer.comment},
        )
        emit(CaseEvent(case=case, trigger="survey.answered", actor=actor, at=now, data=data))
    return survey
