"""Reads behind the desk's case, customer and new-case pages. Each page costs a fixed
number of queries however long the timeline or the customer's case list is: lists are
bounded, and related rows come in one query per kind, never one per row."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from ladder.cases.models import Case, Interaction, TimelineEvent
from ladder.cases.states import OPEN
from ladder.customers.models import Customer
from ladder.errors import NotFound
from ladder.tenancy.models import Organization, Staff, Team, Tier

# Ids are 64-bit; a larger one names nothing (and databases refuse to compare it).
_ID_MAX = 2**63 - 1

# The most events one page of a case's timeline shows; older ones are a link away.
TIMELINE_LIMIT = 200
# The most cases the customer page lists; the queue filtered by customer has them all.
CUSTOMER_CASES_LIMIT = 20
# The most matches a customer search offers while an agent types.
CUSTOMER_SEARCH_LIMIT = 20


@dataclass(frozen=True)
class TimelineEntry:
    """One event of the timeline, with the interaction it logged, if it logged one."""

    event: TimelineEvent
    interaction: Interaction | None


@dataclass(frozen=True)
class CasePage:
    case: Case
    tiers: dict[int, Tier]
    # Oldest first; at most TIMELINE_LIMIT of them, ending at ``before`` if given.
    timeline: list[TimelineEntry]
    # The id to ask for (``before``) to see the events before these; None at the start.
    earlier: int | None
    # Who a case may be given to: the organization's staff (roles loaded) and teams.
    staff: list[Staff]
    teams: list[Team]


def case_page(
    *,
    organization: Organization,
    case_id: int,
    before: int | None = None,
    limit: int = TIMELINE_LIMIT,
    with_people: bool = True,
) -> CasePage:
    """The case with its customer, owner and team, the organization's ladder, the last
    ``limit`` timeline events (before event ``before``) with their interactions, and —
    when ``with_people`` — the staff and teams the page's forms offer."""
    if not 0 < case_id <= _ID_MAX:
        raise NotFound("case")
    if before is not None and not 0 < before <= _ID_MAX:
        before = None
    case = (
        Case.objects.select_related("customer", "owner", "team")
        .filter(organization=organization, pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound("case")
    tiers = {t.level: t for t in Tier.objects.filter(organization=organization)}
    events_qs = TimelineEvent.objects.filter(case_id=case.pk)
    if before is not None:
        events_qs = events_qs.filter(id__lt=before)
    newest_first = list(events_qs.order_by("-id")[: limit + 1])
    earlier = newest_first[limit - 1].pk if len(newest_first) > limit else None
    events = list(reversed(newest_first[:limit]))
    interaction_ids = [
        e.data["interaction_id"]
        for e in events
        if e.kind == "interaction.logged" and isinstance(e.data.get("interaction_id"), int)
    ]
    interactions: dict[int, Interaction] = {}
    if interaction_ids:
        interactions = {
            i.pk: i
            for i in Interaction.objects.filter(
                case_id=case.pk, pk__in=interaction_ids
            ).select_related("author")
        }
    timeline = [
        TimelineEntry(
            event=e,
            interaction=interactions.get(e.data.get("interaction_id", 0))
            if e.kind == "interaction.logged"
            else None,
        )
        for e in events
    ]
    staff: list[Staff] = []
    teams: list[Team] = []
    if with_people:
        staff = list(
            Staff.objects.filter(organization=organization)
            .prefetch_related("role_grants")
            .order_by("display_name", "id")
        )
        teams = list(Team.objects.filter(organization=organization).order_by("name"))
    return CasePage(
        case=case, tiers=tiers, timeline=timeline, earlier=earlier, staff=staff, teams=teams
    )


@dataclass(frozen=True)
class CustomerPage:
    customer: Customer
    # Newest first, at most CUSTOMER_CASES_LIMIT.
    cases: list[Case]
    more_cases: bool
    tiers: dict[int, Tier]


def customer_page(
    *, organization: Organization, customer_id: int, limit: int = CUSTOMER_CASES_LIMIT
) -> CustomerPage:
    """The customer with contacts, products and programs, and their newest cases."""
    if not 0 < customer_id <= _ID_MAX:
        raise NotFound("customer")
    customer = (
        Customer.objects.select_related("owner")
        .prefetch_related("contacts", "products", "programs")
        .filter(organization=organization, pk=customer_id)
        .first()
    )
    if customer is None:
        raise NotFound("customer")
    rows = list(
        Case.objects.filter(organization=organization, customer_id=customer.pk)
        .select_related("owner", "team")
        .order_by("-created_at", "-id")[: limit + 1]
    )
    tiers = {t.level: t for t in Tier.objects.filter(organization=organization)}
    return CustomerPage(
        customer=customer, cases=rows[:limit], more_cases=len(rows) > limit, tiers=tiers
    )


@dataclass(frozen=True)
class CaseCheck:
    """What an agent taking a call needs before opening a case (EB1): the customer and
    the cases they already have open, most recently updated first."""

    customer: Customer
    open_cases: list[Case]


def open_cases_of(*, organization: Organization, customer_id: int) -> CaseCheck:
    if not 0 < customer_id <= _ID_MAX:
        raise NotFound("customer")
    customer = (
        Customer.objects.prefetch_related("contacts")
        .filter(organization=organization, pk=customer_id)
        .first()
    )
    if customer is None:
        raise NotFound("customer")
    open_cases = list(
        Case.objects.filter(organization=organization, customer_id=customer.pk, status__in=OPEN)
        .select_related("owner")
        .order_by("-updated_at", "-id")
    )
    return CaseCheck(customer=customer, open_cases=open_cases)


@dataclass(frozen=True)
class CustomerMatch:
    id: int
    name: str
    open_cases: int


def search_customers(
    *, organization: Organization, q: str, limit: int = CUSTOMER_SEARCH_LIMIT
) -> list[CustomerMatch]:
    """Customers whose name holds ``q``, by name, with how many open cases each has."""
    term = q.strip()
    if not term:
        return []
    rows = (
        Customer.objects.filter(organization=organization, name__icontains=term)
        .annotate(open_count=Count("cases", filter=Q(cases__status__in=OPEN)))
        .order_by("name", "id")
        .values_list("id", "name", "open_count")[:limit]
    )
    return [CustomerMatch(id=i, name=n, open_cases=c) for i, n, c in rows]


@dataclass(frozen=True)
class TeamChoice:
    teams: list[Team]
    # The first team of the staff member, to start the new case in.
    mine: int | None


def team_choice(*, organization: Organization, staff: Staff | None) -> TeamChoice:
    teams = list(Team.objects.filter(organization=organization).order_by("name"))
    mine = None
    if staff is not None:
        mine = (
            Team.objects.filter(organization=organization, members=staff)
            .order_by("name")
            .values_list("id", flat=True)
            .first()
        )
    return TeamChoice(teams=teams, mine=mine)
