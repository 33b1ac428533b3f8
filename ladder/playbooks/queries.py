"""Reads that several interfaces share: playbook versions, and what the playbook holds
for one case right now (clocks, duties, checklists, the category's script and
questions, approvals, the live handoff, requirements, review lists), the approvals
awaiting a staff member's roles, the live handoffs ringing for a staff member, and
their notifications. Each costs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Min

from ladder.cases.models import Case, TimelineEvent
from ladder.deadlines.models import Deadline
from ladder.delivery.models import Notification
from ladder.errors import NotFound
from ladder.playbooks.clocks import WARNING
from ladder.playbooks.format import Playbook, Text
from ladder.playbooks.library import playbook_of
from ladder.playbooks.models import (
    AccountDecision,
    Approval,
    ApprovalStatus,
    CaseState,
    Clock,
    ClockStatus,
    Duty,
    DutyStatus,
    Handoff,
    HandoffStatus,
    PlaybookVersion,
    ReviewEntry,
)
from ladder.tenancy.models import Availability, Organization, Role, Staff

# The most notifications one page or reply lists; older ones are a page away.
NOTIFICATIONS_LIMIT = 50
# The most approvals one reply lists.
APPROVALS_LIMIT = 100


def _text(value: Text | None, language: str) -> str:
    return value.get(language) if value is not None else ""


@dataclass(frozen=True)
class ClockView:
    name: str
    label: str
    measure: str
    status: str
    # Time clocks: when the promise breaks, and when the first warning falls due
    # (None once warned, or with no warning left to give).
    due_at: dt.datetime | None
    warn_at: dt.datetime | None
    warned: bool
    breached: bool
    breached_at: dt.datetime | None
    # Lesson clocks: lessons promised and lessons left (may be below zero).
    target_sessions: int | None
    sessions_left: Decimal | None
    rule: str


@dataclass(frozen=True)
class DutyView:
    name: str
    label: str
    kind: str
    status: str
    done: int
    needed: int
    due_at: dt.datetime | None
    overdue: bool
    overdue_since: dt.datetime | None
    missed: int


@dataclass(frozen=True)
class ChecklistItemView:
    key: str
    label: str
    done: bool
    by: str
    at: str


@dataclass(frozen=True)
class ChecklistView:
    name: str
    label: str
    items: list[ChecklistItemView]
    # The statuses the case may not move to until every item is ticked.
    before: list[str]

    @property
    def complete(self) -> bool:
        return all(i.done for i in self.items)


@dataclass(frozen=True)
class QuestionView:
    """Something to gather (EB4): a question of the concern category, or an answer a
    rule requires before a status (e.g. the churn code, MT2)."""

    key: str
    label: str
    required: bool
    choices: list[str]
    answer: str
    # The rule's own words when a rule requires it, else "".
    required_by: str = ""


@dataclass(frozen=True)
class ApprovalView:
    id: int
    case_id: int
    name: str
    label: str
    status: str
    amount: str | None
    currency: str | None
    waiting_for: str
    waiting_for_label: str
    first_decided_by: str
    requested_at: dt.datetime
    # Whether the viewer holds the role whose decision is awaited.
    can_decide: bool


@dataclass(frozen=True)
class HandoffOption:
    name: str
    label: str


@dataclass(frozen=True)
class HandoffView:
    id: int
    name: str
    label: str
    status: str
    step: int
    steps: int
    skill: str
    requested_by: str
    requested_at: dt.datetime
    expires_at: dt.datetime
    accepted_by: str
    ended_at: dt.datetime | None

    @property
    def ringing(self) -> bool:
        return self.status == HandoffStatus.RINGING


@dataclass(frozen=True)
class RequirementView:
    fields: list[str]
    before: list[str]
    message: str
    rule: str


@dataclass(frozen=True)
class ReviewView:
    list: str
    reason: str
    added_at: dt.datetime
    reviewed_at: dt.datetime | None


@dataclass(frozen=True)
class CasePlaybook:
    """What the case's playbook holds for it now, in ``language``."""

    version: str
    title: str
    category: str
    script: str
    questions: list[QuestionView]
    clocks: list[ClockView]
    duties: list[DutyView]
    checklists: list[ChecklistView]
    approvals: list[ApprovalView]
    handoff_options: list[HandoffOption]
    handoff: HandoffView | None
    requirements: list[RequirementView]
    reviews: list[ReviewView]

    @property
    def pending_approvals(self) -> list[ApprovalView]:
        return [a for a in self.approvals if a.status == ApprovalStatus.PENDING]


