"""Reads behind the desk's work lists: a staff member's own work (their tasks, their open
cases, the escalations handed to them, their teams' cases nobody owns) and the queues'
overview of open cases per team and tier. Each read is a fixed number of queries
whatever the number of cases; the queue's list itself is :func:`queries.list_cases`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from ladder.cases.models import Case, Task, TimelineEvent
from ladder.cases.states import OPEN
from ladder.tenancy.models import Organization, Staff, Team, Tier

# Each list on My work shows at most this many rows, the most urgent first.
MY_WORK_LIMIT = 100


@dataclass(frozen=True)
class DueTask:
    task: Task
    overdue: bool


@dataclass(frozen=True)
class DueCase:
    """An open case with what makes it due: the earliest due time among its open tasks
    (whoever they are for), or, without one, its last update."""

    case: Case
    next_task_due: dt.datetime | None
    overdue: bool
    # The escalation that handed the case to its owner (only on My work's escalations).
    escalation: TimelineEvent | None = None


@dataclass(frozen=True)
class Worklist:
    rows: list[Any]
    more: bool  # there are more rows than the page shows


@dataclass(frozen=True)
class MyWork:
    escalations: Worklist  # of DueCase
    tasks: Worklist  # of DueTask
    cases: Worklist  # of DueCase: my other open cases
    unowned: Worklist  # of DueCase: my teams' open cases that nobody owns


def _due_ordered(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Annotates ``next_task_due`` and sorts what is due first: by the earliest open
    task, else by the last update (the case untouched longest comes first)."""
    next_task = (
        Task.objects.filter(case=OuterRef("pk"), done=False).order_by("due_at").values("due_at")[:1]
    )
    return (
        qs.annotate(next_task_due=Subquery(next_task))
        .annotate(due_key=Coalesce(F("next_task_due"), F("updated_at")))
        .select_related("customer", "team", "owner")
        .order_by("due_key", "id")
    )


def _due_case(case: Case, now: dt.datetime, escalation: TimelineEvent | None = None) -> DueCase:
    due: dt.datetime | None = getattr(case, "next_task_due", None)
    return DueCase(
        case=case,
        next_task_due=due,
        overdue=due is not None and due < now,
        escalation=escalation,
    )


def my_work(*, staff: Staff, now: dt.datetime, limit: int = MY_WORK_LIMIT) -> MyWork:
    """What ``staff`` has to do, each list sorted by what is due first. Five queries."""
    org_id = staff.organization_id
    tasks = list(
        Task.objects.filter(organization_id=org_id, assignee=staff, done=False)
        .select_related("case")
        .order_by("due_at", "id")[: limit + 1]
    )

    # An escalation was handed to me when the case's latest escalation left it with an
    # owner and nobody has changed the owner since: so the owner, me, came with it.
    last_escalation = (
        TimelineEvent.objects.filter(case=OuterRef("pk"), kind="case.escalated")
        .order_by("-id")
        .values("id")[:1]
    )
    owner_changed_since = TimelineEvent.objects.filter(
        case=OuterRef("pk"),
        kind="case.assigned",
        field="owner",
        id__gt=OuterRef("last_escalation_id"),
    )
    mine = (
        Case.objects.filter(organization_id=org_id, owner=staff, status__in=OPEN)
        .annotate(last_escalation_id=Subquery(last_escalation))
        .annotate(owner_changed_since=Exists(owner_changed_since))
    )
    handed_to_me = Q(last_escalation_id__isnull=False, owner_changed_since=False)
    handed = list(_due_ordered(mine.filter(handed_to_me))[: limit + 1])
    others = list(_due_ordered(mine.exclude(handed_to_me))[: limit + 1])
    escalation_ids = [getattr(c, "last_escalation_id", None) for c in handed]
    events = {
        e.pk: e for e in TimelineEvent.objects.filter(organization_id=org_id, pk__in=escalation_ids)
    }

    unowned = list(
        _due_ordered(
            Case.objects.filter(
                organization_id=org_id,
                owner__isnull=True,
                status__in=OPEN,
                team__members=staff,
            )
        )[: limit + 1]
    )

    def worklist(rows: list[Any]) -> Worklist:
        return Worklist(rows=rows[:limit], more=len(rows) > limit)

    return MyWork(
        escalations=worklist(
            [_due_case(c, now, events.get(getattr(c, "last_escalation_id", 0))) for c in handed]
        ),
        tasks=worklist([DueTask(task=t, overdue=t.due_at < now) for t in tasks]),
        cases=worklist([_due_case(c, now) for c in others]),
        unowned=worklist([_due_case(c, now) for c in unowned]),
    )


# --- queues --------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueChoices:
    """What the queue's filters and bulk assign offer: the organization's own teams,
    tiers, staff and the concern categories in use."""

    teams: list[Team]
    tiers: list[Tier]
    staff: list[Staff]
    categories: list[str]


def queue_choices(*, organization: Organization) -> QueueChoices:
    """Four queries."""
    categories = (
        Case.objects.filter(organization=organization)
        .exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )
    return QueueChoices(
        teams=list(Team.objects.filter(organization=organization).order_by("name", "id")),
        tiers=list(Tier.objects.filter(organization=organization).order_by("level")),
        staff=list(
            Staff.objects.filter(organization=organization)
            .only("id", "display_name", "organization_id")
            .order_by("display_name", "id")
        ),
        categories=list(categories),
    )


@dataclass(frozen=True)
class QueueCell:
    tier: Tier
    open: int
    unowned: int


@dataclass(frozen=True)
class QueueRow:
    team: Team | None  # None: cases that no team holds
    cells: list[QueueCell]
    open: int
    unowned: int


def queue_overview(
    *, organization: Organization, teams: list[Team], tiers: list[Tier]
) -> list[QueueRow]:
    """Open cases per team and tier, and how many of them nobody owns: the volume
    that reached each level (IN3). One query."""
    counts: dict[tuple[int | None, int], tuple[int, int]] = {
        (row["team_id"], row["tier"]): (row["open"], row["unowned"])
        for row in Case.objects.filter(organization=organization, status__in=OPEN)
        .values("team_id", "tier")
        .annotate(open=Count("id"), unowned=Count("id", filter=Q(owner__isnull=True)))
        .order_by()
    }
    rows = []
    for team in [*teams, None]:
        team_id = team.pk if team is not None else None
        cells = [QueueCell(tier, *counts.get((team_id, tier.level), (0, 0))) for tier in tiers]
        if team is None and not any(c.open for c in cells):
            continue
        rows.append(
            QueueRow(
                team=team,
                cells=cells,
                open=sum(c.open for c in cells),
                unowned=sum(c.unowned for c in cells),
            )
        )
    return rows


@dataclass(frozen=True)
class CaseHolder:
    """Who holds a case now: what bulk assign keeps when it changes only the other."""

    reference: str
    owner_id: int | None
    team_id: int | None


def case_holders(*, organization: Organization, case_ids: list[int]) -> dict[int, CaseHolder]:
    """The organization's cases among ``case_ids``; ids of other organizations are
    simply absent. One query."""
    return {
        row["id"]: CaseHolder(row["reference"], row["owner_id"], row["team_id"])
        for row in Case.objects.filter(organization=organization, pk__in=case_ids).values(
            "id", "reference", "owner_id", "team_id"
        )
    }
