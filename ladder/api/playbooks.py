"""/api/v1: the playbook's state of a case and the use cases the desk starts from it
(answers EB4, checklist ED6, the customer's escalation request MT1/MT6 and rejection
MT8, live handoffs EB3, approvals MT5/ED5), and the caller's notifications."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Field, Router, Schema
from ninja.responses import Status as Reply
from pydantic import StringConstraints

from ladder.api.auth import actor_of
from ladder.api.http import etag, responses
from ladder.api.schemas import CaseOut, case_out
from ladder.cases import actions as case_actions
from ladder.cases.queries import get_case
from ladder.delivery.actions import mark_notification_read
from ladder.delivery.models import Notification
from ladder.errors import Conflict, NotFound
from ladder.playbooks import actions, queries
from ladder.playbooks.library import playbook_of
from ladder.playbooks.models import CaseState, Handoff
from ladder.tenancy.actors import Actor

router = Router(tags=["playbooks"])

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Reason = Annotated[str, StringConstraints(max_length=2_000)]


# --- schemas ---------------------------------------------------------------------------


class ClockOut(Schema):
    name: str
    label: str
    measure: str
    status: str
    due_at: dt.datetime | None = Field(description="when the promise breaks (time clocks)")
    warn_at: dt.datetime | None = Field(description="when the next warning falls due")
    warned: bool
    breached: bool
    breached_at: dt.datetime | None
    target_sessions: int | None
    sessions_left: str | None = Field(description="lesson clocks: lessons left, as a decimal")


class DutyOut(Schema):
    name: str
    label: str
    kind: str
    status: str
    done: int
    needed: int
    due_at: dt.datetime | None
    overdue: bool
    missed: int


class ChecklistItemOut(Schema):
    key: str
    label: str
    done: bool
    by: str


class ChecklistOut(Schema):
    name: str
    label: str
    items: list[ChecklistItemOut]
    before: list[str] = Field(description="statuses the case may not move to until all are done")


class QuestionOut(Schema):
    key: str
    label: str
    required: bool
    choices: list[str]
    answer: str
    required_by: str = Field(description="the rule's own words, when a rule requires it")


class ApprovalOut(Schema):
    id: int
    case_id: int
    name: str
    label: str
    status: str
    amount: str | None
    currency: str | None
    waiting_for: str = Field(description="the role whose decision is awaited")
    first_decided_by: str
    requested_at: dt.datetime
    can_decide: bool = Field(description="whether the caller holds the awaited role")


class HandoffOptionOut(Schema):
    name: str
    label: str


class HandoffOut(Schema):
    id: int
    case_id: int
    name: str
    label: str
    status: str
    step: int
    steps: int
    skill: str = Field(description="the skill ringing now (or last)")
    requested_by: str
    requested_at: dt.datetime
    expires_at: dt.datetime
    accepted_by: str = Field(description="who took the case, once accepted")
    ended_at: dt.datetime | None


class RequirementOut(Schema):
    fields: list[str]
    before: list[str]
    message: str
    rule: str


class ReviewOut(Schema):
    list: str
    reason: str
    added_at: dt.datetime
    reviewed_at: dt.datetime | None


class CasePlaybookOut(Schema):
    case_id: int
    version: str
    title: str
    category: str
    script: str = Field(description="what to read out to the customer (EB5)")
    questions: list[QuestionOut]
    clocks: list[ClockOut]
    duties: list[DutyOut]
    checklists: list[ChecklistOut]
    approvals: list[ApprovalOut]
    handoff_options: list[HandoffOptionOut]
    handoff: HandoffOut | None
    requirements: list[RequirementOut]
    reviews: list[ReviewOut]


class AnswersIn(Schema):
    answers: dict[Key, Reason] = Field(description="question key → answer")


class ChecklistTickIn(Schema):
    checklist: Key
    item: Key
    done: bool = True


class ReasonIn(Schema):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2_000)]


class HandoffIn(Schema):
    handoff: Key = Field(description="the name of a handoff the case's playbook defines")


class DecisionIn(Schema):
    decision: Literal["approve", "deny"]
    reason: Reason = Field("", description="required to deny")


class NotificationOut(Schema):
    id: int
    text: str
    case_id: int | None
    case_reference: str | None
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    unread: int


# --- converters --------------------------------------------------------------------------


def _approval(view: queries.ApprovalView) -> ApprovalOut:
    return ApprovalOut(
        id=view.id,
        case_id=view.case_id,
        name=view.name,
        label=view.label,
        status=view.status,
        amount=view.amount,
        currency=view.currency,
        waiting_for=view.waiting_for,
        first_decided_by=view.first_decided_by,
        requested_at=view.requested_at,
        can_decide=view.can_decide,
    )


def _handoff(view: queries.HandoffView, case_id: int) -> HandoffOut:
    return HandoffOut(case_id=case_id, **{k: getattr(view, k) for k in _HANDOFF_FIELDS})


_HANDOFF_FIELDS = (
    "id",
    "name",
    "label",
    "status",
    "step",
    "steps",
    "skill",
    "requested_by",
    "requested_at",
    "expires_at",
    "accepted_by",
    "ended_at",
)


def _playbook(actor: Actor, case_id: int) -> CasePlaybookOut:
    case = get_case(organization=actor.organization, case_id=case_id)
    book = queries.case_playbook(case=case, viewer=actor.staff, language=get_language())
    if book is None:
        raise Conflict("this case runs under no playbook", current="")
    return CasePlaybookOut(
        case_id=case.pk,
        version=book.version,
        title=book.title,
        category=book.category,
        script=book.script,
        questions=[QuestionOut(**q.__dict__) for q in book.questions],
        clocks=[
            ClockOut(
                name=c.name,
                label=c.label,
                measure=c.measure,
                status=c.status,
                due_at=c.due_at,
                warn_at=c.warn_at,
                warned=c.warned,
                breached=c.breached,
                breached_at=c.breached_at,
                target_sessions=c.target_sessions,
                sessions_left=str(c.sessions_left) if c.sessions_left is not None else None,
            )
            for c in book.clocks
        ],
        duties=[
            DutyOut(
                name=d.name,
                label=d.label,
                kind=d.kind,
                status=d.status,
                done=d.done,
                needed=d.needed,
                due_at=d.due_at,
                overdue=d.overdue,
                missed=d.missed,
            )
            for d in book.duties
        ],
        checklists=[
            ChecklistOut(
                name=c.name,
                label=c.label,
                items=[
                    ChecklistItemOut(key=i.key, label=i.label, done=i.done, by=i.by)
                    for i in c.items
                ],
                before=c.before,
            )
            for c in book.checklists
        ],
        approvals=[_approval(a) for a in book.approvals],
        handoff_options=[
            HandoffOptionOut(name=h.name, label=h.label) for h in book.handoff_options
        ],
        handoff=_handoff(book.handoff, case.pk) if book.handoff else None,
        requirements=[RequirementOut(**r.__dict__) for r in book.requirements],
        reviews=[ReviewOut(**r.__dict__) for r in book.reviews],
    )


# --- the case's playbook -----------------------------------------------------------------


@router.get(
    "/cases/{case_id}/playbook",
    response=responses({200: CasePlaybookOut}, 404, 409),
    summary="The playbook's state of a case",
)
def get_playbook(request: HttpRequest, case_id: Id) -> CasePlaybookOut:
    """Clocks, duties, checklists, the category's script and questions, approvals, the
    live handoff, requirements and review lists. 409 if the case runs under no
    playbook."""
    return _playbook(actor_of(request), case_id)


@router.post(
    "/cases/{case_id}/answers",
    response=responses({200: CasePlaybookOut}, 403, 404, 409),
    summary="Record answers to the category's questions",
)
def post_answers(request: HttpRequest, case_id: Id, body: AnswersIn) -> CasePlaybookOut:
    """EB4. A key the category (or a rule) does not ask for is refused with 422."""
    actor = actor_of(request)
    actions.answer_questions(actor=actor, case_id=case_id, answers=dict(body.answers))
    return _playbook(actor, case_id)


@router.post(
    "/cases/{case_id}/checklist",
    response=responses({200: CasePlaybookOut}, 403, 404, 409),
    summary="Tick or untick a checklist item",
)
def post_checklist(request: HttpRequest, case_id: Id, body: ChecklistTickIn) -> CasePlaybookOut:
    """ED6: e.g. the five key actions of complaint handling."""
    actor = actor_of(request)
    actions.tick_checklist_item(
        actor=actor, case_id=case_id, checklist=body.checklist, item=body.item, done=body.done
    )
    return _playbook(actor, case_id)


@router.post(
    "/cases/{case_id}/request-escalation",
    response=responses({200: CaseOut}, 403, 404, 409),
    summary="The customer asks for an escalation",
)
def post_request_escalation(
    request: HttpRequest, response: HttpResponse, case_id: Id, body: ReasonIn
) -> CaseOut:
    """MT1, MT6: recorded with the reason; the playbook decides what follows."""
    actor = actor_of(request)
    case_actions.request_escalation(actor=actor, case_id=case_id, reason=body.reason)
    case = get_case(organization=actor.organization, case_id=case_id)
    response["ETag"] = etag(case.version)
    return case_out(case)


@router.post(
    "/cases/{case_id}/reject-resolution",
    response=responses({200: CaseOut}, 403, 404, 409),
    summary="The customer rejects the resolution",
)
def post_reject_resolution(
    request: HttpRequest, response: HttpResponse, case_id: Id, body: ReasonIn
) -> CaseOut:
    """MT8: recorded with the reason; the playbook decides what follows."""
    actor = actor_of(request)
    case_actions.reject_resolution(actor=actor, case_id=case_id, reason=body.reason)
    case = get_case(organization=actor.organization, case_id=case_id)
    response["ETag"] = etag(case.version)
    return case_out(case)


# --- live handoffs -----------------------------------------------------------------------


def _handoff_reply(actor: Actor, handoff_id: int) -> HandoffOut:
    row = (
        Handoff.objects.filter(organization=actor.organization, pk=handoff_id)
        .select_related("skill", "requested_by", "accepted_by")
        .first()
    )
    if row is None:
        raise NotFound("handoff")
    found = CaseState.objects.select_related("version").filter(case_id=row.case_id).first()
    book = playbook_of(found.version) if found else None
    return _handoff(queries.handoff_view(row, book, get_language()), row.case_id)


@router.post(
    "/cases/{case_id}/handoffs",
    response=responses({201: HandoffOut}, 403, 404, 409),
    summary="Ask for a live handoff",
)
def post_handoff(request: HttpRequest, case_id: Id, body: HandoffIn) -> Reply[HandoffOut]:
    """EB3: the available members of the first skill are alerted; nobody within the
    timeout → the next skill; nobody there → the playbook's fallback."""
    actor = actor_of(request)
    handoff = actions.request_handoff(actor=actor, case_id=case_id, handoff=body.handoff)
    return Reply(201, _handoff_reply(actor, handoff.pk))