def _questions(book: Playbook, case: Case, state: CaseState, language: str) -> list[QuestionView]:
    category = book.category(case.category)
    questions = [
        QuestionView(
            key=f.key,
            label=f.label.get(language),
            required=f.required,
            choices=list(f.choices),
            answer=str(state.answers.get(f.key, "")),
        )
        for f in (category.gather if category is not None else [])
    ]
    asked = {q.key: i for i, q in enumerate(questions)}
    for requirement in state.requirements:
        for name in requirement["fields"]:
            scope, _dot, key = name.partition(".")
            if scope != "answers":
                continue
            if key in asked:
                q = questions[asked[key]]
                questions[asked[key]] = QuestionView(
                    key=q.key,
                    label=q.label,
                    required=True,
                    choices=q.choices,
                    answer=q.answer,
                    required_by=requirement["message"],
                )
                continue
            asked[key] = len(questions)
            questions.append(
                QuestionView(
                    key=key,
                    label=key.replace("_", " ").capitalize(),
                    required=True,
                    choices=[],
                    answer=str(state.answers.get(key, "")),
                    required_by=requirement["message"],
                )
            )
    return questions


def _clocks(book: Playbook, case: Case, language: str) -> list[ClockView]:
    from ladder.playbooks.clocks import delivered_sessions

    rows = list(Clock.objects.filter(case=case).order_by("started_at", "id"))
    running = [c.pk for c in rows if c.status == ClockStatus.RUNNING and c.due_at is not None]
    warn_at: dict[int, dt.datetime] = {}
    if running:
        warn_at = dict(
            Deadline.objects.filter(
                kind=WARNING,
                target_id__in=running,
                fired_at__isnull=True,
                cancelled_at__isnull=True,
            )
            .values("target_id")
            .annotate(first=Min("due_at"))
            .values_list("target_id", "first")
        )
    delivered: Decimal | None = None
    if any(c.measure == "sessions" for c in rows):
        delivered = delivered_sessions(case)
    specs = {c.name: c for c in book.clocks}
    views = []
    for clock in rows:
        spec = specs.get(clock.name)
        left: Decimal | None = None
        if clock.measure == "sessions" and delivered is not None:
            assert clock.target_sessions is not None
            used = delivered - (clock.sessions_at_start or Decimal(0))
            left = clock.target_sessions - used
        views.append(
            ClockView(
                name=clock.name,
                label=_text(spec.label if spec else None, language) or clock.name,
                measure=clock.measure,
                status=clock.status,
                due_at=clock.due_at if clock.status == ClockStatus.RUNNING else None,
                warn_at=warn_at.get(clock.pk) if not clock.warned else None,
                warned=bool(clock.warned),
                breached=clock.breached_at is not None,
                breached_at=clock.breached_at,
                target_sessions=clock.target_sessions,
                sessions_left=left,
                rule=clock.rule,
            )
        )
    return views


def _duties(book: Playbook, case: Case, language: str) -> list[DutyView]:
    specs = {d.name: d for d in book.duties}
    return [
        DutyView(
            name=d.name,
            label=_text(specs[d.name].label if d.name in specs else None, language) or d.name,
            kind=d.kind,
            status=d.status,
            done=d.streak,
            needed=d.needed,
            due_at=d.due_at,
            overdue=d.status == DutyStatus.ACTIVE and d.overdue_since is not None,
            overdue_since=d.overdue_since,
            missed=d.missed,
        )
        for d in Duty.objects.filter(case=case).order_by("started_at", "id")
    ]


def _checklists(book: Playbook, state: CaseState, language: str) -> list[ChecklistView]:
    views = []
    for spec in book.checklists:
        ticked = state.checklist.get(spec.name, {})
        views.append(
            ChecklistView(
                name=spec.name,
                label=spec.label.get(language),
                items=[
                    ChecklistItemView(
                        key=i.key,
                        label=i.label.get(language),
                        done=i.key in ticked,
                        by=str(ticked.get(i.key, {}).get("by", "")),
                        at=str(ticked.get(i.key, {}).get("at", "")),
                    )
                    for i in spec.items
                ],
                before=[str(s) for s in spec.before],
            )
        )
    return views


