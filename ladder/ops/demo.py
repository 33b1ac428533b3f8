"""The demo: one believable organization per source procedure (000-004), written only
through the domain actions, so what a visitor sees is what the desk itself would have
recorded: cases, handoff summaries, contact attempts, tasks and their timelines.

Loading is idempotent per organization: an organization whose slug exists is left alone.
"""

# The school's content is Chinese and uses full-width punctuation on purpose.

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from djmoney.money import Money

from ladder.cases.actions import (
    CaseEdit,
    assign_case,
    create_case,
    create_task,
    escalate_case,
    log_interaction,
    transition_case,
    update_case,
)
from ladder.cases.configure import load_default_phrases, set_reply_guard
from ladder.cases.models import (
    Case,
    Channel,
    ContactOutcome,
    Direction,
    InteractionKind,
    Kind,
    Severity,
)
from ladder.cases.states import Status
from ladder.churn.actions import install_default_taxonomy
from ladder.customers.actions import ContactInput, ProgramInput, create_customer
from ladder.customers.models import Customer, ProgramUnit
from ladder.health.intake import ingest_signals
from ladder.playbooks.actions import activate_playbook, load_playbook
from ladder.playbooks.simulation import SHIPPED
from ladder.programs.actions import update_program
from ladder.retention.actions import DEFAULT_CATALOGS, install_default_catalog
from ladder.tenancy.actions import add_staff, create_organization, create_skill, create_team
from ladder.tenancy.actors import Actor
from ladder.tenancy.calendar import BusinessCalendar
from ladder.tenancy.models import Locale, Organization, ReplyGuard, Role, Skill, Staff, Team

# Published with the demo on purpose: every demo login uses it.
DEMO_PASSWORD = "ladder-demo"  # noqa: S105

Opening = tuple[int, dt.time, dt.time]
HourMinute = tuple[int, int]


# --- what a demo organization is made of ----------------------------------------------


@dataclass(frozen=True)
class Person:
    """A staff member; the username is ``ROLE@SLUG``."""

    role: Role
    name: str
    title: str  # what this organization calls the role
    teams: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class Account:
    """A customer; amounts are in the organization's currency."""

    key: str
    name: str
    owner: Role | None = None
    contacts: tuple[ContactInput, ...] = ()
    products: tuple[str, ...] = ()
    programs: tuple[ProgramInput, ...] = ()
    mrr: str | None = None
    contract_value: str | None = None
    link: str = ""


@dataclass(frozen=True)
class EarlyWarning:
    """An early-warning signal an outside system sent about an account (MT1), ``days``
    days before the demo is loaded; the worker scores it and the playbook hears it."""

    customer: str
    kind: str
    days: float
    source: str
    source_id: str
    value: str | None = None
    note: str = ""


class Step(Protocol):
    """One thing that happens to a case after it is opened, done by the staff member
    holding ``by``."""

    @property
    def by(self) -> Role: ...

    def apply(self, run: _Run, case: Case) -> Case: ...


@dataclass(frozen=True)
class Log:
    """A call, e-mail, meeting, note or contact attempt, backdated to a working day."""

    by: Role
    kind: InteractionKind
    body: str
    direction: Direction = Direction.OUTBOUND
    outcome: ContactOutcome | None = None
    days_ago: int = 0
    at: HourMinute = (10, 0)

    def apply(self, run: _Run, case: Case) -> Case:
        log_interaction(
            actor=run.actor(self.by),
            case_id=case.pk,
            kind=self.kind,
            direction=self.direction,
            body=self.body,
            outcome=self.outcome or "",
            occurred_at=run.clock.past(self.days_ago, self.at),
        )
        return case


@dataclass(frozen=True)
class Escalate:
    """Up the ladder to the rung worked by ``to``, whose staff member takes the case."""

    by: Role
    to: Role
    details: str
    source_of_dispute: str
    team: str | None = None

    def apply(self, run: _Run, case: Case) -> Case:
        return escalate_case(
            actor=run.actor(self.by),
            case_id=case.pk,
            expected_version=case.version,
            details=self.details,
            source_of_dispute=self.source_of_dispute,
            to_tier=run.tier_of[self.to],
            owner_id=run.staff[self.to].pk,
            team_id=run.team_id(self.team),
        )


@dataclass(frozen=True)
class Move:
    by: Role
    to: Status
    note: str = ""

    def apply(self, run: _Run, case: Case) -> Case:
        return transition_case(
            actor=run.actor(self.by),
            case_id=case.pk,
            expected_version=case.version,
            to=self.to,
            note=self.note,
        )


@dataclass(frozen=True)
class Record:
    """Writes the root cause, the resolution or the outcome onto the case."""

    by: Role
    root_cause: str = ""
    resolution: str = ""
    outcome: str = ""

    def apply(self, run: _Run, case: Case) -> Case:
        changes: CaseEdit = {}
        if self.root_cause:
            changes["root_cause"] = self.root_cause
        if self.resolution:
            changes["resolution"] = self.resolution
        if self.outcome:
            changes["outcome"] = self.outcome
        return update_case(
            actor=run.actor(self.by),
            case_id=case.pk,
            expected_version=case.version,
            changes=changes,
        )


@dataclass(frozen=True)
class Assign:
    by: Role
    owner: Role
    team: str | None = None

    def apply(self, run: _Run, case: Case) -> Case:
        return assign_case(
            actor=run.actor(self.by),
            case_id=case.pk,
            expected_version=case.version,
            owner_id=run.staff[self.owner].pk,
            team_id=run.team_id(self.team),
        )


@dataclass(frozen=True)
class Todo:
    """A follow-up due on a coming working day."""

    by: Role
    title: str
    assignee: Role
    days_ahead: int = 0
    at: HourMinute = (10, 0)

    def apply(self, run: _Run, case: Case) -> Case:
        create_task(
            actor=run.actor(self.by),
            title=self.title,
            assignee_id=run.staff[self.assignee].pk,
            due_at=run.clock.ahead(self.days_ahead, self.at),
            case_id=case.pk,
        )
        return case


@dataclass(frozen=True)
class Complaint:
    """A case as the staff member holding ``by`` received it (MT4), then its steps."""

    customer: str  # Account.key
    by: Role
    kind: Kind
    channel: Channel
    subject: str
    description: str
    request_type: str = ""
    category: str = ""
    severity: Severity = Severity.MEDIUM
    money_at_stake: str | None = None
    team: str | None = None
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True)
class OrgSpec:
    slug: str
    source: str  # the seed document it is drawn from
    name: str
    case_prefix: str
    locale: str
    currency: str
    timezone: str
    country: str
    tiers: tuple[tuple[str, Role], ...]
    hours: tuple[Opening, ...]
    teams: tuple[str, ...]
    staff: tuple[Person, ...]
    customers: tuple[Account, ...]
    cases: tuple[Complaint, ...]
    skills: tuple[str, ...] = ()
    # Warn (the agent decides) or block replies holding a forbidden phrase (ED7).
    reply_guard: ReplyGuard = ReplyGuard.WARN
    signals: tuple[EarlyWarning, ...] = ()


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: Role
    name: str
    title: str


@dataclass(frozen=True)
class DemoOrganization:
    slug: str
    name: str
    source: str
    created: bool  # False: it was already there and was left alone
    logins: tuple[DemoLogin, ...]
    staff: int
    customers: int
    cases: int


class Writer(Protocol):
    def write(self, msg: str, /) -> object: ...


# --- times inside the organization's opening hours ------------------------------------


def _open(weekdays: range | tuple[int, ...], *spans: tuple[str, str]) -> tuple[Opening, ...]:
    return tuple(
        (day, dt.time.fromisoformat(start), dt.time.fromisoformat(end))
        for day in weekdays
        for start, end in spans
    )


@dataclass(frozen=True)
class _Clock:
    """Backdated contacts fall on past business days and tasks on coming ones (public
    holidays and closures skipped), at times when the organization's desk is open."""

    calendar: BusinessCalendar
    hours: tuple[Opening, ...]
    now: dt.datetime

    def _spans(self, day: dt.date) -> list[tuple[dt.time, dt.time]]:
        if not self.calendar.is_business_day(day):
            return []
        return sorted((s, e) for weekday, s, e in self.hours if weekday == day.weekday())

    def _slot(self, day: dt.date, at: HourMinute) -> dt.datetime:
        """``at`` on ``day``, moved into the opening hours without changing the order of
        two times on the same day: before an opening to its start, after the last one to
        shortly before it closes."""
        spans = self._spans(day)
        wanted = dt.time(*at)
        for start, end in spans:
            if wanted < end:
                wanted = max(wanted, start)
                break
        else:
            last_end = dt.datetime.combine(day, spans[-1][1])
            wanted = (last_end - dt.timedelta(minutes=15)).time()
        return dt.datetime.combine(day, wanted, tzinfo=self.calendar.zone)

    def past(self, business_days_ago: int, at: HourMinute) -> dt.datetime:
        """On the ``business_days_ago``-th business day before the last one that has
        closed, so that every backdated time is past and a case's times stay in order."""
        zone = self.calendar.zone
        day = self.now.astimezone(zone).date()
        left = business_days_ago
        while True:
            spans = self._spans(day)
            if spans and dt.datetime.combine(day, spans[-1][1], tzinfo=zone) <= self.now:
                if left == 0:
                    return self._slot(day, at)
                left -= 1
            day -= dt.timedelta(days=1)

    def ahead(self, business_days: int, at: HourMinute) -> dt.datetime:
        """On the next business day (0), or ``business_days`` business days after it."""
        day = self.now.astimezone(self.calendar.zone).date()
        left = business_days
        while True:
            day += dt.timedelta(days=1)
            if self._spans(day):
                if left == 0:
                    return self._slot(day, at)
                left -= 1


# --- loading ---------------------------------------------------------------------------


class _Run:
    """One organization being loaded: its staff by role, teams by name, customers by key."""

    def __init__(self, org: Organization, spec: OrgSpec, clock: _Clock) -> None:
        self.org = org
        self.spec = spec
        self.clock = clock
        self.staff: dict[Role, Staff] = {}
        self.teams: dict[str, Team] = {}
        self.customers: dict[str, Customer] = {}
        # Hashing is deliberately slow; every demo login shares one password.
        self.password_hash = make_password(DEMO_PASSWORD)
        self.tier_of: dict[Role, int] = {
            role: level for level, (_, role) in enumerate(spec.tiers, start=1)
        }

    def actor(self, role: Role) -> Actor:
        return Actor.for_staff(self.staff[role])

    def team_id(self, name: str | None) -> int | None:
        return self.teams[name].pk if name is not None else None

    def money(self, amount: str | None) -> Money | None:
        return Money(Decimal(amount), self.org.currency) if amount is not None else None

    def load(self) -> None:
        spec = self.spec
        self.teams = {name: create_team(organization=self.org, name=name) for name in spec.teams}
        skills: dict[str, Skill] = {
            name: create_skill(organization=self.org, name=name) for name in spec.skills
        }
        for person in spec.staff:
            self.staff[person.role] = add_staff(
                organization=self.org,
                username=username(person.role, spec.slug),
                display_name=person.name,
                roles=[person.role],
                password_hash=self.password_hash,
                email=f"{person.role.value.replace('_', '.')}@{spec.slug}.example.com",
                teams=[self.teams[t] for t in person.teams],
                skills=[skills[s] for s in person.skills],
                locale=spec.locale if spec.locale != Locale.EN else "",
            )
        # The customer desk (agent, or the owner where there is no front line) opens accounts.
        desk = Role.AGENT if Role.AGENT in self.staff else Role.OWNER
        for account in spec.customers:
            self.customers[account.key] = create_customer(
                actor=self.actor(desk),
                name=account.name,
                owner_id=self.staff[account.owner].pk if account.owner else None,
                external_link=account.link,
                mrr=self.money(account.mrr),
                contract_value=self.money(account.contract_value),
                contacts=account.contacts,
                products=account.products,
                programs=account.programs,
            )
            # ED1: the account's owner (class teacher, education consultant) owns its
            # programs, so the program watchers' tasks reach them.
            owner = self.customers[account.key].owner_id
            for program in self.customers[account.key].programs.all() if owner else ():
                update_program(
                    actor=self.actor(desk),
                    program_id=program.pk,
                    expected_version=program.version,
                    changes={"owner_id": owner},
                )
        for complaint in spec.cases:
            case = create_case(
                actor=self.actor(complaint.by),
                customer_id=self.customers[complaint.customer].pk,
                kind=complaint.kind,
                channel=complaint.channel,
                subject=complaint.subject,
                description=complaint.description,
                request_type=complaint.request_type,
                category=complaint.category,
                severity=complaint.severity,
                money_at_stake=self.money(complaint.money_at_stake),
                owner_id=self.staff[complaint.by].pk,
                team_id=self.team_id(complaint.team),
            )
            for step in complaint.steps:
                case = step.apply(self, case)
        if spec.reply_guard != ReplyGuard.WARN:
            set_reply_guard(actor=self.actor(Role.ADMIN), mode=spec.reply_guard)
        # The organization's procedure, as shipped: cases opened from now on run under
        # it. The demo's own cases above were opened before it, as on a desk that
        # adopts Ladder's playbooks after it has been in use.
        engine = Actor.engine(self.org, rule="demo")
        version = load_playbook(
            actor=engine,
            organization=self.org,
            source=(SHIPPED / f"{spec.slug}.yaml").read_text(encoding="utf-8"),
            filename=f"{spec.slug}.yaml",
        )
        activate_playbook(actor=engine, organization=self.org, number=version.number)
        # MT1: the signals arrive after the playbook is active, so the worker's first
        # round scores the accounts and the playbook's proactive rules hear them.
        if spec.signals:
            result = ingest_signals(
                actor=self.actor(Role.ADMIN),
                rows=[
                    {
                        "customer_id": self.customers[w.customer].pk,
                        "kind": w.kind,
                        "occurred_at": self.clock.now - dt.timedelta(days=w.days),
                        "source": w.source,
                        "source_id": w.source_id,
                        "value": w.value,
                        "note": w.note,
                    }
                    for w in spec.signals
                ],
                received_at=self.clock.now,
            )
            if result.errors:  # the demo's own data is wrong: say which row and why
                raise ValueError(f"demo signals for {spec.slug}: {result.errors}")