@router.get(
    "/handoffs/{handoff_id}",
    response=responses({200: HandoffOut}, 404),
    summary="A live handoff as it is now",
)
def get_handoff(request: HttpRequest, handoff_id: Id) -> HandoffOut:
    """Poll it to see who accepted, or that the fallback ran."""
    return _handoff_reply(actor_of(request), handoff_id)


@router.post(
    "/handoffs/{handoff_id}/accept",
    response=responses({200: HandoffOut}, 403, 404, 409),
    summary="Accept a live handoff",
)
def post_accept(request: HttpRequest, handoff_id: Id) -> HandoffOut:
    """The first member of the ringing skill to accept takes the case; a later one
    gets 409 naming who did."""
    actor = actor_of(request)
    actions.accept_handoff(actor=actor, handoff_id=handoff_id)
    return _handoff_reply(actor, handoff_id)


# --- approvals ---------------------------------------------------------------------------


@router.get(
    "/approvals",
    response=responses({200: list[ApprovalOut]}),
    summary="Approvals: all, or those awaiting your roles",
)
def list_approvals(request: HttpRequest, pending: bool = False) -> list[ApprovalOut]:
    """`pending=true`: the approvals awaiting one of your roles, oldest first;
    otherwise the organization's approvals, newest first (at most 100)."""
    actor = actor_of(request)
    language = get_language()
    if pending and actor.staff is not None:
        views = queries.pending_approvals(staff=actor.staff, language=language)
    else:
        views = queries.approvals_of(
            organization=actor.organization, language=language, viewer=actor.staff
        )
    return [_approval(v) for v in views]


