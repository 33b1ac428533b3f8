"""Pydantic schemas at the API's edge, and the functions that turn models into them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from djmoney.money import Money
from ninja import Field, Schema
from pydantic import StringConstraints

from ladder.cases.models import (
    Case,
    Channel,
    ContactOutcome,
    Direction,
    Interaction,
    InteractionKind,
    Kind,
    Severity,
    Task,
    TimelineEvent,
)
from ladder.cases.states import ALLOWED, Status
from ladder.customers.models import Customer, ProgramUnit
from ladder.money import make_money
from ladder.tenancy.models import Availability, Organization, Role, Staff, Team

Text = Annotated[str, StringConstraints(max_length=20_000)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
# A list's next page: what `next_cursor` gave out; an empty one is no cursor at all.
Cursor = Annotated[str, Field(min_length=1, max_length=500)]
# A list page's size, the same bounds on every list.
Limit = Annotated[int, Field(ge=1, le=200)]


# --- errors ------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    field: str
    message: str


class ValidationErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut]


class ConflictOut(Schema):
    detail: str
    current: str
    allowed: list[str]


# --- shared pieces -----------------------------------------------------------------


class MoneyIn(Schema):
    amount: Amount
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3)]

    def to_money(self, field: str) -> Money:
        return make_money(self.amount, self.currency, field)


class MoneyOut(Schema):
    amount: str = Field(description='decimal amount as a string, e.g. "1250.00"')
    currency: str


def money_out(value: Money | None) -> MoneyOut | None:
    if value is None:
        return None
    return MoneyOut(amount=f"{value.amount:.2f}", currency=str(value.currency))


class Ref(Schema):
    id: int
    name: str


def staff_ref(staff: Staff | None) -> Ref | None:
    return Ref(id=staff.pk, name=staff.display_name) if staff is not None else None


def team_ref(team: Team | None) -> Ref | None:
    return Ref(id=team.pk, name=team.name) if team is not None else None


# --- organization, staff, teams ----------------------------------------------------


class OrganizationOut(Schema):
    slug: str
    name: str
    timezone: str
    locale: str
    currency: str
    country: str


def organization_out(org: Organization) -> OrganizationOut:
    return OrganizationOut(
        slug=org.slug,
        name=org.name,
        timezone=org.timezone,
        locale=org.locale,
        currency=org.currency,
        country=org.country,
    )


class StaffOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[Role]
    availability: Availability
    teams: list[Ref]
    skills: list[Ref]


def staff_out(staff: Staff) -> StaffOut:
    return StaffOut(
        id=staff.pk,
        username=staff.user.username,
        display_name=staff.display_name,
        roles=sorted(staff.role_set),
        availability=Availability(staff.availability),
        teams=[Ref(id=t.pk, name=t.name) for t in staff.teams.all()],
        skills=[Ref(id=s.pk, name=s.name) for s in staff.skills.all()],
    )


class MeOut(Schema):
    staff: StaffOut
    organization: OrganizationOut
    permissions: list[str]
    authenticated_by: str = Field(description="token or session")


class TeamOut(Schema):
    id: int
    name: str
    members: list[Ref]


class TierOut(Schema):
    level: int
    name: str
    role: Role


# --- customers ---------------------------------------------------------------------


class ContactIn(Schema):
    name: Name
    relation: ShortText = ""
    email: Annotated[str, StringConstraints(max_length=254)] = ""
    phone: Annotated[str, StringConstraints(max_length=40)] = ""
    is_primary: bool = False


class ProgramIn(Schema):
    name: Name
    unit: ProgramUnit = ProgramUnit.LESSONS
    purchased: Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]
    delivered: Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)] = Decimal(0)
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    cohort: Annotated[str, StringConstraints(max_length=100)] = ""


class CustomerIn(Schema):
    name: Name
    owner_id: Id | None = None
    external_link: Annotated[str, StringConstraints(max_length=500)] = ""
    mrr: MoneyIn | None = None
    contract_value: MoneyIn | None = None
    contacts: Annotated[list[ContactIn], Field(max_length=50)] = []
    products: Annotated[list[Name], Field(max_length=100)] = []
    programs: Annotated[list[ProgramIn], Field(max_length=50)] = []


class CustomerPatch(Schema):
    name: Name | None = None
    owner_id: Id | None = None
    external_link: Annotated[str, StringConstraints(max_length=500)] | None = None
    mrr: MoneyIn | None = None
    contract_value: MoneyIn | None = None


class ContactOut(Schema):
    id: int
    name: str
    relation: str
    email: str
    phone: str
    is_primary: bool


class ProgramOut(Schema):
    id: int
    name: str
    unit: ProgramUnit
    purchased: str
    delivered: str
    term_start: dt.date | None
    term_end: dt.date | None
    cohort: str


class CustomerSummaryOut(Schema):
    id: int
    name: str
    owner: Ref | None
    mrr: MoneyOut | None
    contract_value: MoneyOut | None
    updated_at: dt.datetime


class CustomerOut(CustomerSummaryOut):
    external_link: str
    version: int
    created_at: dt.datetime
    contacts: list[ContactOut]
    products: list[str]
    programs: list[ProgramOut]


def customer_summary_out(c: Customer) -> CustomerSummaryOut:
    return CustomerSummaryOut(
        id=c.pk,
        name=c.name,
        owner=staff_ref(c.owner),
        mrr=money_out(c.mrr),
        contract_value=money_out(c.contract_value),
        updated_at=c.updated_at,
    )


def customer_out(c: Customer) -> CustomerOut:
    return CustomerOut(
        **customer_summary_out(c).model_dump(),
        external_link=c.external_link,
        version=c.version,
        created_at=c.created_at,
        contacts=[
            ContactOut(
                id=x.pk,
                name=x.name,
                relation=x.relation,
                email=x.email,
                phone=x.phone,
                is_primary=x.is_primary,
            )
            for x in c.contacts.all()
        ],
        products=[p.name for p in c.products.all()],
        programs=[
            ProgramOut(
                id=p.pk,
                name=p.name,
                unit=ProgramUnit(p.unit),
                purchased=str(p.purchased),
                delivered=str(p.delivered),
                term_start=p.term_start,
                term_end=p.term_end,
                cohort=p.cohort,
            )
            for p in c.programs.all()
        ],
    )


# --- cases -------------------------------------------------------------------------


class CaseIn(Schema):
    customer_id: Id
    kind: Kind
    channel: Channel = Channel.API
    subject: Name
    description: Text = ""
    request_type: Annotated[str, StringConstraints(max_length=100)] = ""
    category: Annotated[str, StringConstraints(max_length=100)] = ""
    severity: Severity = Severity.MEDIUM
    money_at_stake: MoneyIn | None = None
    owner_id: Id | None = None
    team_id: Id | None = None


class CasePatch(Schema):
    subject: Name | None = None
    description: Text | None = None
    request_type: Annotated[str, StringConstraints(max_length=100)] | None = None
    category: Annotated[str, StringConstraints(max_length=100)] | None = None
    severity: Severity | None = None
    root_cause: Text | None = None
    resolution: Text | None = None
    outcome: Text | None = None
    money_at_stake: MoneyIn | None = None


class TransitionIn(Schema):
    to: Status
    note: Text = ""


class AssignIn(Schema):
    owner_id: Id | None = Field(None, description="omit to keep; null for nobody")
    team_id: Id | None = Field(None, description="omit to keep; null for no team")


class EscalateIn(Schema):
    details: Annotated[str, StringConstraints(min_length=1, max_length=20_000)] = Field(
        description="the details of the issue (IN1)"
    )
    source_of_dispute: Annotated[str, StringConstraints(min_length=1, max_length=20_000)] = Field(
        description="where the disagreement comes from (IN1)"
    )
    to_tier: Annotated[int, Field(ge=1, le=32)] | None = Field(
        None, description="defaults to the next tier up"
    )
    owner_id: Id | None = None
    team_id: Id | None = None


class CaseSummaryOut(Schema):
    id: int
    reference: str
    kind: Kind
    channel: Channel
    status: Status
    severity: Severity
    tier: int
    subject: str
    category: str
    customer: Ref
    owner: Ref | None
    team: Ref | None
    money_at_stake: MoneyOut | None
    created_at: dt.datetime
    updated_at: dt.datetime


class CaseOut(CaseSummaryOut):
    request_type: str
    description: str
    root_cause: str
    resolution: str
    outcome: str
    playbook_version: str
    version: int
    allowed_transitions: list[Status]


def _summary_fields(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "reference": case.reference,
        "kind": Kind(case.kind),
        "channel": Channel(case.channel),
        "status": Status(case.status),
        "severity": Severity(case.severity),
        "tier": case.tier,
        "subject": case.subject,
        "category": case.category,
        "customer": Ref(id=case.customer.pk, name=case.customer.name),
        "owner": staff_ref(case.owner),
        "team": team_ref(case.team),
        "money_at_stake": money_out(case.money_at_stake),
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


def case_row_out(row: dict[str, Any]) -> dict[str, Any]:
    """A row of ``list_case_rows`` in the shape of :class:`CaseSummaryOut`, built as a
    plain dict: the list is the hottest read, and validating 50 models twice cost more
    than its query (schemathesis keeps the shape honest)."""
    amount = row["money_at_stake"]
    return {
        "id": row["id"],
        "reference": row["reference"],
        "kind": row["kind"],
        "channel": row["channel"],
        "status": row["status"],
        "severity": row["severity"],
        "tier": row["tier"],
        "subject": row["subject"],
        "category": row["category"],
        "customer": {"id": row["customer_id"], "name": row["customer__name"]},
        "owner": {"id": row["owner_id"], "name": row["owner__display_name"]}
        if row["owner_id"] is not None
        else None,
        "team": {"id": row["team_id"], "name": row["team__name"]}
        if row["team_id"] is not None
        else None,
        "money_at_stake": {"amount": f"{amount:.2f}", "currency": row["money_at_stake_currency"]}
        if amount is not None
        else None,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def case_out(case: Case) -> CaseOut:
    """The case as the API shows it, validated once (building the summary first and
    copying it cost a create a second validation)."""
    return CaseOut(
        **_summary_fields(case),
        request_type=case.request_type,
        description=case.description,
        root_cause=case.root_cause,
        resolution=case.resolution,
        outcome=case.outcome,
        playbook_version=case.playbook_version,
        version=case.version,
        allowed_transitions=sorted(ALLOWED[Status(case.status)]),
    )


class CasePageOut(Schema):
    items: list[CaseSummaryOut]
    next_cursor: str | None = Field(
        description="pass as ?cursor= for the next page; null at the end"
    )


class StaleCaseOut(Schema):
    detail: str
    current: CaseOut


# --- interactions, timeline, tasks -------------------------------------------------


class InteractionIn(Schema):
    kind: InteractionKind
    direction: Direction = Direction.OUTBOUND
    body: Text = ""
    outcome: ContactOutcome | None = Field(None, description="required for a contact_attempt")
    occurred_at: dt.datetime | None = Field(
        None, description="defaults to now; never in the future"
    )


class InteractionOut(Schema):
    id: int
    case_id: int
    kind: InteractionKind
    direction: Direction
    outcome: ContactOutcome | None
    body: str
    author: Ref | None
    occurred_at: dt.datetime


def interaction_out(i: Interaction) -> InteractionOut:
    return InteractionOut(
        id=i.pk,
        case_id=i.case_id,
        kind=InteractionKind(i.kind),
        direction=Direction(i.direction),
        outcome=ContactOutcome(i.outcome) if i.outcome else None,
        body=i.body,
        author=staff_ref(i.author),
        occurred_at=i.occurred_at,
    )


class InteractionPageOut(Schema):
    items: list[InteractionOut]
    next_cursor: str | None


class ActorOut(Schema):
    label: str
    staff_id: int | None
    token_prefix: str | None
    rule: str


class TimelineEventOut(Schema):
    id: int
    kind: str
    at: dt.datetime
    actor: ActorOut
    field: str
    old_value: str
    new_value: str
    data: dict[str, object]


def timeline_event_out(e: TimelineEvent) -> TimelineEventOut:
    return TimelineEventOut(
        id=e.pk,
        kind=e.kind,
        at=e.created_at,
        actor=ActorOut(
            label=e.actor_label,
            staff_id=e.actor_staff_id,
            token_prefix=e.actor_token.prefix if e.actor_token_id and e.actor_token else None,
            rule=e.actor_rule,
        ),
        field=e.field,
        old_value=e.old_value,
        new_value=e.new_value,
        data=e.data,
    )


class TimelinePageOut(Schema):
    items: list[TimelineEventOut]
    next_cursor: str | None


class TaskIn(Schema):
    title: Name
    assignee_id: Id
    due_at: dt.datetime
    case_id: Id | None = None


class TaskPatch(Schema):
    due_at: dt.datetime | None = None
    assignee_id: Id | None = None


class TaskOut(Schema):
    id: int
    title: str
    assignee: Ref
    due_at: dt.datetime
    done: bool
    done_at: dt.datetime | None
    case: Ref | None = Field(description="the case, named by its reference")
    version: int


def task_out(t: Task) -> TaskOut:
    return TaskOut(
        id=t.pk,
        title=t.title,
        assignee=Ref(id=t.assignee.pk, name=t.assignee.display_name),
        due_at=t.due_at,
        done=t.done,
        done_at=t.done_at,
        case=Ref(id=t.case.pk, name=t.case.reference) if t.case is not None else None,
        version=t.version,
    )


class TaskPageOut(Schema):
    items: list[TaskOut]
    next_cursor: str | None


class StaleTaskOut(Schema):
    detail: str
    current: TaskOut


class CustomerPageOut(Schema):
    items: list[CustomerSummaryOut]
    next_cursor: str | None


class StaleCustomerOut(Schema):
    detail: str
    current: CustomerOut


class StaffPageOut(Schema):
    items: list[StaffOut]
    next_cursor: str | None
