"""My work and the queues: what a staff member has to do, and the team and tier queues
with their filters, paging, bulk assign and "take"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ladder.cases.actions import assign_case
from ladder.cases.models import Case, Kind, Severity
from ladder.cases.queries import SORTS, CaseFilters, list_cases
from ladder.cases.states import Status
from ladder.cases.worklists import (
    QueueChoices,
    case_holders,
    my_work,
    queue_choices,
    queue_overview,
)
from ladder.errors import Forbidden, Invalid, NotFound, StaleVersion
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Staff
from ladder.tenancy.permissions import Permission
from ladder.web.desk import desk_view, field_errors
from ladder.web.views.health import money_at_risk_card

PAGE_SIZE = 50

# The model choices carry English labels; the desk shows translated ones.
STATUS_LABELS: dict[str, Promise] = {
    Status.NEW: gettext_lazy("New"),
    Status.IN_PROGRESS: gettext_lazy("In progress"),
    Status.AWAITING_CUSTOMER: gettext_lazy("Awaiting customer"),
    Status.AWAITING_APPROVAL: gettext_lazy("Awaiting approval"),
    Status.RESOLVED: gettext_lazy("Resolved"),
    Status.CLOSED: gettext_lazy("Closed"),
}
KIND_LABELS: dict[str, Promise] = {
    Kind.COMPLAINT: gettext_lazy("Complaint"),
    Kind.ESCALATION: gettext_lazy("Escalation"),
    Kind.LEADERSHIP_REQUEST: gettext_lazy("Leadership request"),
    Kind.CANCELLATION: gettext_lazy("Cancellation"),
    Kind.REFUND: gettext_lazy("Refund"),
    Kind.DOWNGRADE: gettext_lazy("Downgrade"),
    Kind.LEVEL_CHANGE: gettext_lazy("Level change"),
}
SEVERITY_LABELS: dict[str, Promise] = {
    Severity.LOW: gettext_lazy("Low"),
    Severity.MEDIUM: gettext_lazy("Medium"),
    Severity.HIGH: gettext_lazy("High"),
    Severity.CRITICAL: gettext_lazy("Critical"),
}
SORT_LABELS: dict[str, Promise] = {
    "-created_at": gettext_lazy("Newest first"),
    "created_at": gettext_lazy("Oldest first"),
    "-updated_at": gettext_lazy("Recently updated first"),
    "updated_at": gettext_lazy("Least recently updated first"),
}
assert set(SORT_LABELS) == set(SORTS)

# The status filter's two values beyond the statuses themselves.
OPEN_STATUSES = "open"
ANY_STATUS = "any"
# The owner filter's values beyond a staff member's id.
NOBODY = "none"
ME = "me"


def _staff(actor: Actor) -> Staff:
    if actor.staff is None:  # desk_view only lets staff in
        raise PermissionDenied
    return actor.staff


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not getattr(htmx, "history_restore_request", False)


@dataclass(frozen=True)
class CaseView:
    """A case with its labels in the reader's language."""

    case: Case
    status: Promise
    kind: Promise
    severity: Promise
    can_take: bool = False


def _case_view(case: Case, *, can_take: bool = False) -> CaseView:
    return CaseView(
        case=case,
        status=STATUS_LABELS[case.status],
        kind=KIND_LABELS[case.kind],
        severity=SEVERITY_LABELS[case.severity],
        can_take=can_take,
    )


# --- My work -------------------------------------------------------------------------


@require_GET
@desk_view
def my_work_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    work = my_work(staff=_staff(actor), now=timezone.now())

    def labelled(rows: list[Any]) -> list[tuple[Any, CaseView]]:
        return [(row, _case_view(row.case)) for row in rows]

    return render(
        request,
        "web/my_work.html",
        {
            "work": work,
            "escalations": labelled(work.escalations.rows),
            "cases": labelled(work.cases.rows),
            "unowned": labelled(work.unowned.rows),
            "money_at_risk": money_at_risk_card(actor),
        },
    )


# --- queues --------------------------------------------------------------------------


@dataclass
class QueueQuery:
    """The queue's filters as the page's form sent them, checked against the
    organization's own teams, tiers and staff."""

    values: dict[str, str]
    filters: CaseFilters
    sort: str
    cursor: str | None
    errors: dict[str, list[str]] = field(default_factory=dict)


def _int(value: str) -> int | None:
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


