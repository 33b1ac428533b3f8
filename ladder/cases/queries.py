"""Reads that several interfaces share: the case list with keyset (cursor) paging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Q, QuerySet

from ladder.cases.models import Case, Interaction, Task, TimelineEvent
from ladder.cases.states import OPEN
from ladder.errors import Invalid, NotFound
from ladder.paging import Page, keyset_page, keyset_rows
from ladder.tenancy.models import Organization

SortName = Literal["-created_at", "created_at", "-updated_at", "updated_at"]

# sort name -> keyset order (one direction, ending in the unique id)
SORTS: dict[str, tuple[str, ...]] = {
    "-created_at": ("-created_at", "-id"),
    "created_at": ("created_at", "id"),
    "-updated_at": ("-updated_at", "-id"),
    "updated_at": ("updated_at", "id"),
}


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None
    tier: int | None = None
    owner_id: int | None = None
    team_id: int | None = None
    kind: str | None = None
    category: str | None = None
    customer_id: int | None = None
    unowned: bool = False
    q: str | None = None
    severity: str | None = None
    open_only: bool = False  # any of the open statuses (states.OPEN)
    no_team: bool = False  # cases no team has yet, such as the public form's


def _filtered_cases(organization: Organization, f: CaseFilters, sort: str) -> QuerySet[Case]:
    if sort not in SORTS:
        raise Invalid.field("sort", f"must be one of {', '.join(SORTS)}")
    exact = {
        "status": f.status,
        "tier": f.tier,
        "owner_id": f.owner_id,
        "team_id": f.team_id,
        "kind": f.kind,
        "category": f.category,
        "customer_id": f.customer_id,
        "severity": f.severity,
    }
    qs = Case.objects.filter(organization=organization).filter(
        **{k: v for k, v in exact.items() if v is not None}
    )
    if f.unowned:
        qs = qs.filter(owner__isnull=True)
    if f.no_team:
        qs = qs.filter(team__isnull=True)
    if f.open_only:
        qs = qs.filter(status__in=OPEN)
    if f.q and f.q.strip():
        term = f.q.strip()
        qs = qs.filter(
            Q(reference__iexact=term)
            | Q(subject__icontains=term)
            | Q(description__icontains=term)
            | Q(customer__name__icontains=term)
        )
    return qs


def list_cases(
    *,
    organization: Organization,
    filters: CaseFilters,
    sort: str = "-created_at",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Case]:
    """One page of the organization's cases, filtered and sorted, as models."""
    qs = _filtered_cases(organization, filters, sort).select_related("customer", "owner", "team")
    return keyset_page(qs, order=SORTS[sort], cursor=cursor, limit=limit)


# The columns of a case-list row; also what the list's one query selects.
CASE_ROW_COLUMNS = (
    "id",
    "reference",
    "kind",
    "channel",
    "status",
    "severity",
    "tier",
    "subject",
    "category",
    "customer_id",
    "customer__name",
    "owner_id",
    "owner__display_name",
    "team_id",
    "team__name",
    "money_at_stake",
    "money_at_stake_currency",
    "created_at",
    "updated_at",
)


def list_case_rows(
    *,
    organization: Organization,
    filters: CaseFilters,
    sort: str = "-created_at",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[dict[str, Any]]:
    """The same page as :func:`list_cases` as plain rows (``CASE_ROW_COLUMNS``): the
    API's hot path, one narrow query and no model instances."""
    qs = _filtered_cases(organization, filters, sort).values(*CASE_ROW_COLUMNS)
    return keyset_rows(qs, order=SORTS[sort], cursor=cursor, limit=limit)


def get_case(*, organization: Organization, case_id: int) -> Case:
    case = (
        Case.objects.select_related("customer", "owner", "team", "created_by")
        .filter(organization=organization, pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound("case")
    return case


def _case_exists(organization: Organization, case_id: int) -> None:
    if not Case.objects.filter(organization=organization, pk=case_id).exists():
        raise NotFound("case")


def case_timeline(
    *, organization: Organization, case_id: int, cursor: str | None = None, limit: int = 100
) -> Page[TimelineEvent]:
    _case_exists(organization, case_id)
    qs = TimelineEvent.objects.filter(case_id=case_id).select_related("actor_token")
    return keyset_page(qs, order=("id",), cursor=cursor, limit=limit)


def case_interactions(
    *, organization: Organization, case_id: int, cursor: str | None = None, limit: int = 100
) -> Page[Interaction]:
    _case_exists(organization, case_id)
    qs = Interaction.objects.filter(case_id=case_id).select_related("author")
    return keyset_page(qs, order=("occurred_at", "id"), cursor=cursor, limit=limit)


@dataclass(frozen=True)
class TaskFilters:
    assignee_id: int | None = None
    case_id: int | None = None
    done: bool | None = None


def list_tasks(
    *, organization: Organization, filters: TaskFilters, cursor: str | None, limit: int
) -> Page[Task]:
    """Tasks sorted by what is due first."""
    exact = {"assignee_id": filters.assignee_id, "case_id": filters.case_id, "done": filters.done}
    qs = Task.objects.filter(organization=organization).filter(
        **{k: v for k, v in exact.items() if v is not None}
    )
    qs = qs.select_related("assignee", "case")
    return keyset_page(qs, order=("due_at", "id"), cursor=cursor, limit=limit)


def get_task(*, organization: Organization, task_id: int) -> Task:
    task = (
        Task.objects.select_related("assignee", "case")
        .filter(organization=organization, pk=task_id)
        .first()
    )
    if task is None:
        raise NotFound("task")
    return task