def approval_view(
    approval: Approval, book: Playbook | None, language: str, viewer: Staff | None
) -> ApprovalView:
    spec = next((a for a in book.approvals if a.name == approval.name), None) if book else None
    waiting = approval.waiting_for
    amount = approval.amount
    return ApprovalView(
        id=approval.pk,
        case_id=approval.case_id,
        name=approval.name,
        label=_text(spec.label if spec else None, language) or approval.name,
        status=approval.status,
        amount=f"{amount.amount:.2f}" if amount is not None else None,
        currency=str(amount.currency) if amount is not None else None,
        waiting_for=waiting,
        waiting_for_label=str(Role(waiting).label) if waiting in Role.values else waiting,
        first_decided_by=str(approval.first_decided_by or ""),
        requested_at=approval.requested_at,
        can_decide=(
            approval.status == ApprovalStatus.PENDING
            and viewer is not None
            and waiting in viewer.role_set
        ),
    )


def handoff_view(handoff: Handoff, book: Playbook | None, language: str) -> HandoffView:
    spec = next((h for h in book.handoffs if h.name == handoff.name), None) if book else None
    return HandoffView(
        id=handoff.pk,
        name=handoff.name,
        label=_text(spec.label if spec else None, language) or handoff.name,
        status=handoff.status,
        step=handoff.step,
        steps=len(spec.steps) if spec else handoff.step + 1,
        skill=handoff.skill.name if handoff.skill else "",
        requested_by=str(handoff.requested_by or ""),
        requested_at=handoff.requested_at,
        expires_at=handoff.expires_at,
        accepted_by=str(handoff.accepted_by or ""),
        ended_at=handoff.ended_at,
    )


def last_handoff(*, case: Case, language: str) -> HandoffView | None:
    """The case's latest live handoff (one query; the playbook is cached)."""
    handoff = (
        Handoff.objects.filter(case=case)
        .select_related("skill", "requested_by", "accepted_by")
        .order_by("-requested_at", "-id")
        .first()
    )
    if handoff is None:
        return None
    state = CaseState.objects.select_related("version").filter(case=case).first()
    book = playbook_of(state.version) if state is not None else None
    return handoff_view(handoff, book, language)


def handoff_outcome(*, case: Case, handoff: HandoffView) -> list[TimelineEvent]:
    """What the playbook's fallback did after nobody accepted (a call-back task, a
    notification …), for the agent who asked (EB3). One query."""
    if handoff.status != HandoffStatus.FALLBACK or handoff.ended_at is None:
        return []
    return list(
        TimelineEvent.objects.filter(
            case=case,
            created_at__gte=handoff.ended_at,
            actor_rule__endswith=f": handoff {handoff.name} fallback",
        ).order_by("id")[:20]
    )


def case_playbook(*, case: Case, viewer: Staff | None, language: str) -> CasePlaybook | None:
    """Everything the playbook holds for the case, or None if it runs under none.
    Seven queries at most (the state, clocks, their warnings, duties, approvals, the
    last handoff, review entries) plus one for a lesson clock's delivered lessons; the
    viewer's roles must be loaded (``Staff.role_grants`` prefetched)."""
    state = CaseState.objects.select_related("version").filter(case=case).first()
    if state is None:
        return None
    book = playbook_of(state.version)
    category = book.category(case.category)
    approvals = [
        approval_view(a, book, language, viewer)
        for a in Approval.objects.filter(case=case)
        .select_related("first_decided_by")
        .order_by("-requested_at", "-id")[:20]
    ]
    handoff = (
        Handoff.objects.filter(case=case)
        .select_related("skill", "requested_by", "accepted_by")
        .order_by("-requested_at", "-id")
        .first()
    )
    return CasePlaybook(
        version=state.version.label,
        title=book.title.get(language),
        category=_text(category.label, language) if category else "",
        script=_text(category.script, language) if category else "",
        questions=_questions(book, case, state, language),
        clocks=_clocks(book, case, language),
        duties=_duties(book, case, language),
        checklists=_checklists(book, state, language),
        approvals=approvals,
        handoff_options=[HandoffOption(h.name, h.label.get(language)) for h in book.handoffs],
        handoff=handoff_view(handoff, book, language) if handoff else None,
        requirements=[
            RequirementView(
                fields=list(r["fields"]),
                before=list(r["before"]),
                message=str(r["message"]),
                rule=str(r.get("rule", "")),
            )
            for r in state.requirements
        ],
        reviews=[
            ReviewView(list=r.list, reason=r.reason, added_at=r.added_at, reviewed_at=r.reviewed_at)
            for r in ReviewEntry.objects.filter(case=case).order_by("-added_at", "-id")[:20]
        ],
    )


