"""/api/v1: churn codes (MT2): the organization's taxonomy and its versions, a case's
codes, and which case kinds need codes before they close."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Field, Router, Schema
from ninja.responses import Status as Reply
from pydantic import StringConstraints

from ladder.api.auth import actor_of
from ladder.api.http import responses
from ladder.cases.models import Kind
from ladder.churn import actions, queries
from ladder.churn.taxonomy import KEY_PATTERN, MAX_ITEMS, MAX_LABEL, label_in

router = Router(tags=["churn codes"])

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_LABEL)]


# --- schemas ---------------------------------------------------------------------------


class LabelIO(Schema):
    en: Text
    zh_hans: Text = Field(description="Simplified Chinese")


class SecondaryIO(Schema):
    key: Key
    label: LabelIO


class ReasonIO(Schema):
    key: Key
    label: LabelIO
    secondary: list[SecondaryIO] = Field(max_length=MAX_ITEMS)


class CategoryIO(Schema):
    key: Key
    label: LabelIO
    reasons: list[ReasonIO] = Field(max_length=MAX_ITEMS)


class TaxonomyIn(Schema):
    categories: list[CategoryIO] = Field(max_length=MAX_ITEMS)


class TaxonomyOut(Schema):
    version: int = Field(description="the version in force; cases record codes against it")
    published_at: dt.datetime | None = Field(
        description="null while the shipped default has not been written yet"
    )
    published_by: str
    categories: list[CategoryIO]


class CodesIn(Schema):
    category: Key
    reason: Key
    secondary: list[Key] = Field(default_factory=list, max_length=MAX_ITEMS)


class CodeOut(Schema):
    key: str
    label: str = Field(description="in the caller's language (Accept-Language)")
    en: str
    zh_hans: str


class CodesOut(Schema):
    taxonomy_version: int = Field(description="the taxonomy version the codes were chosen from")
    category: CodeOut
    reason: CodeOut
    secondary: list[CodeOut]
    set_by: str
    set_at: dt.datetime


class CaseChurnOut(Schema):
    case_id: int
    required: bool = Field(description="whether the case's kind needs codes before closing")
    codes: CodesOut | None


class RequiredKindsIO(Schema):
    kinds: list[Kind] = Field(description="case kinds that need churn codes before closing")


# --- converters --------------------------------------------------------------------------


def _taxonomy(taxonomy: queries.Taxonomy) -> TaxonomyOut:
    return TaxonomyOut.model_validate(
        {
            "version": taxonomy.version,
            "published_at": taxonomy.published_at,
            "published_by": taxonomy.published_by,
            "categories": taxonomy.categories,
        }
    )


def _code(code: queries.Code, language: str) -> CodeOut:
    return CodeOut(
        key=code.key,
        label=label_in(code.label, language),
        en=code.label["en"],
        zh_hans=code.label["zh_hans"],
    )


def _case_churn(view: queries.CaseChurn) -> CaseChurnOut:
    language = get_language() or "en"
    codes = view.codes
    return CaseChurnOut(
        case_id=view.case_id,
        required=view.required,
        codes=CodesOut(
            taxonomy_version=codes.taxonomy_version,
            category=_code(codes.category, language),
            reason=_code(codes.reason, language),
            secondary=[_code(s, language) for s in codes.secondary],
            set_by=codes.set_by,
            set_at=codes.set_at,
        )
        if codes is not None
        else None,
    )


# --- routes ------------------------------------------------------------------------------


@router.get(
    "/churn-codes/taxonomy",
    response=responses({200: TaxonomyOut}),
    summary="The churn-code taxonomy in force",
)
def get_taxonomy(request: HttpRequest) -> TaxonomyOut:
    """MT2: category → reason → secondary reasons, with the version number. Until an
    admin publishes one, the shipped default is version 1."""
    return _taxonomy(queries.current_taxonomy(organization=actor_of(request).organization))


@router.post(
    "/churn-codes/taxonomy",
    response=responses({201: TaxonomyOut}, 403),
    summary="Publish a new taxonomy version",
)
def post_taxonomy(request: HttpRequest, body: TaxonomyIn) -> Reply[TaxonomyOut]:
    """Admins (`configure`). Publishes an immutable new version; closed cases keep the
    codes and labels they were given. Keys are stable identifiers; every label needs
    English and Simplified Chinese; every reason offers at least one secondary
    reason. A tree equal to the current version is refused (422)."""
    actor = actor_of(request)
    actions.publish_taxonomy(actor=actor, tree=body.model_dump(mode="json")["categories"])
    return Reply(201, _taxonomy(queries.current_taxonomy(organization=actor.organization)))


@router.get(
    "/churn-codes/required-kinds",
    response=responses({200: RequiredKindsIO}),
    summary="The case kinds that need churn codes before closing",
)
def get_required_kinds(request: HttpRequest) -> RequiredKindsIO:
    org = actor_of(request).organization
    return RequiredKindsIO.model_validate({"kinds": queries.required_kinds(organization_id=org.pk)})


@router.put(
    "/churn-codes/required-kinds",
    response=responses({200: RequiredKindsIO}, 403),
    summary="Choose the case kinds that need churn codes before closing",
)
def put_required_kinds(request: HttpRequest, body: RequiredKindsIO) -> RequiredKindsIO:
    """Admins (`configure`). The default is escalation, cancellation, refund and
    downgrade."""
    chosen = actions.set_required_kinds(
        actor=actor_of(request), kinds=[str(k.value) for k in body.kinds]
    )
    return RequiredKindsIO.model_validate({"kinds": chosen})


@router.get(
    "/cases/{case_id}/churn-codes",
    response=responses({200: CaseChurnOut}, 404),
    summary="A case's churn codes",
)
def get_case_churn_codes(request: HttpRequest, case_id: Id) -> CaseChurnOut:
    """The codes as they were chosen (labels of the version they came from), and
    whether the case's kind needs them before closing."""
    actor = actor_of(request)
    return _case_churn(queries.case_churn(organization=actor.organization, case_id=case_id))


@router.put(
    "/cases/{case_id}/churn-codes",
    response=responses({200: CaseChurnOut}, 403, 404, 409),
    summary="Record a case's churn codes",
)
def put_case_churn_codes(request: HttpRequest, case_id: Id, body: CodesIn) -> CaseChurnOut:
    """Chooses from the taxonomy version in force: a category, one of its reasons and
    at least one of that reason's secondary reasons (422 naming `category`, `reason`
    or `secondary.N` otherwise). Replaces earlier codes; recorded on the timeline as
    `churn_codes.set`. A closed case keeps its codes: 409; reopen it first."""
    actor = actor_of(request)
    actions.set_case_churn_codes(
        actor=actor,
        case_id=case_id,
        category=body.category,
        reason=body.reason,
        secondary=list(body.secondary),
    )
    return _case_churn(queries.case_churn(organization=actor.organization, case_id=case_id))