def _parse_queue(params: Mapping[str, str], actor: Actor, choices: QueueChoices) -> QueueQuery:
    values = {
        name: params.get(name, "").strip()
        for name in ("team", "tier", "status", "kind", "category", "severity", "owner", "q")
    }
    values["status"] = values["status"] or OPEN_STATUSES
    values["sort"] = params.get("sort", "") or "-created_at"
    errors: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    team_id = None
    if values["team"] and values["team"] != NOBODY:
        team_id = _int(values["team"])
        # Another organization's team is a team that does not exist, here as everywhere.
        if team_id is None or team_id not in {t.pk for t in choices.teams}:
            raise NotFound("team")
    tier = None
    if values["tier"]:
        tier = _int(values["tier"])
        if tier is None or tier not in {t.level for t in choices.tiers}:
            refuse("tier", _("Choose a tier of your organization's ladder."))
    status = values["status"]
    if status not in (OPEN_STATUSES, ANY_STATUS, *Status.values):
        refuse("status", _("Choose a status from the list."))
    if values["kind"] and values["kind"] not in Kind.values:
        refuse("kind", _("Choose a kind from the list."))
    if values["severity"] and values["severity"] not in Severity.values:
        refuse("severity", _("Choose a severity from the list."))
    if len(values["category"]) > 100:
        refuse("category", _("Choose a category from the list."))
    owner_id = None
    owner = values["owner"]
    if owner == ME:
        owner_id = _staff(actor).pk
    elif owner and owner != NOBODY:
        owner_id = _int(owner)
        if owner_id is None or owner_id not in {s.pk for s in choices.staff}:
            raise NotFound("staff member")
    if len(values["q"]) > 200:
        refuse("q", _("Search for at most 200 characters."))
    if values["sort"] not in SORTS:
        refuse("sort", _("Choose an order from the list."))
    filters = CaseFilters(
        team_id=team_id,
        tier=tier,
        status=status if status in Status.values else None,
        open_only=status == OPEN_STATUSES,
        kind=values["kind"] or None,
        category=values["category"] or None,
        severity=values["severity"] or None,
        owner_id=owner_id,
        unowned=owner == NOBODY,
        no_team=values["team"] == NOBODY,
        q=values["q"] or None,
    )
    return QueueQuery(
        values=values,
        filters=filters,
        sort=values["sort"],
        cursor=params.get("cursor") or None,
        errors=errors,
    )


@dataclass
class AssignResult:
    reference: str
    outcome: str  # assigned, unchanged, stale, forbidden, not_found, invalid
    message: str


def _render_queue(
    request: HttpRequest,
    actor: Actor,
    params: QueryDict,
    *,
    results: list[AssignResult] | None = None,
    bulk_errors: dict[str, list[str]] | None = None,
    bulk_values: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    org = actor.organization
    choices = queue_choices(organization=org)
    query = _parse_queue(params, actor, choices)
    page = None
    if not query.errors:
        try:
            page = list_cases(
                organization=org,
                filters=query.filters,
                sort=query.sort,
                cursor=query.cursor,
                limit=PAGE_SIZE,
            )
        except Invalid as exc:
            query.errors.update(field_errors(exc.errors))
    if query.errors and status == 200:
        status = 422
    can_assign = actor.can(Permission.CASE_ASSIGN)
    can_take = actor.can(Permission.CASE_EDIT)
    rows = [
        _case_view(c, can_take=can_take and c.owner_id is None and c.status not in _CLOSED_STATUSES)
        for c in (page.items if page else [])
    ]
    filter_values = {k: v for k, v in query.values.items() if v}
    next_query = (
        urlencode({**filter_values, "cursor": page.next_cursor})
        if page and page.next_cursor
        else None
    )
    context = {
        "query": query,
        "errors": query.errors,
        "choices": choices,
        "rows": rows,
        "next_query": next_query,
        "first_query": urlencode(filter_values),
        "paged": bool(query.cursor),
        "this_query": params.urlencode(),
        "can_assign": can_assign,
        "results": results or [],
        "bulk_errors": bulk_errors or {},
        "bulk_values": bulk_values or {},
        "statuses": [(s, STATUS_LABELS[s]) for s in Status.values],
        "kinds": [(k, KIND_LABELS[k]) for k in Kind.values],
        "severities": [(s, SEVERITY_LABELS[s]) for s in Severity.values],
        "sorts": list(SORT_LABELS.items()),
        "open_statuses": OPEN_STATUSES,
        "any_status": ANY_STATUS,
        "nobody": NOBODY,
        "me": ME,
    }
    if _is_htmx(request) and request.method == "GET":
        response = render(request, "web/queues.html#results", context, status=status)
    else:
        context["overview"] = queue_overview(
            organization=org, teams=choices.teams, tiers=choices.tiers
        )
        response = render(request, "web/queues.html", context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


_CLOSED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})