def username(role: Role, slug: str) -> str:
    return f"{role.value}@{slug}"


def _summary(spec: OrgSpec, *, created: bool) -> DemoOrganization:
    return DemoOrganization(
        slug=spec.slug,
        name=spec.name,
        source=spec.source,
        created=created,
        logins=tuple(
            DemoLogin(
                username=username(p.role, spec.slug),
                password=DEMO_PASSWORD,
                role=p.role,
                name=p.name,
                title=p.title,
            )
            for p in spec.staff
        ),
        staff=len(spec.staff),
        customers=len(spec.customers),
        cases=len(spec.cases),
    )


def load_demo(*, stdout: Writer | None = None) -> list[DemoOrganization]:
    """Creates each demo organization that does not exist yet. The actions commit one
    by one (they are durable), so an organization is not loaded in one transaction."""
    now = timezone.now()
    loaded: list[DemoOrganization] = []
    for build in ORGANIZATIONS:
        spec = build(now.date())
        if Organization.objects.filter(slug=spec.slug).exists():
            loaded.append(_summary(spec, created=False))
            continue
        if stdout is not None:
            stdout.write(f"loading {spec.slug} (document {spec.source}) ...\n")
        org = create_organization(
            slug=spec.slug,
            name=spec.name,
            timezone_name=spec.timezone,
            locale=spec.locale,
            currency=spec.currency,
            country=spec.country,
            case_prefix=spec.case_prefix,
            tiers=spec.tiers,
            working_intervals=spec.hours,
        )
        load_default_phrases(organization=org, language=spec.locale)
        install_default_taxonomy(organization=org)  # MT2's churn codes, version 1
        if spec.slug in DEFAULT_CATALOGS:  # the save-offer catalog (MT5, ED5, TD3)
            install_default_catalog(organization=org, catalog=spec.slug)
        clock = _Clock(calendar=BusinessCalendar.for_organization(org), hours=spec.hours, now=now)
        _Run(org, spec, clock).load()
        loaded.append(_summary(spec, created=True))
    return loaded


# --- the organizations ----------------------------------------------------------------

R = Role
IK = InteractionKind
D = Direction
O = ContactOutcome  # noqa: E741
S = Status


def _day(today: dt.date, offset: int) -> dt.date:
    return today + dt.timedelta(days=offset)


def tutoring(today: dt.date) -> OrgSpec:
    """000: a tutoring franchise. Client care coordinators handle escalations and find the
    root cause (TD1); the office manager reviews them (TD2); session interruptions, tutor
    matching, unused hours and the feedback survey feed the desk (TD3)."""

    def hours(name: str, bought: int, used: int, start: int, end: int, tutor: str) -> ProgramInput:
        return ProgramInput(
            name=name,
            unit=ProgramUnit.HOURS,
            purchased=Decimal(bought),
            delivered=Decimal(used),
            term_start=_day(today, start),
            term_end=_day(today, end),
            cohort=tutor,
        )

    return OrgSpec(
        slug="tutoring",
        source="000",
        name="Brightwell In-Home Tutoring (Westchester franchise)",
        case_prefix="TUT",
        locale=Locale.EN,
        currency="USD",
        timezone="America/New_York",
        country="US",
        tiers=(
            ("Client care coordinator", R.AGENT),
            ("Office manager", R.PRINCIPAL),
            ("Franchise owner", R.EXECUTIVE),
        ),
        hours=_open(range(5), ("09:00", "18:00")) + _open((5,), ("10:00", "14:00")),
        teams=("Client care", "Tutor matching", "Office"),
        staff=(
            Person(R.AGENT, "Maya Ortiz", "Client care coordinator", ("Client care",)),
            Person(
                R.OWNER, "Jordan Blake", "Education consultant", ("Client care", "Tutor matching")
            ),
            Person(R.PRINCIPAL, "Denise Walker", "Office manager", ("Office", "Client care")),
            Person(R.EXECUTIVE, "Rob Fernandes", "Franchise owner", ("Office",)),
            Person(R.ACCOUNTING, "Priya Nair", "Bookkeeper", ("Office",)),
            Person(R.ADMIN, "Sam Keller", "Franchise admin", ("Office",)),
        ),
        customers=(
            Account(
                "hartley",
                "Hartley family",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "Karen Hartley",
                        "parent",
                        "karen.hartley@example.com",
                        "+1 914 555 0142",
                        is_primary=True,
                    ),
                    ContactInput("Mark Hartley", "parent", phone="+1 914 555 0143"),
                ),
                programs=(
                    hours(
                        "SAT Math prep (Ethan, grade 11)",
                        40,
                        12,
                        -42,
                        70,
                        "Tutor: Alicia Moreno, Tue/Thu 6 pm",
                    ),
                ),
                contract_value="2720.00",
            ),
            Account(
                "okafor",
                "Okafor family",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "Grace Okafor",
                        "parent",
                        "grace.okafor@example.com",
                        "+1 914 555 0177",
                        is_primary=True,
                    ),
                ),
                programs=(
                    hours(
                        "Grade 7 math and study skills (Chidi)",
                        48,
                        6,
                        -70,
                        40,
                        "Tutor: Ben Sato, Tue/Thu 4:30 pm",
                    ),
                ),
                contract_value="3264.00",
            ),
            Account(
                "nguyen",
                "Nguyen family",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "Linh Nguyen",
                        "parent",
                        "linh.nguyen@example.com",
                        "+1 914 555 0121",
                        is_primary=True,
                    ),
                ),
                programs=(
                    hours(
                        "Honors chemistry (Bao, grade 10)", 30, 0, -9, 100, "Awaiting tutor match"
                    ),
                ),
                contract_value="2040.00",
            ),
            Account(
                "brennan",
                "Brennan family",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "Colleen Brennan",
                        "parent",
                        "colleen.brennan@example.com",
                        "+1 914 555 0190",
                        is_primary=True,
                    ),
                    ContactInput("Sean Brennan", "parent", phone="+1 914 555 0191"),
                ),
                programs=(
                    hours(
                        "Reading and writing (Aoife, grade 3)",
                        36,
                        20,
                        -84,
                        56,
                        "Tutor: Rachel Stein (third match)",
                    ),
                ),
                contract_value="2448.00",
            ),
            Account(
                "patel",
                "Patel family",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "Anjali Patel",
                        "parent",
                        "anjali.patel@example.com",
                        "+1 914 555 0166",
                        is_primary=True,
                    ),
                ),
                programs=(
                    hours(
                        "AP Physics 1 (Dev, grade 12)",
                        40,
                        18,
                        -63,
                        77,
                        "Tutor: Kenji Ito, Mon/Wed 7 pm",
                    ),
                ),
                contract_value="2720.00",
            ),
            Account(
                "alvarez",
                "Alvarez family",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "Maria Alvarez",
                        "parent",
                        "maria.alvarez@example.com",
                        "+1 914 555 0135",
                        is_primary=True,
                    ),
                ),
                programs=(
                    hours(
                        "Spanish II (Sofia, grade 9)",
                        24,
                        10,
                        -49,
                        49,
                        "Tutor: Lucia Romero, Sat 11 am",
                    ),
                ),
                contract_value="1632.00",
            ),
            Account(
                "kowalski",
                "Kowalski family",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "Anna Kowalski",
                        "parent",
                        "anna.kowalski@example.com",
                        "+1 914 555 0158",
                        is_primary=True,
                    ),
                ),
                programs=(
                    hours(
                        "ISEE prep (Max, grade 8)", 20, 14, -35, 21, "Tutor: David Cohen, Mon 5 pm"
                    ),
                ),
                contract_value="1360.00",
            ),
        ),
        cases=(
            Complaint(
                "hartley",
                R.AGENT,
                Kind.COMPLAINT,
                Channel.PHONE,
                "Tutor missed two SAT sessions without notice",
                "Karen Hartley called: Alicia did not come on Tuesday or Thursday last week "
                "and nobody told the family. Ethan's SAT is in three weeks and they do not "
                "want to lose four hours of prep. Karen asked whether they are still billed "
                "for the missed sessions.",
                request_type="Session interruption",
                category="Session interruption",
                severity=Severity.HIGH,
                money_at_stake="272.00",
                team="Client care",
                steps=(
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "Karen called on her lunch break, upset. Listened, thanked her for "
                        "telling us, confirmed the two dates and the SAT date.",
                        D.INBOUND,
                        days_ago=1,
                        at=(12, 40),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "Called Alicia Moreno (tutor): car broke down on Tuesday and she "
                        "thought the office had told the family; on Thursday she had the "
                        "time wrong. Her timesheet marks Thursday as cancelled by client.",
                        D.OUTBOUND,
                        days_ago=1,
                        at=(14, 10),
                    ),
                    Record(
                        R.AGENT,
                        root_cause=(
                            "The tutor did not report the interruption to the office, so the "
                            "family was never told (session interruption procedure 5.2 not "
                            "followed); one session is wrongly timesheeted as a client cancel."
                        ),
                    ),
                    Escalate(
                        R.AGENT,
                        R.PRINCIPAL,
                        "Two missed sessions (4 hours) three weeks before Ethan's SAT, "
                        "no notice to the family. Karen wants the 4 hours credited and a "
                        "make-up plan before the test date, and asked whether Alicia "
                        "should be replaced. Suggest crediting 4 hours and two extra "
                        "sessions next week.",
                        "The family says they were billed for sessions that did not "
                        "happen; the tutor's timesheet shows one of them as cancelled by "
                        "the client.",
                    ),
                    Todo(
                        R.PRINCIPAL,
                        "Call Karen Hartley with the make-up plan and 4-hour credit",
                        R.PRINCIPAL,
                        0,
                        (10, 0),
                    ),
                ),
            ),
            Complaint(
                "okafor",
                R.AGENT,
                Kind.CANCELLATION,
                Channel.EMAIL,
                "Cancel the program and refund 42 unused hours",
                "Grace Okafor wrote that Chidi has used only 6 of 48 hours in ten weeks and "
                "that they want to cancel and be refunded for the rest.",
                request_type="Cancellation",
                category="Unused hours",
                money_at_stake="2856.00",
                team="Client care",
                steps=(
                    Log(
                        R.AGENT,
                        IK.EMAIL,
                        "Hi, we would like to cancel Chidi's tutoring. He has barely used it "
                        "and we cannot keep paying for something he does not use. Please "
                        "refund the remaining hours. - Grace",
                        D.INBOUND,
                        days_ago=2,
                        at=(9, 15),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "Called Grace. The real reason is the schedule, not the tutor: "
                        "Chidi likes Ben, but soccer practice moved to Tue/Thu in September. "
                        "Offered Saturday mornings with Ben; she will ask Chidi.",
                        D.OUTBOUND,
                        days_ago=1,
                        at=(17, 30),
                    ),
                    Record(
                        R.AGENT,
                        root_cause=(
                            "Schedule clash with the soccer season. The unused hours were not "
                            "flagged by the monthly unused-hours check (procedure 6.4)."
                        ),
                    ),
                    Escalate(
                        R.AGENT,
                        R.PRINCIPAL,
                        "Family asks to cancel with 42 of 48 hours unused. Root cause is a "
                        "schedule clash, not the tutor. Offered Saturday sessions with the "
                        "same tutor; a pause until soccer ends in November would also "
                        "keep the family.",
                        "The family expects a full refund of unused hours; the enrollment "
                        "agreement refunds unused hours minus a $150 administration fee.",
                    ),
                    Move(
                        R.PRINCIPAL,
                        S.AWAITING_CUSTOMER,
                        "Offered a pause until November 15 or Saturday sessions with Ben; "
                        "waiting for Grace's answer.",
                    ),
                    Todo(
                        R.PRINCIPAL,
                        "Follow up with Grace Okafor: Saturday sessions or a pause",
                        R.AGENT,
                        1,
                        (11, 0),
                    ),
                ),
            ),
            Complaint(
                "nguyen",
                R.AGENT,
                Kind.COMPLAINT,
                Channel.PHONE,
                "No chemistry tutor matched 9 days after enrollment",
                "Linh Nguyen enrolled Bao and was promised a tutor within 5 business days. "
                "Nobody has called since the assessment. Bao has a stoichiometry unit test "
                "next Friday.",
                request_type="Tutor matching",
                category="Tutor matching",
                severity=Severity.HIGH,
                money_at_stake="2040.00",
                team="Client care",
                steps=(
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "Linh asked whether she should look for another tutoring company. "
                        "Apologised, promised a named tutor by tomorrow afternoon.",
                        D.INBOUND,
                        days_ago=0,
                        at=(9, 20),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Assign(R.PRINCIPAL, R.OWNER, "Tutor matching"),
                    Log(
                        R.OWNER,
                        IK.NOTE,
                        "Two chemistry tutors shortlisted; Dr. Osei is free Mon/Wed 5 pm.",
                        D.INTERNAL,
                        days_ago=0,
                        at=(11, 0),
                    ),
                    Todo(
                        R.OWNER,
                        "Confirm a chemistry tutor and the first session with Linh Nguyen",
                        R.OWNER,
                        0,
                        (15, 0),
                    ),
                ),
            ),
            Complaint(
                "brennan",
                R.AGENT,
                Kind.LEADERSHIP_REQUEST,
                Channel.PHONE,
                "Parent asks for the franchise owner after a third tutor change",
                "Colleen Brennan says Aoife has had three tutors since the start of term and "
                "is now refusing to read with anyone. She wants to speak to the owner, not "
                "another coordinator.",
                request_type="Leadership request",
                category="Tutor matching",
                severity=Severity.HIGH,
                money_at_stake="1088.00",
                team="Client care",
                steps=(
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "Colleen asked for the owner. Took the details and promised the "
                        "office manager would call today.",
                        D.INBOUND,
                        days_ago=3,
                        at=(16, 0),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Escalate(
                        R.AGENT,
                        R.PRINCIPAL,
                        "Third tutor change this term (first tutor moved away, second "
                        "was a poor fit). Aoife now resists sessions. Family asks for "
                        "the owner.",
                        "The family says we keep sending whoever is free; our matching "
                        "notes show no reading specialist was available in their area.",
                    ),
                    Log(
                        R.PRINCIPAL,
                        IK.MEETING,
                        "Met Colleen and Sean at home. They want one tutor for the rest of "
                        "the school year and a written plan; they still want to meet the "
                        "owner.",
                        D.OUTBOUND,
                        days_ago=1,
                        at=(17, 0),
                    ),
                    Escalate(
                        R.PRINCIPAL,
                        R.EXECUTIVE,
                        "Family of a grade 3 reader, 16 hours left. Met them at home: they "
                        "will stay if one tutor is committed through June and the owner "
                        "confirms it. Rachel Stein can commit to Tue/Thu.",
                        "Three tutor changes in one term; the family believes we do not "
                        "match carefully, and the matching time promised (5 days) was "
                        "missed twice.",
                    ),
                    Todo(
                        R.EXECUTIVE,
                        "Call the Brennans: confirm Rachel Stein through June",
                        R.EXECUTIVE,
                        0,
                        (12, 0),
                    ),
                ),
            ),
            Complaint(
                "patel",
                R.OWNER,
                Kind.CANCELLATION,
                Channel.PHONE,
                "Family moving to Ohio; asks to cancel the remaining 22 hours",
                "Anjali Patel called: the family moves to Columbus at the end of the month. "
                "Dev has 22 hours left before the AP exam.",
                request_type="Cancellation",
                category="Relocation",
                money_at_stake="1496.00",
                steps=(
                    Log(
                        R.OWNER,
                        IK.CALL,
                        "Anjali asked how to cancel and get a refund.",
                        D.INBOUND,
                        days_ago=2,
                        at=(15, 30),
                    ),
                    Move(R.OWNER, S.IN_PROGRESS),
                    Log(
                        R.OWNER,
                        IK.CALL,
                        "Offered online sessions with Mr. Ito, same time slot, so Dev keeps "
                        "his tutor until the AP exam. Anjali will try one session.",
                        D.OUTBOUND,
                        days_ago=1,
                        at=(10, 30),
                    ),
                    Move(R.OWNER, S.AWAITING_CUSTOMER, "Trial online session offered."),
                    Todo(
                        R.OWNER,
                        "Send Anjali Patel the trial online session link",
                        R.OWNER,
                        0,
                        (9, 30),
                    ),
                ),
            ),
            Complaint(
                "alvarez",
                R.AGENT,
                Kind.REFUND,
                Channel.EMAIL,
                "Charged twice for the October block of hours",
                "Maria Alvarez sent a card statement with two charges of $408 on the same day.",
                request_type="Billing",
                category="Billing",
                money_at_stake="408.00",
                steps=(
                    Log(
                        R.AGENT,
                        IK.EMAIL,
                        "Statement attached, two identical charges.",
                        D.INBOUND,
                        days_ago=1,
                        at=(9, 5),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Record(
                        R.AGENT,
                        root_cause="The card payment was retried after a gateway timeout "
                        "and both attempts settled.",
                        resolution="Refund the duplicate $408 charge to the card on file.",
                    ),
                    Move(R.AGENT, S.AWAITING_APPROVAL, "Refund sent to the bookkeeper."),
                    Todo(
                        R.AGENT,
                        "Refund the duplicate $408 charge to Maria Alvarez's card",
                        R.ACCOUNTING,
                        0,
                        (14, 0),
                    ),
                ),
            ),
            Complaint(
                "kowalski",
                R.AGENT,
                Kind.COMPLAINT,
                Channel.WEB_FORM,
                "Feedback survey score 3: 'we never get progress reports'",
                "YourFeedback survey, score 3 of 10: 'Max likes his tutor but we never hear "
                "how he is doing. We paid for ISEE prep and have no idea if it's working.'",
                request_type="Survey detractor",
                category="Client care touch points",
                money_at_stake="408.00",
                steps=(
                    Move(R.AGENT, S.IN_PROGRESS),
                    Log(
                        R.AGENT,
                        IK.CONTACT_ATTEMPT,
                        "Called the mobile number, no answer.",
                        outcome=O.NO_ANSWER,
                        days_ago=1,
                        at=(17, 0),
                    ),
                    Log(
                        R.AGENT,
                        IK.CONTACT_ATTEMPT,
                        "Left a voicemail: thanked her for the feedback, offered a progress "
                        "call with the tutor this week.",
                        outcome=O.VOICEMAIL,
                        days_ago=0,
                        at=(10, 30),
                    ),
                    Move(R.AGENT, S.AWAITING_CUSTOMER),
                ),
            ),
        ),
    )