@router.post(
    "/approvals/{approval_id}/decide",
    response=responses({200: ApprovalOut}, 403, 404, 409),
    summary="Approve or deny",
)
def decide(request: HttpRequest, approval_id: Id, body: DecisionIn) -> ApprovalOut:
    """MT5, ED5: only the awaited role decides; a denial needs its reason. Above the
    playbook's limit a first approval leaves it pending for the second role."""
    actor = actor_of(request)
    approval = actions.decide_approval(
        actor=actor, approval_id=approval_id, approve=body.decision == "approve", reason=body.reason
    )
    views = queries.approvals_of(
        organization=actor.organization,
        language=get_language(),
        viewer=actor.staff,
        ids=[approval.pk],
    )
    return _approval(views[0])


# --- notifications -----------------------------------------------------------------------


def _notification(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.pk,
        text=n.text,
        case_id=n.case_id,
        case_reference=n.case.reference if n.case is not None else None,
        created_at=n.created_at,
        read_at=n.read_at,
    )


@router.get(
    "/notifications",
    response=responses({200: NotificationPageOut}),
    summary="Your notifications, newest first",
)
def list_notifications(request: HttpRequest, unread: bool = False) -> NotificationPageOut:
    """At most 50; `unread=true` for the unread ones only."""
    actor = actor_of(request)
    if actor.staff is None:
        return NotificationPageOut(items=[], unread=0)
    listing = queries.notifications_of(staff=actor.staff, unread_only=unread)
    return NotificationPageOut(
        items=[_notification(n) for n in listing.items], unread=listing.unread
    )


@router.post(
    "/notifications/{notification_id}/read",
    response=responses({200: NotificationOut}, 404),
    summary="Mark a notification read",
)
def read_notification(request: HttpRequest, notification_id: Id) -> NotificationOut:
    actor = actor_of(request)
    if actor.staff is None:
        raise NotFound("notification")
    mark_notification_read(
        staff_id=actor.staff.pk, notification_id=notification_id, at=timezone.now()
    )
    row = Notification.objects.select_related("case").get(pk=notification_id)
    return _notification(row)
