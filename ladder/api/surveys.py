"""/api/v1/customers/{id}/surveys and /api/v1/cases/{id}/survey: the satisfaction
surveys sent after resolutions and their answers (read only; customers answer on the
public page)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema

from ladder.api.auth import actor_of
from ladder.api.http import responses
from ladder.surveys import queries
from ladder.surveys.models import Survey

router = Router(tags=["surveys"])


class SurveyOut(Schema):
    id: int
    case_id: int
    case: str
    customer_id: int
    email: str
    language: str
    sent_at: dt.datetime
    expires_at: dt.datetime
    answered_at: dt.datetime | None
    nps: int | None
    csat: int | None
    band: Literal["detractor", "passive", "promoter"] | None
    comment: str


def survey_out(survey: Survey) -> SurveyOut:
    return SurveyOut(
        id=survey.pk,
        case_id=survey.case_id,
        case=survey.case.reference,
        customer_id=survey.customer_id,
        email=survey.email,
        language=survey.language,
        sent_at=survey.sent_at,
        expires_at=survey.expires_at,
        answered_at=survey.answered_at,
        nps=survey.nps,
        csat=survey.csat,
        band=survey.band or None,  # type: ignore[arg-type]
        comment=survey.comment,
    )


@router.get(
    "/customers/{customer_id}/surveys",
    response=responses({200: list[SurveyOut]}, 404),
    summary="List a customer's surveys, newest first",
)
def list_customer_surveys(request: HttpRequest, customer_id: int) -> list[SurveyOut]:
    rows = queries.surveys_of_customer(
        organization=actor_of(request).organization, customer_id=customer_id
    )
    return [survey_out(s) for s in rows]


@router.get(
    "/cases/{case_id}/survey",
    response=responses({200: SurveyOut}, 404),
    summary="Read a case's newest survey (404 if none was sent)",
)
def get_case_survey(request: HttpRequest, case_id: int) -> SurveyOut:
    survey = queries.survey_of_case(organization=actor_of(request).organization, case_id=case_id)
    return survey_out(survey)