def school(today: dt.date) -> OrgSpec:
    """001: an international language school. The class teacher owns the class (ED1);
    level changes go to the academic director within 6 lessons (ED4); refunds within 6
    lessons go to the principal (ED5); teaching complaints go to the academic director and
    management complaints to the principal (ED8)."""

    def term(name: str, used: int, start: int, cohort: str) -> ProgramInput:
        return ProgramInput(
            name=name,
            unit=ProgramUnit.LESSONS,
            purchased=Decimal(48),
            delivered=Decimal(used),
            term_start=_day(today, start),
            term_end=_day(today, start + 112),
            cohort=cohort,
        )

    return OrgSpec(
        slug="school",
        source="001",
        name="星桥国际英语学校（徐汇校区）",
        case_prefix="SCH",
        locale=Locale.ZH_HANS,
        reply_guard=ReplyGuard.BLOCK,
        currency="CNY",
        timezone="Asia/Shanghai",
        country="CN",
        tiers=(("班主任", R.OWNER), ("教务长", R.ACADEMIC_DIRECTOR), ("校长", R.PRINCIPAL)),
        hours=_open(range(6), ("09:00", "12:00"), ("13:30", "18:00")),
        teams=("前台", "课程顾问组", "教务部", "财务部", "行政部"),
        staff=(
            Person(R.AGENT, "刘晓燕", "前台接待", ("前台",)),
            Person(R.OWNER, "王丽", "班主任（课程顾问）", ("课程顾问组",)),
            Person(R.ACADEMIC_DIRECTOR, "陈建华", "教务长", ("教务部",)),
            Person(R.PRINCIPAL, "张伟", "校长", ("行政部",)),
            Person(R.ACCOUNTING, "李静", "财务", ("财务部",)),
            Person(R.ADMIN, "赵敏", "行政主管", ("行政部",)),
        ),
        customers=(
            Account(
                "zhou",
                "周子涵",
                owner=R.OWNER,
                contacts=(
                    ContactInput("周建国", "父亲", phone="139 1656 2087", is_primary=True),
                    ContactInput("张敏", "母亲", phone="138 1772 4310"),
                ),
                programs=(term("少儿英语 K3（48课时）", 8, -28, "K3 周六上午班"),),
                contract_value="6720.00",
            ),
            Account(
                "sun",
                "孙浩",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "孙浩", "本人", "sun.hao@example.com", "137 6112 0958", is_primary=True
                    ),
                ),
                programs=(term("成人通用英语 Level 5（48课时）", 5, -17, "L5 周二周四晚班"),),
                contract_value="7200.00",
            ),
            Account(
                "lin",
                "林佳怡",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "林佳怡", "本人", "lin.jiayi@example.com", "136 2108 7751", is_primary=True
                    ),
                ),
                programs=(term("成人通用英语 Level 4（48课时）", 3, -10, "L4 周一周三晚班"),),
                contract_value="7200.00",
            ),
            Account(
                "huang",
                "黄俊杰",
                owner=R.OWNER,
                contacts=(ContactInput("黄丽萍", "母亲", phone="135 0172 6634", is_primary=True),),
                programs=(term("少儿英语 K5（48课时）", 20, -70, "K5 周六下午班"),),
                contract_value="6720.00",
            ),
            Account(
                "wu",
                "吴婷",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "吴婷", "本人", "wu.ting@example.com", "186 2155 3098", is_primary=True
                    ),
                ),
                programs=(
                    ProgramInput(
                        name="商务英语 Level 2（48课时）",
                        purchased=Decimal(48),
                        cohort="虚拟班（等待名单）",
                    ),
                ),
                contract_value="7680.00",
            ),
            Account(
                "zheng",
                "郑凯",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "郑凯", "本人", "zheng.kai@example.com", "139 0188 4521", is_primary=True
                    ),
                ),
                programs=(term("雅思强化（48课时）", 10, -35, "雅思 周末强化班"),),
                contract_value="9600.00",
            ),
            Account(
                "he",
                "何雨桐",
                owner=R.OWNER,
                contacts=(ContactInput("何志强", "父亲", phone="138 1655 2290", is_primary=True),),
                programs=(term("少儿英语 K4（48课时）", 40, -100, "K4 周六下午班"),),
                contract_value="6720.00",
            ),
            Account(
                "ma",
                "马骁",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "马骁", "本人", "ma.xiao@example.com", "150 2177 3846", is_primary=True
                    ),
                ),
                programs=(term("成人通用英语 Level 2（48课时）", 4, -14, "L2 周二周四晚班"),),
                contract_value="6900.00",
            ),
        ),
        cases=(
            Complaint(
                "sun",
                R.OWNER,
                Kind.REFUND,
                Channel.IN_PERSON,
                "开课第5课时申请退费（工作调动至深圳）",
                "孙浩在第5课时后向班主任提出退费申请，称下月起被公司调往深圳工作，无法继续上课。"
                "仍在开课6课时内，符合退费申请时限。",
                request_type="退费申请",
                category="管理相关",
                money_at_stake="6450.00",
                steps=(
                    Log(
                        R.OWNER,
                        IK.MEETING,
                        "在办公室与孙浩面谈（未在前台处理）。感谢他提出，记录原因：工作调动。"
                        "学员表示对老师和课程都满意。",
                        D.INBOUND,
                        days_ago=1,
                        at=(17, 0),
                    ),
                    Move(R.OWNER, S.IN_PROGRESS),
                    Log(
                        R.OWNER,
                        IK.CALL,
                        "致电孙浩，提出两种方案：转到深圳分校继续 Level 5，或按就读协议办理退费。"
                        "学员选择退费。",
                        D.OUTBOUND,
                        days_ago=0,
                        at=(10, 30),
                    ),
                    Record(
                        R.OWNER,
                        root_cause="工作调动至深圳，与教学和学校管理无关。",
                        resolution="按就读协议退还未上课时费用：7200 − 5 × 150 = 6450 元；"
                        "退费申请单已填写，待校长批准后由财务办理。",
                    ),
                    Move(R.OWNER, S.AWAITING_APPROVAL, "退费申请单已提交校长审批。"),
                    Todo(R.OWNER, "审批孙浩的退费申请单（6450 元）", R.PRINCIPAL, 0, (10, 0)),
                    Todo(
                        R.OWNER,
                        "如财务不能当日退费，提前通知孙浩，避免学员白跑一趟",
                        R.ACCOUNTING,
                        0,
                        (14, 0),
                    ),
                ),
            ),
            Complaint(
                "lin",
                R.OWNER,
                Kind.LEVEL_CHANGE,
                Channel.IN_PERSON,
                "学员认为 Level 4 太简单，申请调到 Level 5",
                "林佳怡第3课时后向班主任提出，Level 4 的内容她大部分已经掌握，希望调到 Level 5。",
                request_type="级别调整",
                category="教学相关",
                steps=(
                    Log(
                        R.OWNER,
                        IK.MEETING,
                        "课后与林佳怡面谈，记录她的理由：入学测试那天状态不好，口语部分没有发挥。",
                        D.INBOUND,
                        days_ago=2,
                        at=(17, 30),
                    ),
                    Move(R.OWNER, S.IN_PROGRESS),
                    Escalate(
                        R.OWNER,
                        R.ACADEMIC_DIRECTOR,
                        "林佳怡（L4 周一周三晚班）第3课时后申请升到 Level 5。"
                        "任课老师认为她口语可以，但写作仍在 Level 4 水平。"
                        "需在第6课时前完成鉴别并决定是否调整。",
                        "学员认为入学测试分级偏低；任课老师认为写作能力还未达到 Level 5。",
                        team="教务部",
                    ),
                    Todo(
                        R.ACADEMIC_DIRECTOR,
                        "面试林佳怡，在第6课时前决定是否调至 Level 5",
                        R.ACADEMIC_DIRECTOR,
                        0,
                        (14, 0),
                    ),
                ),
            ),
            Complaint(
                "huang",
                R.OWNER,
                Kind.COMPLAINT,
                Channel.PHONE,
                "家长投诉：连续两周由代课老师上课，事先未通知",
                "黄女士来电：K5 周六下午班连续两周由代课老师上课，学校事先没有任何通知，"
                "孩子回家说听不懂新老师讲课。",
                request_type="投诉",
                category="教学相关",
                severity=Severity.HIGH,
                steps=(
                    Log(
                        R.OWNER,
                        IK.CALL,
                        "黄女士情绪激动。先表示体谅，感谢她提出意见并做记录，承诺当天回复处理方案。",
                        D.INBOUND,
                        days_ago=2,
                        at=(15, 0),
                    ),
                    Move(R.OWNER, S.IN_PROGRESS),
                    Escalate(
                        R.OWNER,
                        R.ACADEMIC_DIRECTOR,
                        "K5 周六下午班原任课老师病假两周，由代课老师上课，"
                        "班主任未提前电话通知家长。"
                        "家长认为代课老师讲得太快，孩子跟不上。已告知校长。",
                        "学校未按规定提前通知换老师及代课；家长对代课老师的教学水平有疑问。",
                        team="教务部",
                    ),
                    Log(
                        R.ACADEMIC_DIRECTOR,
                        IK.MEETING,
                        "已听课一节，并向代课老师和班主任了解情况：原任课老师下周六返岗。",
                        D.INTERNAL,
                        days_ago=0,
                        at=(16, 30),
                    ),
                    Todo(
                        R.ACADEMIC_DIRECTOR,
                        "与黄女士见面说明情况，并把结果反馈给班主任王丽",
                        R.ACADEMIC_DIRECTOR,
                        0,
                        (10, 0),
                    ),
                ),
            ),
            Complaint(
                "wu",
                R.AGENT,
                Kind.COMPLAINT,
                Channel.PHONE,
                "已付费三周仍未开班（等待名单）",
                "吴婷三周前付清商务英语 Level 2 学费，至今未接到开班通知，"
                "期间也没有课程顾问联系她。",
                request_type="投诉",
                category="管理相关",
                money_at_stake="7680.00",
                steps=(
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "吴婷来电要求退费或马上开班。前台记录后转班主任，同日转告校长（管理相关）。",
                        D.INBOUND,
                        days_ago=2,
                        at=(11, 0),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Escalate(
                        R.AGENT,
                        R.PRINCIPAL,
                        "学员付费三周，商务英语 Level 2 报名人数不足未能开班；"
                        "等待期间无人联系学员，学员要求退费或立即开班。",
                        "付费到开班期间未按规定保持联系、未告知等待情况（管理相关）。",
                    ),
                    Log(
                        R.PRINCIPAL,
                        IK.CALL,
                        "校长致电吴婷，致歉并提出两个方案：插班到周三晚班，或等待下月开班并赠送4课时。",
                        D.OUTBOUND,
                        days_ago=1,
                        at=(14, 0),
                    ),
                    Move(R.PRINCIPAL, S.AWAITING_CUSTOMER, "等待学员选择方案。"),
                    Todo(R.PRINCIPAL, "每周向吴婷更新等待名单和开班时间", R.OWNER, 1, (10, 0)),
                ),
            ),
            Complaint(
                "zheng",
                R.OWNER,
                Kind.REFUND,
                Channel.IN_PERSON,
                "第10课时后申请退费（已超过6课时期限）",
                "郑凯上完10课时后申请全额退费，理由是雅思强化班进度太快，跟不上。",
                request_type="退费申请",
                category="教学相关",
                money_at_stake="8100.00",
                steps=(
                    Log(
                        R.OWNER,
                        IK.MEETING,
                        "在办公室面谈。按就读协议说明：退费申请须在开课6课时内提出。学员不接受，要求见校长。",
                        D.INBOUND,
                        days_ago=3,
                        at=(16, 0),
                    ),
                    Move(R.OWNER, S.IN_PROGRESS),
                    Escalate(
                        R.OWNER,
                        R.PRINCIPAL,
                        "郑凯已上10课时，超过6课时退费期限。学员称进度太快，要求全额退费 8100 元。"
                        "任课老师反映他缺勤两次。",
                        "学员认为进度太快是学校分班的问题，应全额退费；"
                        "就读协议规定开课6课时后不予退费。",
                    ),
                    Move(
                        R.PRINCIPAL,
                        S.AWAITING_CUSTOMER,
                        "校长提出：免费转入雅思基础班（进度较慢）并补4课时辅导，等待学员答复。",
                    ),
                ),
            ),
            Complaint(
                "he",
                R.OWNER,
                Kind.COMPLAINT,
                Channel.PHONE,
                "家长反映 K4 班进度太快（可能发展为集体投诉）",
                "何先生来电，说孩子跟不上 K4 班的进度，家长群里也有其他家长在讨论。",
                request_type="投诉",
                category="教学相关",
                steps=(
                    Log(
                        R.OWNER, IK.CALL, "何先生来电，已记录。", D.INBOUND, days_ago=1, at=(10, 0)
                    ),
                    Move(R.OWNER, S.IN_PROGRESS),
                    Log(
                        R.OWNER,
                        IK.NOTE,
                        "另有两位家长在群里提到同样的问题。按规定逐个与家长单独沟通，"
                        "不在群里讨论老师的表现。",
                        D.INTERNAL,
                        days_ago=1,
                        at=(11, 0),
                    ),
                    Todo(
                        R.OWNER,
                        "逐个致电 K4 周六下午班其他家长，了解对进度的看法",
                        R.OWNER,
                        0,
                        (14, 0),
                    ),
                    Todo(R.OWNER, "第48课时家长会前两周，与何先生沟通续读", R.OWNER, 2, (10, 0)),
                ),
            ),
            Complaint(
                "ma",
                R.OWNER,
                Kind.LEVEL_CHANGE,
                Channel.IN_PERSON,
                "调至 Level 2 后发票差额更正（300 元）",
                "马骁第2课时后反映 Level 3 跟不上。调整级别后两个级别的学费不同，需更正发票。",
                request_type="级别调整",
                category="教学相关",
                money_at_stake="300.00",
                steps=(
                    Log(
                        R.OWNER,
                        IK.MEETING,
                        "学员提出级别调整要求，已记录并转告教务长。",
                        D.INBOUND,
                        days_ago=4,
                        at=(17, 0),
                    ),
                    Move(R.OWNER, S.IN_PROGRESS),
                    Escalate(
                        R.OWNER,
                        R.ACADEMIC_DIRECTOR,
                        "马骁（原 L3 周二周四晚班）第2课时后反映听不懂，要求降级。",
                        "学员认为分班偏高；入学测试笔试成绩偏高，口语未单独测评。",
                        team="教务部",
                    ),
                    Log(
                        R.ACADEMIC_DIRECTOR,
                        IK.MEETING,
                        "面试马骁：听说能力在 Level 2 水平，同意调整。",
                        D.INBOUND,
                        days_ago=3,
                        at=(15, 0),
                    ),
                    Record(
                        R.ACADEMIC_DIRECTOR,
                        root_cause="入学测试只看笔试成绩，口语未单独测评，分班偏高。",
                        resolution="调至 L2 周二周四晚班；发票由 7200 元更正为 6900 元，"
                        "退还差额 300 元。",
                    ),
                    Move(R.ACADEMIC_DIRECTOR, S.AWAITING_APPROVAL, "发票更正待财务处理。"),
                    Todo(
                        R.ACADEMIC_DIRECTOR,
                        "更正马骁的发票并退还差额 300 元",
                        R.ACCOUNTING,
                        0,
                        (10, 0),
                    ),
                ),
            ),
            Complaint(
                "zhou",
                R.AGENT,
                Kind.COMPLAINT,
                Channel.IN_PERSON,
                "家长反映孩子在班上得不到老师足够的关注",
                "周先生接孩子时在前台反映：K3 班人数多，老师很少叫到子涵，"
                "孩子觉得同学都比他学得好。",
                request_type="投诉",
                category="教学相关",
                severity=Severity.LOW,
                steps=(
                    Log(
                        R.AGENT,
                        IK.NOTE,
                        "未在前台处理，已请周先生留下电话，转告班主任王丽。",
                        D.INTERNAL,
                        days_ago=0,
                        at=(11, 30),
                    ),
                    Todo(R.AGENT, "班主任回电周先生，邀请到办公室面谈", R.OWNER, 0, (16, 0)),
                ),
            ),
        ),
    )