@require_GET
@desk_view
def queues_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    try:
        return _render_queue(request, actor, request.GET)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _posted_versions(request: HttpRequest, case_ids: list[int]) -> dict[int, int | None]:
    return {cid: _int(request.POST.get(f"version-{cid}", "")) for cid in case_ids}


@require_POST
@desk_view
def bulk_assign(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Assigns each ticked case to the chosen owner and/or team, one case at a time:
    each case is assigned or not as a whole, and the page says which."""
    if not actor.can(Permission.CASE_ASSIGN):
        raise PermissionDenied
    org = actor.organization
    ticked = (_int(v) for v in request.POST.getlist("case"))
    case_ids = list(dict.fromkeys(cid for cid in ticked if cid is not None))
    versions = _posted_versions(request, case_ids)
    owner_raw = request.POST.get("owner", "").strip()
    team_raw = request.POST.get("team", "").strip()
    bulk_values = {"owner": owner_raw, "team": team_raw}
    errors: dict[str, list[str]] = {}
    owner_id = _int(owner_raw) if owner_raw else None
    team_id = _int(team_raw) if team_raw else None
    if owner_raw and owner_id is None:
        errors["owner"] = [_("Choose an owner from the list.")]
    if team_raw and team_id is None:
        errors["team"] = [_("Choose a team from the list.")]
    if not owner_raw and not team_raw:
        errors["owner"] = [_("Choose an owner or a team (or both) to assign.")]
    if not case_ids:
        errors["case"] = [_("Tick at least one case to assign.")]
    results: list[AssignResult] = []
    if not errors:
        holders = case_holders(organization=org, case_ids=case_ids)
        for cid in case_ids:
            holder = holders.get(cid)
            if holder is None:
                results.append(AssignResult(str(cid), "not_found", _("not found")))
                continue
            result = _assign_one(
                actor,
                cid,
                holder.reference,
                versions[cid],
                owner_id=owner_id if owner_raw else holder.owner_id,
                team_id=team_id if team_raw else holder.team_id,
                errors=errors,
            )
            results.append(result)
    params = _queue_params(request)
    try:
        return _render_queue(
            request,
            actor,
            params,
            results=results,
            bulk_errors=errors,
            bulk_values=bulk_values,
            status=422 if errors else 200,
        )
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _assign_one(
    actor: Actor,
    case_id: int,
    reference: str,
    version: int | None,
    *,
    owner_id: int | None,
    team_id: int | None,
    errors: dict[str, list[str]],
) -> AssignResult:
    stale = _("changed since you loaded the page; it is shown as it is now, try again")
    if version is None:
        return AssignResult(reference, "stale", stale)
    try:
        case = assign_case(
            actor=actor,
            case_id=case_id,
            expected_version=version,
            owner_id=owner_id,
            team_id=team_id,
        )
    except StaleVersion:
        return AssignResult(reference, "stale", stale)
    except Forbidden:
        return AssignResult(reference, "forbidden", _("not allowed for your role"))
    except NotFound:
        return AssignResult(reference, "not_found", _("not found"))
    except Invalid as exc:
        # The owner or the team is not one of the organization's: the same for every
        # case, so it is shown next to its field.
        for e in exc.errors:
            name = {"owner_id": "owner", "team_id": "team"}.get(e.field, e.field)
            if e.message not in errors.get(name, []):
                errors.setdefault(name, []).append(e.message)
        return AssignResult(reference, "invalid", _("not assigned"))
    if case.version == version:
        return AssignResult(reference, "unchanged", _("already assigned so"))
    return AssignResult(reference, "assigned", _("assigned"))


def _queue_params(request: HttpRequest) -> QueryDict:
    """The queue's filters a POST came from: its own query string."""
    return request.GET


@require_POST
@desk_view
def take_case(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Takes a case nobody owns for oneself; its team stays. Then on to the case."""
    staff = _staff(actor)
    case_id = _int(request.POST.get("take", ""))
    if case_id is None:
        raise Http404("case")
    holder = case_holders(organization=actor.organization, case_ids=[case_id]).get(case_id)
    if holder is None:
        raise Http404("case")
    version = _posted_versions(request, [case_id])[case_id]
    try:
        assign_case(
            actor=actor,
            case_id=case_id,
            expected_version=version if version is not None else 0,
            owner_id=staff.pk,
            team_id=holder.team_id,
        )
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except StaleVersion:
        result = AssignResult(
            holder.reference,
            "stale",
            _("changed since you loaded the page; it is shown as it is now, try again"),
        )
        try:
            return _render_queue(request, actor, _queue_params(request), results=[result])
        except NotFound as exc:
            raise Http404(str(exc)) from exc
    return HttpResponseRedirect(f"/cases/{case_id}/", status=303)