def pending_approvals(*, staff: Staff, language: str) -> list[ApprovalView]:
    """The approvals in the staff member's organization awaiting one of their roles,
    oldest first (two queries: the approvals, the versions' playbooks are cached)."""
    roles = [str(r) for r in staff.role_set]
    rows = list(
        Approval.objects.filter(organization_id=staff.organization_id, status="pending")
        .select_related("first_decided_by")
        .order_by("requested_at", "id")[: APPROVALS_LIMIT * 2]
    )
    waiting = [a for a in rows if a.waiting_for in roles][:APPROVALS_LIMIT]
    return _with_books(waiting, language, staff)


def approvals_of(
    *,
    organization: Organization,
    language: str,
    viewer: Staff | None,
    ids: list[int] | None = None,
) -> list[ApprovalView]:
    """The organization's approvals (those of ``ids`` if given), newest first."""
    rows_qs = Approval.objects.filter(organization=organization)
    if ids is not None:
        rows_qs = rows_qs.filter(pk__in=ids)
    rows = list(
        rows_qs.select_related("first_decided_by").order_by("-requested_at", "-id")[
            :APPROVALS_LIMIT
        ]
    )
    return _with_books(rows, language, viewer)


def _with_books(rows: list[Approval], language: str, viewer: Staff | None) -> list[ApprovalView]:
    states = {
        s.case_id: s
        for s in CaseState.objects.select_related("version").filter(
            case_id__in={a.case_id for a in rows}
        )
    }
    views = []
    for a in rows:
        state = states.get(a.case_id)
        views.append(
            approval_view(a, playbook_of(state.version) if state else None, language, viewer)
        )
    return views


@dataclass(frozen=True)
class RingingHandoff:
    """A live handoff a staff member is alerted to and may accept now."""

    id: int
    step: int
    case_id: int
    reference: str
    subject: str
    skill: str
    expires_at: dt.datetime


def ringing_for(*, staff: Staff, now: dt.datetime) -> list[RingingHandoff]:
    """The handoffs ringing now for a skill the staff member has, while they are
    available (EB3). One query."""
    if staff.availability != Availability.AVAILABLE:
        return []
    rows = (
        Handoff.objects.filter(
            organization_id=staff.organization_id,
            status=HandoffStatus.RINGING,
            skill__members=staff,
            expires_at__gt=now,
        )
        .select_related("case", "skill")
        .order_by("expires_at", "id")[:20]
    )
    return [
        RingingHandoff(
            id=h.pk,
            step=h.step,
            case_id=h.case_id,
            reference=h.case.reference,
            subject=h.case.subject,
            skill=h.skill.name if h.skill else "",
            expires_at=h.expires_at,
        )
        for h in rows
    ]


@dataclass(frozen=True)
class NotificationList:
    items: list[Notification] = field(default_factory=list)
    unread: int = 0


def unread_count(*, staff: Staff) -> int:
    return Notification.objects.filter(staff=staff, read_at__isnull=True).count()


def notifications_of(
    *, staff: Staff, unread_only: bool = False, limit: int = NOTIFICATIONS_LIMIT
) -> NotificationList:
    """The staff member's notifications, newest first, with their cases (two queries)."""
    rows = Notification.objects.filter(staff=staff).select_related("case")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return NotificationList(
        items=list(rows.order_by("-created_at", "-id")[:limit]), unread=unread_count(staff=staff)
    )


# --- versions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionPage:
    """One version with its source (the active one when no number is asked for, or
    None when none is active) and every version of the organization, newest first."""

    version: PlaybookVersion | None
    history: list[PlaybookVersion]


def version_page(*, organization: Organization, number: int | None = None) -> VersionPage:
    """Two queries: the history without sources, then the one version's source."""
    history = list(
        PlaybookVersion.objects.filter(organization=organization)
        .defer("source")
        .order_by("-number")
    )
    chosen = next(
        (v for v in history if (v.number == number if number is not None else v.is_active)),
        None,
    )
    if chosen is None:
        if number is not None:
            raise NotFound("playbook version")
        return VersionPage(None, history)
    version = PlaybookVersion.objects.get(pk=chosen.pk)
    return VersionPage(version, history)


def account_decisions(*, customer_id: int, limit: int = 20) -> list[AccountDecision]:
    """What the account rules did for a customer, newest first (one query)."""
    return list(
        AccountDecision.objects.select_related("case", "task", "program", "version")
        .filter(customer_id=customer_id)
        .order_by("-at", "-id")[:limit]
    )