def solar(today: dt.date) -> OrgSpec:
    """002: a solar financing contact centre. A customer who will not wait is
    warm-transferred to the "Tier 2" skill, then to the "Resolution Lead" skill (EB3); the
    information gathered depends on the concern: fraud claim, installer promises, sales
    representative, contract, system (EB4); the call closes with the standard statement
    and the installer's contact (EB5)."""

    def installer(name: str, email: str, phone: str) -> ContactInput:
        return ContactInput(name, "installer", email, phone)

    sunpeak = installer(
        "SunPeak Installations (Derek Hsu)", "service@sunpeak.example.com", "+1 559 555 0188"
    )
    golden = installer(
        "Golden Valley Solar (sales office)", "office@goldenvalley.example.com", "+1 661 555 0147"
    )
    brightroof = installer(
        "BrightRoof Energy (service line)", "service@brightroof.example.com", "+1 909 555 0123"
    )
    coastline = installer(
        "Coastline Solar Co. (Amy Reyes)", "amy@coastline.example.com", "+1 805 555 0112"
    )

    def homeowner(name: str, email: str, phone: str) -> ContactInput:
        return ContactInput(name, "homeowner", email, phone, is_primary=True)

    def loan(number: str) -> str:
        return f"https://servicing.example.com/loans/{number}"

    standard_close = (
        "Closed with the standard statement: we take your concerns seriously and will "
        "investigate; we recommend calling your installer, who is our partner but does not "
        "work for Sunward."
    )
    return OrgSpec(
        slug="solar",
        source="002",
        name="Sunward Solar Finance, homeowner contact centre",
        case_prefix="SOL",
        locale=Locale.EN,
        currency="USD",
        timezone="America/Los_Angeles",
        country="US",
        tiers=(("Agent", R.AGENT), ("Tier 2", R.TIER2), ("Resolution Lead", R.MANAGER)),
        hours=_open(range(5), ("07:00", "19:00")) + _open((5,), ("08:00", "16:00")),
        teams=("Phone - HO", "Tier 2", "Resolution", "Loan servicing"),
        skills=("Tier 2", "Resolution Lead"),
        staff=(
            Person(R.AGENT, "Tasha Greene", "Homeowner phone agent", ("Phone - HO",)),
            Person(R.TIER2, "Luis Romero", "Tier 2 specialist", ("Tier 2",), ("Tier 2",)),
            Person(
                R.MANAGER,
                "Karen Whitfield",
                "Resolution Lead",
                ("Resolution",),
                ("Resolution Lead",),
            ),
            Person(R.ACCOUNTING, "Omar Haddad", "Loan servicing and payments", ("Loan servicing",)),
            Person(R.ADMIN, "Nina Park", "Contact centre admin", ("Resolution",)),
        ),
        customers=(
            Account(
                "castillo",
                "Robert and Linda Castillo",
                contacts=(
                    homeowner("Robert Castillo", "rcastillo@example.com", "+1 559 555 0101"),
                    ContactInput("Linda Castillo", "co-borrower", phone="+1 559 555 0102"),
                    sunpeak,
                ),
                products=("Solar loan, 25 years, 2.99% APR (9.6 kW)",),
                contract_value="41200.00",
                link=loan("SW-118204"),
            ),
            Account(
                "prior",
                "Denise Prior",
                contacts=(
                    homeowner("Denise Prior", "dprior@example.com", "+1 661 555 0190"),
                    golden,
                ),
                products=("Solar loan, 20 years, 3.99% APR (7.2 kW)",),
                contract_value="38400.00",
                link=loan("SW-120977"),
            ),
            Account(
                "whitman",
                "Gary Whitman",
                contacts=(
                    homeowner("Gary Whitman", "gwhitman@example.com", "+1 909 555 0164"),
                    brightroof,
                ),
                products=("Solar lease, 20 years (6.1 kW)",),
                contract_value="26800.00",
                link=loan("SL-044813"),
            ),
            Account(
                "brooks",
                "Anita Brooks",
                contacts=(
                    homeowner("Anita Brooks", "abrooks@example.com", "+1 559 555 0133"),
                    sunpeak,
                ),
                products=("Solar loan, 25 years, 4.49% APR (8.4 kW)",),
                contract_value="35900.00",
                link=loan("SW-123550"),
            ),
            Account(
                "hall",
                "Terrence Hall",
                contacts=(
                    homeowner("Terrence Hall", "thall@example.com", "+1 661 555 0175"),
                    golden,
                ),
                products=("Solar loan, 25 years, 3.49% APR (10.2 kW)", "Battery storage"),
                contract_value="52300.00",
                link=loan("SW-109342"),
            ),
            Account(
                "tanaka",
                "Mei Tanaka",
                contacts=(
                    homeowner("Mei Tanaka", "mtanaka@example.com", "+1 909 555 0148"),
                    brightroof,
                ),
                products=("Power purchase agreement, 20 years, $0.14/kWh",),
                contract_value="31000.00",
                link=loan("PPA-007215"),
            ),
            Account(
                "medina",
                "Jorge Medina",
                contacts=(
                    homeowner("Jorge Medina", "jmedina@example.com", "+1 805 555 0156"),
                    coastline,
                ),
                products=("Solar loan, 20 years, 3.99% APR (6.8 kW)",),
                contract_value="29750.00",
                link=loan("SW-125018"),
            ),
        ),
        cases=(
            Complaint(
                "castillo",
                R.AGENT,
                Kind.LEADERSHIP_REQUEST,
                Channel.PHONE,
                "Installer promised a $7,500 rebate check; customer demands a supervisor",
                "Robert Castillo says the SunPeak representative promised a $7,500 rebate "
                "check from Sunward after installation. The first payment is due and no check "
                "came. He refused to wait for a follow-up.",
                request_type="Leadership request",
                category="Promises from the installer",
                severity=Severity.HIGH,
                money_at_stake="7500.00",
                team="Phone - HO",
                steps=(
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "Checked for an existing case: none. Customer refused to wait for a "
                        "follow-up and asked for a supervisor.",
                        D.INBOUND,
                        days_ago=0,
                        at=(10, 5),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Log(
                        R.AGENT,
                        IK.NOTE,
                        "Warm transfer to the 'Tier 2' skill: no answer after 30 seconds.",
                        D.INTERNAL,
                        days_ago=0,
                        at=(10, 12),
                    ),
                    Log(
                        R.AGENT,
                        IK.NOTE,
                        "Warm transfer to the 'Resolution Lead' skill: Karen Whitfield "
                        "answered; briefed her before connecting the customer.",
                        D.INTERNAL,
                        days_ago=0,
                        at=(10, 13),
                    ),
                    Escalate(
                        R.AGENT,
                        R.MANAGER,
                        "Installer promise: SunPeak's rep told the Castillos Sunward would "
                        "send a $7,500 rebate check after install. No Tier 2 answered the "
                        "warm transfer; Resolution Lead took the call live.",
                        "The 'rebate' is the federal tax credit, claimed on the "
                        "homeowners' tax return; the loan contract lets them apply it as a "
                        "voluntary prepayment. Sunward never issues rebate checks.",
                        team="Resolution",
                    ),
                    Log(
                        R.MANAGER,
                        IK.CALL,
                        "Explained the tax credit and the prepayment option. Gave SunPeak's "
                        "contact (Derek Hsu): installer promises are the installer's "
                        "responsibility. " + standard_close,
                        D.INBOUND,
                        days_ago=0,
                        at=(10, 30),
                    ),
                    Move(
                        R.MANAGER,
                        S.AWAITING_CUSTOMER,
                        "Customer will call SunPeak; we follow up after that call.",
                    ),
                    Todo(
                        R.MANAGER,
                        "Follow up with the Castillos after they speak to SunPeak",
                        R.MANAGER,
                        1,
                        (11, 0),
                    ),
                ),
            ),
            Complaint(
                "prior",
                R.AGENT,
                Kind.ESCALATION,
                Channel.PHONE,
                "Homeowner says she never signed the loan agreement",
                "Denise Prior says the salesperson filled in the application on his tablet "
                "and she never signed a loan; she thought the system was a free utility "
                "program.",
                request_type="Fraud claim",
                category="Claiming fraud",
                severity=Severity.CRITICAL,
                money_at_stake="38400.00",
                team="Phone - HO",
                steps=(
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "Customer agreed to wait for a follow-up.",
                        D.INBOUND,
                        days_ago=1,
                        at=(14, 20),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Log(
                        R.AGENT,
                        IK.NOTE,
                        "Fraud claim details: met the rep (Tyler, Golden Valley Solar) at home "
                        "on a Saturday; the e-sign audit trail shows an e-mail address she does "
                        "not recognise; no welcome call was completed.",
                        D.INTERNAL,
                        days_ago=1,
                        at=(14, 40),
                    ),
                    Escalate(
                        R.AGENT,
                        R.TIER2,
                        "Fraud claim: homeowner says she never signed; e-sign e-mail is not "
                        "hers. Customer agreed to wait for a follow-up.",
                        "Customer says the salesperson signed for her on his tablet; the "
                        "contract was e-signed from an address she does not own.",
                        team="Tier 2",
                    ),
                    Log(
                        R.TIER2,
                        IK.CONTACT_ATTEMPT,
                        "Called to confirm details; no answer.",
                        outcome=O.NO_ANSWER,
                        days_ago=0,
                        at=(9, 0),
                    ),
                    Escalate(
                        R.TIER2,
                        R.MANAGER,
                        "Fraud claim with an e-sign mismatch on a $38,400 loan. Payments "
                        "should be paused while we investigate the installer's sales file.",
                        "Whether the homeowner signed at all; the installer's rep "
                        "controlled the tablet and the e-mail address used.",
                        team="Resolution",
                    ),
                    Todo(
                        R.MANAGER,
                        "Request the e-sign audit trail and sales file from Golden Valley Solar",
                        R.MANAGER,
                        0,
                        (9, 0),
                    ),
                ),
            ),
            Complaint(
                "whitman",
                R.AGENT,
                Kind.COMPLAINT,
                Channel.PHONE,
                "System off for five weeks; installer not returning calls",
                "The inverter has shown a fault for five weeks. Gary Whitman called BrightRoof "
                "four times without an answer and still pays the lease.",
                request_type="Follow-up requested",
                category="System",
                money_at_stake="336.00",
                team="Phone - HO",
                steps=(
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "Checked for an existing case: none. Customer agreed to wait for a "
                        "follow-up; promised a call back within two business days.",
                        D.INBOUND,
                        days_ago=2,
                        at=(8, 45),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Escalate(
                        R.AGENT,
                        R.TIER2,
                        "System down five weeks (inverter fault); installer unresponsive, "
                        "so the installer-unresponsive procedure applies.",
                        "Homeowner pays a lease on a system producing nothing; BrightRoof "
                        "owns the warranty repair and does not answer.",
                        team="Tier 2",
                    ),
                    Log(
                        R.TIER2,
                        IK.CONTACT_ATTEMPT,
                        "Called BrightRoof's service line.",
                        outcome=O.NO_ANSWER,
                        days_ago=1,
                        at=(9, 30),
                    ),
                    Log(
                        R.TIER2,
                        IK.CONTACT_ATTEMPT,
                        "Left a voicemail for BrightRoof's operations manager.",
                        outcome=O.VOICEMAIL,
                        days_ago=0,
                        at=(9, 15),
                    ),
                    Todo(
                        R.TIER2,
                        "Call Gary Whitman with the installer status (promised)",
                        R.TIER2,
                        0,
                        (10, 0),
                    ),
                ),
            ),
            Complaint(
                "brooks",
                R.AGENT,
                Kind.COMPLAINT,
                Channel.PHONE,
                "Rep said no payments for 12 months; autopay charged in month two",
                "Anita Brooks says the sales representative told her the first 12 months were "
                "deferred. Autopay took $212 this month.",
                request_type="Billing dispute",
                category="Sales representative",
                money_at_stake="212.00",
                team="Phone - HO",
                steps=(
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "Sales representative details: 'Jason' from SunPeak, sale in the "
                        "kitchen, deferral said aloud, not in the contract.",
                        D.INBOUND,
                        days_ago=0,
                        at=(13, 0),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Move(
                        R.AGENT,
                        S.AWAITING_CUSTOMER,
                        "Customer will send the rep's text messages about the deferral.",
                    ),
                ),
            ),
            Complaint(
                "hall",
                R.AGENT,
                Kind.ESCALATION,
                Channel.EMAIL,
                "Payoff quote for home sale is $1,140 higher than expected",
                "Terrence Hall is selling the house; escrow closes on the 28th. The payoff "
                "quote is $1,140 higher than his own calculation and he wants someone senior.",
                request_type="Payoff dispute",
                category="Contract",
                money_at_stake="1140.00",
                steps=(
                    Log(
                        R.AGENT,
                        IK.EMAIL,
                        "Payoff quote and his spreadsheet attached.",
                        D.INBOUND,
                        days_ago=3,
                        at=(16, 0),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Escalate(
                        R.AGENT,
                        R.TIER2,
                        "Home sale, escrow closes on the 28th; customer disputes the payoff "
                        "amount by $1,140.",
                        "The contract re-amortizes at month 18 if the tax-credit prepayment "
                        "is not made; the customer was not aware of the clause.",
                        team="Tier 2",
                    ),
                    Record(
                        R.TIER2,
                        root_cause="The payoff includes the month-18 re-amortization because "
                        "the tax-credit prepayment was never made.",
                        resolution="Send a corrected explanation with the contract clause "
                        "and waive the $95 payoff statement fee.",
                    ),
                    Move(R.TIER2, S.AWAITING_APPROVAL, "Fee waiver sent to loan servicing."),
                    Todo(
                        R.TIER2,
                        "Approve the $95 payoff statement fee waiver for Terrence Hall",
                        R.ACCOUNTING,
                        0,
                        (9, 0),
                    ),
                ),
            ),
            Complaint(
                "tanaka",
                R.AGENT,
                Kind.LEADERSHIP_REQUEST,
                Channel.PHONE,
                "Third call about the same bill; promised callback never came",
                "Mei Tanaka's PPA invoice bills 1,420 kWh for a month in which the monitoring "
                "shows 610 kWh. Her earlier callback request was not updated for 9 days.",
                request_type="Leadership request",
                category="Contract",
                money_at_stake="113.40",
                team="Phone - HO",
                steps=(
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "Checked for an existing case: found the earlier request, not "
                        "updated for 9 days. Customer refused to wait again.",
                        D.INBOUND,
                        days_ago=0,
                        at=(11, 40),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Log(
                        R.AGENT,
                        IK.NOTE,
                        "Warm transfer to the 'Tier 2' skill: Luis Romero answered after 12 "
                        "seconds.",
                        D.INTERNAL,
                        days_ago=0,
                        at=(11, 48),
                    ),
                    Escalate(
                        R.AGENT,
                        R.TIER2,
                        "Billing error on a PPA, third call, earlier callback missed.",
                        "Invoice 1,420 kWh vs 610 kWh measured: $113.40 overbilled at $0.14/kWh.",
                        team="Tier 2",
                    ),
                    Log(
                        R.TIER2,
                        IK.CALL,
                        "Confirmed the meter read was estimated; corrected read requested.",
                        D.INBOUND,
                        days_ago=0,
                        at=(12, 0),
                    ),
                ),
            ),
            Complaint(
                "medina",
                R.AGENT,
                Kind.COMPLAINT,
                Channel.PHONE,
                "Roof leak after installation; installer promised to repair",
                "Jorge Medina has a leak over the garage since the installation. Coastline "
                "promised to reseal the mounts and has not come; he wants Sunward to pay a "
                "roofer.",
                request_type="Installer issue",
                category="Promises from the installer",
                team="Phone - HO",
                steps=(
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "Installer promises are the installer's responsibility. "
                        + standard_close
                        + " Gave Coastline's contact on request.",
                        D.INBOUND,
                        days_ago=1,
                        at=(15, 0),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Move(
                        R.AGENT,
                        S.AWAITING_CUSTOMER,
                        "Customer will contact Coastline; if they stay unresponsive the "
                        "installer-unresponsive procedure applies.",
                    ),
                ),
            ),
        ),
    )


def software(today: dt.date) -> OrgSpec:
    """003: a B2B software vendor's customer success team. Triggers (MT1) and churn codes
    (MT2) on every case; FMC accounts get an escalation channel (MT3); accounting approves
    or denies the resolution offer (MT5); explicit escalations meet the team lead within
    24 hours, silent accounts get 10 consecutive days of attempts (MT6); a rejected
    resolution is renegotiated and reviewed at the weekly finance meeting (MT8)."""

    def crm(account_id: str) -> str:
        return f"https://crm.example.com/accounts/{account_id}"

    return OrgSpec(
        slug="software",
        source="003",
        name="Clearpath Compliance, customer success",
        case_prefix="CPC",
        locale=Locale.EN,
        currency="USD",
        timezone="America/Chicago",
        country="US",
        tiers=(
            ("Customer success manager", R.OWNER),
            ("Team lead", R.TEAM_LEAD),
            ("VP of Customer Success", R.EXECUTIVE),
        ),
        hours=_open(range(5), ("08:00", "17:00")),
        teams=("CSM Team", "CS Operations", "Accounting", "FMC"),
        staff=(
            Person(R.AGENT, "Jamie Cole", "CS Operations specialist", ("CS Operations",)),
            Person(R.OWNER, "Rachel Kim", "Customer success manager", ("CSM Team",)),
            Person(R.TEAM_LEAD, "Marcus Bell", "CSM team lead", ("CSM Team",)),
            Person(R.ACCOUNTING, "Erin Walsh", "Accounting", ("Accounting",)),
            Person(R.EXECUTIVE, "Dana Whitaker", "VP of Customer Success", ()),
            Person(R.ADMIN, "Chris Ortega", "CS Operations admin", ("CS Operations",)),
        ),
        customers=(
            Account(
                "lakeside",
                "Lakeside Family Dental",
                owner=R.OWNER,
                contacts=(
                    ContactInput("Dr. Helen Marsh", "owner", "hmarsh@example.com", is_primary=True),
                    ContactInput(
                        "Tina Ruiz",
                        "office manager, billing",
                        "truiz@example.com",
                        "+1 512 555 0117",
                    ),
                ),
                products=("LMS", "CRED SOFT", "Compliance"),
                mrr="1250.00",
                contract_value="15000.00",
                link=crm("0015e00001LKSD"),
            ),
            Account(
                "summit",
                "Summit Orthopedic Partners",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "Paul Dreyer",
                        "practice administrator",
                        "pdreyer@example.com",
                        "+1 214 555 0160",
                        is_primary=True,
                    ),
                    ContactInput("Kim Ochoa", "credentialing coordinator", "kochoa@example.com"),
                ),
                products=("LMS", "CRED SERV / FMC"),
                mrr="3900.00",
                contract_value="46800.00",
                link=crm("0015e00001SMOP"),
            ),
            Account(
                "riverbend",
                "Riverbend Urgent Care",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "Alan Schultz",
                        "CFO, billing",
                        "aschultz@example.com",
                        "+1 918 555 0142",
                        is_primary=True,
                    ),
                    ContactInput("Megan Lee", "clinic manager", "mlee@example.com"),
                ),
                products=("LMS", "Incident reporting", "Compliance"),
                mrr="2100.00",
                contract_value="25200.00",
                link=crm("0015e00001RBUC"),
            ),
            Account(
                "pinecrest",
                "Pinecrest Behavioral Health",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "Jordan Hale",
                        "compliance officer",
                        "jhale@example.com",
                        "+1 405 555 0109",
                        is_primary=True,
                    ),
                    ContactInput("Front desk", "main line", phone="+1 405 555 0100"),
                ),
                products=("LMS",),
                mrr="890.00",
                contract_value="10680.00",
                link=crm("0015e00001PCBH"),
            ),
            Account(
                "harborview",
                "Harbor View Surgery Center",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "Sandra Ibe",
                        "administrator (new)",
                        "sibe@example.com",
                        "+1 713 555 0188",
                        is_primary=True,
                    ),
                    ContactInput("Dr. Victor Lam", "medical director", "vlam@example.com"),
                ),
                products=("LMS", "CRED SOFT", "Incident reporting", "Compliance"),
                mrr="5400.00",
                contract_value="64800.00",
                link=crm("0015e00001HVSC"),
            ),
            Account(
                "mesa",
                "Mesa Pediatrics",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "Laura Finch",
                        "office manager",
                        "lfinch@example.com",
                        "+1 480 555 0131",
                        is_primary=True,
                    ),
                ),
                products=("LMS", "Compliance"),
                mrr="640.00",
                contract_value="7680.00",
                link=crm("0015e00001MSPD"),
            ),
            Account(
                "northgate",
                "Northgate Imaging",
                owner=R.OWNER,
                contacts=(
                    ContactInput(
                        "Owen Park",
                        "HR director",
                        "opark@example.com",
                        "+1 316 555 0174",
                        is_primary=True,
                    ),
                ),
                products=("LMS", "CRED SOFT"),
                mrr="2750.00",
                contract_value="33000.00",
                link=crm("0015e00001NGIM"),
            ),
        ),
        cases=(
            Complaint(
                "lakeside",
                R.OWNER,
                Kind.DOWNGRADE,
                Channel.EMAIL,
                "Wants to remove CRED SOFT and 15 LMS seats at renewal",
                "Tina Ruiz wrote that the practice will drop the credentialing software and "
                "15 of 40 LMS seats at renewal because the annual increase made it too "
                "expensive. CRED SOFT was last used 47 days ago.",
                request_type="Downgrade",
                category="Price-Related > Pricing Issues > Too expensive, Annual Increase",
                money_at_stake="480.00",
                team="CSM Team",
                steps=(
                    Log(
                        R.OWNER,
                        IK.EMAIL,
                        "Downgrade request for the renewal.",
                        D.INBOUND,
                        days_ago=2,
                        at=(9, 40),
                    ),
                    Move(R.OWNER, S.IN_PROGRESS),
                    Log(
                        R.OWNER,
                        IK.MEETING,
                        "Call with Tina and Dr. Marsh: they credential three providers a year "
                        "and do it by hand anyway; the 7% increase triggered the review.",
                        D.OUTBOUND,
                        days_ago=1,
                        at=(13, 0),
                    ),
                    Record(
                        R.OWNER,
                        root_cause=(
                            "CRED SOFT does not fit a three-provider practice; the annual price "
                            "increase made them look at every line."
                        ),
                    ),
                    Escalate(
                        R.OWNER,
                        R.TEAM_LEAD,
                        "Account: Lakeside Family Dental, MRR $1,250; downgrade cuts $480. "
                        "Offer drafted: CRED SOFT at 50% for 12 months, remove 10 seats "
                        "instead of 15.",
                        "Customer sees the 7% annual increase as a hidden fee; the "
                        "contract allows it with 60 days' notice, which they say they did "
                        "not get.",
                    ),
                    Move(R.TEAM_LEAD, S.AWAITING_APPROVAL, "Resolution offer sent to accounting."),
                    Todo(
                        R.TEAM_LEAD,
                        "Approve or deny: CRED SOFT at 50% for 12 months (Lakeside Family Dental)",
                        R.ACCOUNTING,
                        0,
                        (11, 0),
                    ),
                ),
            ),
            Complaint(
                "summit",
                R.OWNER,
                Kind.ESCALATION,
                Channel.PHONE,
                "Explicit escalation: credentialing packets three weeks late",
                "Paul Dreyer: two surgeons cannot operate at St. Luke's until they are "
                "re-credentialed. The packets were promised three weeks ago. He asked to "
                "speak to someone higher up.",
                request_type="Explicit escalation",
                category="Service-Related > Support Issues > Delayed OB/Implementation",
                severity=Severity.CRITICAL,
                money_at_stake="3900.00",
                team="FMC",
                steps=(
                    Log(
                        R.OWNER,
                        IK.CALL,
                        "Customer complained explicitly; asked for a manager.",
                        D.INBOUND,
                        days_ago=0,
                        at=(9, 10),
                    ),
                    Move(R.OWNER, S.IN_PROGRESS),
                    Escalate(
                        R.OWNER,
                        R.TEAM_LEAD,
                        "Account: Summit Orthopedic Partners; MRR $3,900; FMC account; "
                        "link https://crm.example.com/accounts/0015e00001SMOP. Reason: FMC "
                        "re-credentialing packets three weeks late, two surgeons blocked.",
                        "The hospital changed its packet forms; the FMC team waited for "
                        "new signatures and never told the customer.",
                        team="FMC",
                    ),
                    Log(
                        R.TEAM_LEAD,
                        IK.NOTE,
                        "Opened escalation channel #esc-summit-ortho for the FMC team with the "
                        "account name, MRR, link, reason and this case number.",
                        D.INTERNAL,
                        days_ago=0,
                        at=(9, 45),
                    ),
                    Todo(
                        R.TEAM_LEAD,
                        "Meeting with Paul Dreyer and the team lead (within 24 h)",
                        R.TEAM_LEAD,
                        0,
                        (10, 0),
                    ),
                    Todo(
                        R.TEAM_LEAD,
                        "Daily escalation notes for Summit Orthopedic Partners",
                        R.OWNER,
                        0,
                        (16, 30),
                    ),
                ),
            ),
            Complaint(
                "riverbend",
                R.AGENT,
                Kind.ESCALATION,
                Channel.EMAIL,
                "Account 62 days past due; disputes an incident-reporting charge",
                "Alan Schultz replied to the dunning e-mail: they will not pay for incident "
                "reporting, which they say they never agreed to. Two invoices are open.",
                request_type="Past due",
                category="Price-Related > Pricing Issues > Hidden fees/Unrecognized Charges",
                severity=Severity.HIGH,
                money_at_stake="4200.00",
                team="CS Operations",
                steps=(
                    Log(
                        R.AGENT,
                        IK.EMAIL,
                        "Reply to the second dunning notice.",
                        D.INBOUND,
                        days_ago=4,
                        at=(10, 0),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Assign(R.TEAM_LEAD, R.OWNER, "CSM Team"),
                    Log(
                        R.OWNER,
                        IK.CALL,
                        "Incident reporting was added at the last renewal by the former clinic "
                        "manager; the module was never set up.",
                        D.OUTBOUND,
                        days_ago=2,
                        at=(14, 0),
                    ),
                    Record(
                        R.OWNER,
                        root_cause="Module added at renewal by a former champion and never "
                        "implemented; the CFO did not know.",
                        resolution="Credit $700 for the unused incident-reporting months if "
                        "the remaining balance is paid this month.",
                    ),
                    Move(R.OWNER, S.AWAITING_APPROVAL, "Resolution offer sent to accounting."),
                    Todo(
                        R.OWNER,
                        "Approve or deny a $700 credit for Riverbend Urgent Care",
                        R.ACCOUNTING,
                        0,
                        (10, 0),
                    ),
                ),
            ),
            Complaint(
                "pinecrest",
                R.OWNER,
                Kind.ESCALATION,
                Channel.EMAIL,
                "Unresponsive since the SSO outage: 10-day contact cadence",
                "After the SSO outage two weeks ago Jordan Hale stopped answering; LMS logins "
                "are down 80%.",
                request_type="Unresponsive account",
                category="Customer-Related > Company Changes > Ghosted",
                money_at_stake="890.00",
                team="CSM Team",
                steps=(
                    Move(R.OWNER, S.IN_PROGRESS),
                    Log(
                        R.OWNER,
                        IK.CONTACT_ATTEMPT,
                        "Day 1: call to Jordan Hale.",
                        outcome=O.NO_ANSWER,
                        days_ago=5,
                        at=(10, 0),
                    ),
                    Log(
                        R.OWNER,
                        IK.CONTACT_ATTEMPT,
                        "Day 2: call, left a voicemail.",
                        outcome=O.VOICEMAIL,
                        days_ago=4,
                        at=(10, 0),
                    ),
                    Log(
                        R.OWNER,
                        IK.CONTACT_ATTEMPT,
                        "Day 3: e-mail with the outage report.",
                        outcome=O.NO_ANSWER,
                        days_ago=3,
                        at=(10, 0),
                    ),
                    Log(
                        R.OWNER,
                        IK.CONTACT_ATTEMPT,
                        "Day 4: call, voicemail.",
                        outcome=O.VOICEMAIL,
                        days_ago=2,
                        at=(10, 0),
                    ),
                    Log(
                        R.OWNER,
                        IK.CONTACT_ATTEMPT,
                        "Day 5: e-mail bounced; Jordan may have left.",
                        outcome=O.BOUNCED,
                        days_ago=1,
                        at=(10, 0),
                    ),
                    Log(
                        R.OWNER,
                        IK.CONTACT_ATTEMPT,
                        "Day 6: main line, nobody picked up.",
                        outcome=O.NO_ANSWER,
                        days_ago=0,
                        at=(10, 0),
                    ),
                    Move(
                        R.OWNER,
                        S.AWAITING_CUSTOMER,
                        "Day 6 of 10: no resolution is decided before 10 consecutive days.",
                    ),
                    Todo(
                        R.OWNER,
                        "Day 7: call the front desk and ask for the new compliance lead",
                        R.OWNER,
                        0,
                        (10, 0),
                    ),
                ),
            ),
            Complaint(
                "harborview",
                R.OWNER,
                Kind.LEADERSHIP_REQUEST,
                Channel.PHONE,
                "New administrator asks for an executive; evaluating a competitor",
                "Sandra Ibe replaced the administrator who bought us. She needs "
                "accreditation-survey reports by department and says a competitor showed "
                "them in the demo.",
                request_type="Leadership request",
                category="Product-Related > Feature Gaps > Reporting",
                severity=Severity.HIGH,
                money_at_stake="5400.00",
                team="CSM Team",
                steps=(
                    Log(
                        R.OWNER,
                        IK.CALL,
                        "Customer asked to speak to someone higher up.",
                        D.INBOUND,
                        days_ago=3,
                        at=(11, 0),
                    ),
                    Move(R.OWNER, S.IN_PROGRESS),
                    Escalate(
                        R.OWNER,
                        R.TEAM_LEAD,
                        "Account: Harbor View Surgery Center, MRR $5,400. Owner/champion "
                        "change; new administrator compares us with a competitor.",
                        "Our reports cannot filter course completions by department, which "
                        "the surveyors ask for.",
                    ),
                    Log(
                        R.TEAM_LEAD,
                        IK.MEETING,
                        "Meeting with Sandra Ibe and Dr. Lam within 24 hours. A report export "
                        "workaround helps for this survey; she wants an executive commitment "
                        "on the roadmap.",
                        D.OUTBOUND,
                        days_ago=2,
                        at=(15, 0),
                    ),
                    Escalate(
                        R.TEAM_LEAD,
                        R.EXECUTIVE,
                        "Largest account in the region, renewal in 90 days, new decision "
                        "maker. Workaround delivered; she asks for a dated commitment on "
                        "department reporting.",
                        "Whether department-level reporting ships before their next "
                        "accreditation survey; she holds a competitor's quote.",
                    ),
                    Todo(
                        R.EXECUTIVE,
                        "Call Sandra Ibe with the reporting roadmap date",
                        R.EXECUTIVE,
                        0,
                        (14, 0),
                    ),
                ),
            ),
            Complaint(
                "mesa",
                R.OWNER,
                Kind.CANCELLATION,
                Channel.PHONE,
                "Rejected the 3-month discount; team lead renegotiating",
                "Laura Finch wants to cancel at renewal: the practice lost a pediatrician and "
                "pays for 25 seats it does not use. She rejected 3 months at 20% off.",
                request_type="Cancellation",
                category="Price-Related > Pricing Issues > Too expensive",
                money_at_stake="640.00",
                team="CSM Team",
                steps=(
                    Log(
                        R.OWNER,
                        IK.CALL,
                        "Offered 3 months at 20% off; rejected.",
                        D.INBOUND,
                        days_ago=4,
                        at=(9, 30),
                    ),
                    Move(R.OWNER, S.IN_PROGRESS),
                    Escalate(
                        R.OWNER,
                        R.TEAM_LEAD,
                        "Customer rejected the resolution (3 months at 20% off). The team "
                        "lead renegotiates; the case goes to the weekly finance meeting.",
                        "Seat count no longer matches the practice: 25 seats paid, 14 staff.",
                    ),
                    Log(
                        R.TEAM_LEAD,
                        IK.CALL,
                        "Proposed right-sizing to 15 seats at the current rate; she will "
                        "consider it if the contract can be shortened to 6 months.",
                        D.OUTBOUND,
                        days_ago=1,
                        at=(16, 0),
                    ),
                    Todo(
                        R.TEAM_LEAD,
                        "Review Mesa Pediatrics at the weekly finance meeting",
                        R.TEAM_LEAD,
                        2,
                        (10, 0),
                    ),
                ),
            ),
            Complaint(
                "northgate",
                R.OWNER,
                Kind.ESCALATION,
                Channel.SIGNAL,
                "LMS logins down 70% in 30 days",
                "Less engagement in product use: weekly active learners fell from 120 to 36. "
                "Owen Park has not opened the last two newsletters.",
                request_type="Low engagement",
                category="Competition-Related > Competitor Switching",
                severity=Severity.LOW,
                money_at_stake="2750.00",
                team="CSM Team",
                steps=(
                    Todo(R.OWNER, "Check in with Owen Park about LMS usage", R.OWNER, 0, (9, 0)),
                ),
            ),
        ),
        # MT1: what billing, the product and the CSM tool said lately. Riverbend went
        # past due and then stopped answering e-mails (the playbook's proactive rule
        # opens a case); Harbor View's new administrator uses the product less, asked for
        # someone higher up and complained (its score turns red); Pinecrest is amber.
        signals=(
            EarlyWarning(
                "riverbend",
                "past_due",
                12,
                "billing",
                "INV-2026-0412",
                "2100.00",
                "invoice 30 days overdue",
            ),
            EarlyWarning(
                "riverbend",
                "engagement_drop",
                3,
                "csm-tool",
                "eng-riverbend-48",
                "-60",
                "open rate of CSM e-mails down 60% in a month",
            ),
            EarlyWarning(
                "harborview",
                "usage_drop",
                9,
                "product",
                "usage-hvsc-w45",
                "-45",
                "weekly active users down 45%",
            ),
            EarlyWarning(
                "harborview",
                "unresponsive",
                6,
                "csm-tool",
                "unresp-hvsc-1",
                note="no answer to three e-mails after the SSO incident",
            ),
            EarlyWarning(
                "harborview",
                "asks_for_higher_up",
                4,
                "desk",
                "hvsc-exec-ask",
                note="the new administrator asked for the VP",
            ),
            EarlyWarning("harborview", "complaint", 2, "desk", "hvsc-complaint-2"),
            EarlyWarning(
                "harborview",
                "reluctance_to_pay",
                1,
                "billing",
                "hvsc-renewal-q",
                note="questions the renewal price",
            ),
            EarlyWarning(
                "pinecrest",
                "downgrade_request",
                5,
                "desk",
                "pcbh-downgrade",
                note="asked about dropping to the basic LMS plan",
            ),
            EarlyWarning(
                "pinecrest",
                "usage_drop",
                2,
                "product",
                "usage-pcbh-w46",
                "-30",
                "course completions down 30% since the last release",
            ),
        ),
    )


def insurer(today: dt.date) -> OrgSpec:
    """004: an insurer with three levels. Front line answers; if the customer does not
    accept, the manager takes it; if the manager cannot solve it, the chief executive gets
    the details and the source of the dispute (IN1) and replies or calls (IN2); an unfair
    practice is changed and a new FAQ issued (IN4)."""

    def policyholder(name: str, email: str, phone: str) -> tuple[ContactInput, ...]:
        return (ContactInput(name, "policyholder", email, phone, is_primary=True),)

    return OrgSpec(
        slug="insurer",
        source="004",
        name="Harbour Mutual Insurance (Hong Kong)",
        case_prefix="HMI",
        locale=Locale.EN,
        reply_guard=ReplyGuard.BLOCK,
        currency="HKD",
        timezone="Asia/Hong_Kong",
        country="HK",
        tiers=(("Front line", R.AGENT), ("Manager", R.MANAGER), ("Chief executive", R.EXECUTIVE)),
        hours=_open(range(5), ("09:00", "13:00"), ("14:00", "18:00"))
        + _open((5,), ("09:00", "13:00")),
        teams=("Customer service", "Claims", "Executive office"),
        staff=(
            Person(R.AGENT, "Karen Wong Ka-yan", "Customer service officer", ("Customer service",)),
            Person(
                R.MANAGER,
                "Raymond Lee Chi-ming",
                "Customer service manager",
                ("Customer service", "Claims"),
            ),
            Person(R.EXECUTIVE, "Kenneth Tam Kwok-leung", "Chief executive", ("Executive office",)),
            Person(R.ACCOUNTING, "Chan Mei-ling", "Finance officer", ()),
            Person(R.ADMIN, "Ho Siu-fai", "Operations admin", ("Executive office",)),
        ),
        customers=(
            Account(
                "cheung",
                "Cheung Tak-wah",
                contacts=policyholder("Cheung Tak-wah", "twcheung@example.com", "+852 9123 4567"),
                products=("Travel, annual multi-trip (TR-4471920)",),
                contract_value="1980.00",
            ),
            Account(
                "lau",
                "Lau Wing-sze",
                contacts=policyholder("Lau Wing-sze", "wslau@example.com", "+852 9234 5178"),
                products=("VHIS flexi medical (MD-2280415)",),
                contract_value="7420.00",
            ),
            Account(
                "ng",
                "Ng Kin-man",
                contacts=policyholder("Ng Kin-man", "kmng@example.com", "+852 6345 2290"),
                products=("Motor comprehensive (MT-7719034)",),
                contract_value="11200.00",
            ),
            Account(
                "fong",
                "Fong Suk-yee",
                contacts=policyholder("Fong Suk-yee", "syfong@example.com", "+852 9456 7012"),
                products=("Home contents (HC-2291847)",),
                contract_value="2150.00",
            ),
            Account(
                "kwok",
                "Kwok Chun-hei",
                contacts=policyholder("Kwok Chun-hei", "chkwok@example.com", "+852 5567 8123"),
                products=("Home contents (HC-2304410)", "Domestic helper (DH-0583312)"),
                contract_value="3360.00",
            ),
            Account(
                "yip",
                "Yip Hoi-ling",
                contacts=policyholder("Yip Hoi-ling", "hlyip@example.com", "+852 6678 9034"),
                products=("Outpatient medical (MD-2291577)",),
                contract_value="5880.00",
            ),
            Account(
                "chow",
                "Chow Wai-lun",
                contacts=policyholder("Chow Wai-lun", "wlchow@example.com", "+852 9789 0145"),
                products=("Travel, single trip (TR-4480022)",),
                contract_value="385.00",
            ),
            Account(
                "leung",
                "Leung Pui-shan",
                contacts=policyholder("Leung Pui-shan", "psleung@example.com", "+852 9890 1256"),
                products=("Critical illness (CI-1130877)",),
                contract_value="16400.00",
            ),
        ),
        cases=(
            Complaint(
                "cheung",
                R.AGENT,
                Kind.COMPLAINT,
                Channel.PHONE,
                "Lost-luggage claim declined: no police report within 24 hours",
                "Mr Cheung's suitcase was lost on the way back from Osaka. The claim of "
                "HK$8,600 was declined because he did not report the loss to the police "
                "within 24 hours.",
                request_type="Claim decision",
                category="Claims",
                severity=Severity.HIGH,
                money_at_stake="8600.00",
                team="Customer service",
                steps=(
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "Explained the policy condition (police report within 24 hours). "
                        "Mr Cheung did not accept the answer: he reported to the airline the "
                        "same day and nobody told him about the police.",
                        D.INBOUND,
                        days_ago=3,
                        at=(10, 0),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Escalate(
                        R.AGENT,
                        R.MANAGER,
                        "Customer does not accept the decline of his baggage claim (HK$8,600).",
                        "Policy requires a police report within 24 hours; he holds the "
                        "airline's Property Irregularity Report from the same day.",
                        team="Claims",
                    ),
                    Log(
                        R.MANAGER,
                        IK.CALL,
                        "Talked with Mr Cheung for 25 minutes. Offered 50% ex gratia; he "
                        "refused: the airline report should count.",
                        D.OUTBOUND,
                        days_ago=1,
                        at=(15, 30),
                    ),
                    Escalate(
                        R.MANAGER,
                        R.EXECUTIVE,
                        "Baggage claim HK$8,600 declined for lack of a police report. "
                        "Customer has the airline's report dated the day of arrival. I "
                        "offered 50% ex gratia; refused. Customer is calm but firm and "
                        "says he will tell his friends to avoid us.",
                        "Whether an airline Property Irregularity Report can stand in for "
                        "a police report. Our 2024 wording says 'police or carrier'; his "
                        "2022 policy says 'police' only.",
                        team="Executive office",
                    ),
                    Todo(
                        R.EXECUTIVE,
                        "Reply to Mr Cheung, or ask him to call me directly",
                        R.EXECUTIVE,
                        0,
                        (10, 0),
                    ),
                ),
            ),
            Complaint(
                "lau",
                R.AGENT,
                Kind.COMPLAINT,
                Channel.EMAIL,
                "Surgery bill paid at the reasonable-and-customary rate; HK$14,300 short",
                "Ms Lau's knee arthroscopy was reimbursed at the reasonable-and-customary "
                "rate for the surgeon's fee, leaving HK$14,300 unpaid.",
                request_type="Claim decision",
                category="Claims",
                money_at_stake="14300.00",
                team="Customer service",
                steps=(
                    Log(
                        R.AGENT,
                        IK.EMAIL,
                        "Complaint about the settlement letter.",
                        D.INBOUND,
                        days_ago=2,
                        at=(9, 30),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Log(
                        R.AGENT,
                        IK.EMAIL,
                        "Explained the reasonable-and-customary schedule; Ms Lau replied that "
                        "she does not accept it because the hospital is on our panel.",
                        D.OUTBOUND,
                        days_ago=1,
                        at=(11, 0),
                    ),
                    Escalate(
                        R.AGENT,
                        R.MANAGER,
                        "Customer does not accept the reasonable-and-customary cut on a "
                        "panel hospital.",
                        "Our panel agreement covers the hospital charges, not the "
                        "surgeon's fee; the customer was not told this at pre-approval.",
                        team="Claims",
                    ),
                    Move(
                        R.MANAGER,
                        S.AWAITING_CUSTOMER,
                        "Asked Ms Lau for the itemised bill to check the surgeon's fee.",
                    ),
                ),
            ),
            Complaint(
                "ng",
                R.AGENT,
                Kind.COMPLAINT,
                Channel.PHONE,
                "Renewal premium up 40% after a not-at-fault accident",
                "Mr Ng lost his no-claims discount at renewal. The other driver hit him "
                "from behind; the other insurer has not yet admitted liability.",
                request_type="Renewal premium",
                category="Underwriting",
                money_at_stake="3200.00",
                team="Customer service",
                steps=(
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "Explained that the discount is restored once "
                        "liability is settled. He does not accept paying the higher premium "
                        "now.",
                        D.INBOUND,
                        days_ago=4,
                        at=(11, 0),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Escalate(
                        R.AGENT,
                        R.MANAGER,
                        "Customer refuses the renewal premium without his no-claims discount.",
                        "Practice: the discount is suspended while liability is pending.",
                    ),
                    Log(
                        R.MANAGER,
                        IK.CONTACT_ATTEMPT,
                        "Called his mobile.",
                        outcome=O.NO_ANSWER,
                        days_ago=2,
                        at=(14, 30),
                    ),
                    Log(
                        R.MANAGER,
                        IK.CALL,
                        "Reached Mr Ng: he says it is unfair to pay HK$3,200 more now and "
                        "wait months for a refund for an accident that was not his fault.",
                        D.OUTBOUND,
                        days_ago=1,
                        at=(10, 15),
                    ),
                    Escalate(
                        R.MANAGER,
                        R.EXECUTIVE,
                        "Not-at-fault rear-end collision; NCD removed at renewal pending "
                        "the third party's admission. Customer pays HK$3,200 more now. I "
                        "cannot waive the practice.",
                        "Our practice removes the NCD while liability is pending and "
                        "refunds later; the customer says he is made to finance our "
                        "recovery from the other insurer.",
                        team="Executive office",
                    ),
                    Log(
                        R.EXECUTIVE,
                        IK.CALL,
                        "Called Mr Ng myself; told him I will review the practice this week.",
                        D.OUTBOUND,
                        days_ago=0,
                        at=(17, 0),
                    ),
                ),
            ),
            Complaint(
                "fong",
                R.AGENT,
                Kind.COMPLAINT,
                Channel.PHONE,
                "Water-damage claim: no loss adjuster visit after 12 days",
                "A pipe burst in the flat upstairs; Mrs Fong's floor and a cabinet were "
                "damaged. Nobody has come to assess the damage.",
                request_type="Claim delay",
                category="Claims",
                money_at_stake="22000.00",
                team="Claims",
                steps=(
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "Mrs Fong called; apologised for the delay.",
                        D.INBOUND,
                        days_ago=1,
                        at=(9, 45),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Log(
                        R.AGENT,
                        IK.CONTACT_ATTEMPT,
                        "Called Kowloon Adjusters: visit booked for the next working day, 10:00.",
                        outcome=O.REACHED,
                        days_ago=0,
                        at=(11, 0),
                    ),
                    Todo(
                        R.AGENT, "Confirm the adjuster's visit with Mrs Fong", R.AGENT, 0, (9, 30)
                    ),
                ),
            ),
            Complaint(
                "kwok",
                R.AGENT,
                Kind.CANCELLATION,
                Channel.PHONE,
                "Cancelling mid-term: disputes the short-period refund",
                "Mr Kwok is moving abroad and cancels his home contents policy after five "
                "months. He expects a pro-rata refund of HK$1,400; the short-period scale "
                "gives HK$960.",
                request_type="Cancellation",
                category="Policy servicing",
                money_at_stake="440.00",
                team="Customer service",
                steps=(
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "Explained the short-period scale; not accepted.",
                        D.INBOUND,
                        days_ago=2,
                        at=(16, 0),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Escalate(
                        R.AGENT,
                        R.MANAGER,
                        "Customer does not accept the short-period refund of HK$960.",
                        "The sales brochure says 'cancel anytime'; the policy uses the "
                        "short-period scale.",
                    ),
                    Record(
                        R.MANAGER,
                        root_cause="The brochure promises 'cancel anytime' without "
                        "mentioning the short-period scale.",
                        resolution="Refund pro rata (HK$1,400) as a one-off.",
                    ),
                    Move(R.MANAGER, S.AWAITING_APPROVAL, "Refund above the scale needs finance."),
                    Todo(
                        R.MANAGER,
                        "Pay Mr Kwok's pro-rata refund of HK$1,400",
                        R.ACCOUNTING,
                        0,
                        (11, 0),
                    ),
                ),
            ),
            Complaint(
                "chow",
                R.AGENT,
                Kind.COMPLAINT,
                Channel.PHONE,
                "Customer says an officer told him to 'go complain to the regulator'",
                "Mr Chow called back about a delayed trip-cancellation claim and says the "
                "officer told him to complain to the Insurance Authority and hung up.",
                request_type="Service complaint",
                category="Staff conduct",
                team="Customer service",
                steps=(
                    Log(
                        R.AGENT,
                        IK.NOTE,
                        "Call recording requested from quality assurance.",
                        D.INTERNAL,
                        days_ago=0,
                        at=(14, 30),
                    ),
                    Todo(
                        R.AGENT,
                        "Listen to the recording and call Mr Chow back",
                        R.MANAGER,
                        0,
                        (10, 0),
                    ),
                ),
            ),
            Complaint(
                "leung",
                R.AGENT,
                Kind.COMPLAINT,
                Channel.PHONE,
                "Policy lapsed after a failed direct debit; wants reinstatement",
                "Ms Leung changed banks; two premiums failed and the critical illness policy "
                "lapsed. She says she never received the reminder letters.",
                request_type="Reinstatement",
                category="Policy servicing",
                money_at_stake="16400.00",
                team="Customer service",
                steps=(
                    Log(
                        R.AGENT,
                        IK.CALL,
                        "Explained reinstatement needs a new health declaration; she does not "
                        "accept a waiting period on a policy she held for nine years.",
                        D.INBOUND,
                        days_ago=2,
                        at=(10, 30),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Escalate(
                        R.AGENT,
                        R.MANAGER,
                        "Customer refuses reinstatement with a new waiting period.",
                        "Reminders went to her old address; she says we had her new one "
                        "on her other policy.",
                    ),
                    Move(
                        R.MANAGER,
                        S.AWAITING_CUSTOMER,
                        "Asked for a simple health declaration; reinstatement without a new "
                        "waiting period if nothing has changed.",
                    ),
                ),
            ),
            Complaint(
                "yip",
                R.AGENT,
                Kind.COMPLAINT,
                Channel.EMAIL,
                "Outpatient claims refused without paper receipts",
                "Ms Yip's three outpatient claims were refused because she sent the clinic's "
                "e-receipts, not original paper receipts.",
                request_type="Claim decision",
                category="Claims",
                money_at_stake="1860.00",
                team="Customer service",
                steps=(
                    Log(
                        R.AGENT,
                        IK.EMAIL,
                        "Clinic e-receipts attached.",
                        D.INBOUND,
                        days_ago=5,
                        at=(9, 0),
                    ),
                    Move(R.AGENT, S.IN_PROGRESS),
                    Escalate(
                        R.AGENT,
                        R.MANAGER,
                        "Customer does not accept that e-receipts are refused.",
                        "Claims procedure requires original paper receipts.",
                    ),
                    Escalate(
                        R.MANAGER,
                        R.EXECUTIVE,
                        "Three outpatient claims (HK$1,860) refused for e-receipts only. "
                        "Her clinic no longer prints receipts. Claims staff follow the "
                        "procedure; I cannot change it.",
                        "Our rule demands paper originals; many clinics now issue only e-receipts.",
                        team="Executive office",
                    ),
                    Record(
                        R.EXECUTIVE,
                        root_cause="Our claims practice demands paper receipts although "
                        "clinics now issue e-receipts: the practice is unfair.",
                        resolution="Accept e-receipts with the clinic's registration "
                        "number; re-assess and pay the three claims.",
                        outcome="Ms Yip accepted and thanked us for hearing her out. New "
                        "FAQ issued to staff: e-receipts are accepted for outpatient "
                        "claims.",
                    ),
                    Move(R.EXECUTIVE, S.RESOLVED, "Practice changed; new FAQ issued."),
                ),
            ),
        ),
    )


ORGANIZATIONS: tuple[Callable[[dt.date], OrgSpec], ...] = (
    tutoring,
    school,
    solar,
    software,
    insurer,
)
