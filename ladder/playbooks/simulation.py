"""Replays a scenario — a YAML list of timed steps: a case opened, no answer at 10:00,
the customer rejects … — through the same use cases and the same engine as the live
desk, on a virtual clock. Deadlines fall due in order between steps and are fired by
the worker's own sweep at the instant they are due. The result is the case's timeline
and the outcome of every expectation the scenario states.

The caller provides the database: ``ladder playbook simulate`` runs in a throwaway
SQLite database; the test suite runs scenarios in its test database."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import time_machine
import yaml
from django.db import transaction
from django.utils.text import slugify

from ladder.cases import actions as case_actions
from ladder.cases.actions import CaseEdit
from ladder.cases.models import Case, Task, TimelineEvent
from ladder.customers import actions as customer_actions
from ladder.customers.actions import ProgramInput
from ladder.customers.models import Customer
from ladder.deadlines.actions import fire_due_deadlines
from ladder.deadlines.models import Deadline
from ladder.delivery.models import Notification
from ladder.errors import DomainError, Invalid
from ladder.money import make_money
from ladder.playbooks import accounts
from ladder.playbooks import actions as playbook_actions
from ladder.playbooks.models import Approval, Clock, Duty, Handoff, HandoffStatus
from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Availability, Organization, Role, Staff

SHIPPED = Path(__file__).resolve().parent / "shipped"
_OFFSET = re.compile(r"^\+(\d+)(s|m|h|d)$")
_DAY = re.compile(r"^day (\d+) (\d{1,2}):(\d{2})$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
# Safety net: a scenario whose deadlines keep creating due deadlines is a bug.
MAX_FIRINGS_PER_STEP = 10_000


class ScenarioError(Exception):
    """The scenario file itself is wrong (not an expectation that failed)."""


@dataclass
class Outcome:
    step: int
    text: str
    ok: bool


@dataclass
class Result:
    scenario: str
    lines: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(o.ok for o in self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


class Simulation:
    def __init__(self, scenario: dict[str, Any], *, source: Path, playbook_source: str) -> None:
        self.spec = scenario
        self.source = source
        self.playbook_source = playbook_source
        self.result = Result(scenario=source.name)
        self.cast: dict[str, Staff] = {}
        self.case: Case | None = None
        self.customer: Customer | None = None
        self.org: Organization | None = None
        self.now = dt.datetime.min.replace(tzinfo=dt.UTC)
        self.refused: DomainError | None = None

    # --- set-up --------------------------------------------------------------------

    def _zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(str(self.spec.get("organization", {}).get("timezone", "UTC")))

    def setup(self) -> None:
        settings = self.spec.get("organization", {})
        hours = self.spec.get("hours", {})
        start, end = (
            dt.time.fromisoformat(hours.get(k, d)) for k, d in (("from", "09:00"), ("to", "17:00"))
        )
        weekdays = hours.get("weekdays", [0, 1, 2, 3, 4])
        slug = slugify(f"sim-{self.spec.get('playbook', 'playbook')}")[:40]
        n = Organization.objects.filter(slug__startswith=slug).count()
        self.org = tenancy_actions.create_organization(
            slug=f"{slug}-{n}" if n else slug,
            name=f"Simulation of {self.spec.get('playbook')}",
            timezone_name=str(settings.get("timezone", "UTC")),
            locale=str(settings.get("locale", "en")),
            currency=str(settings.get("currency", "USD")),
            country=str(settings.get("country", "")),
            case_prefix="SIM",
            working_intervals=[(d, start, end) for d in weekdays],
        )
        self.now = self._parse_start()
        with self._at(self.now):
            self._setup_cast()
            self._setup_customer()
            actor = Actor.engine(self.org, rule="simulation")
            version = playbook_actions.load_playbook(
                actor=actor,
                organization=self.org,
                source=self.playbook_source,
                filename=f"{self.spec.get('playbook')}.yaml",
            )
            playbook_actions.activate_playbook(
                actor=actor, organization=self.org, number=version.number
            )

    def _parse_start(self) -> dt.datetime:
        start = self.spec.get("start")
        if start is None:
            raise ScenarioError("the scenario needs a start: 2026-03-02T09:00")
        value = start if isinstance(start, dt.datetime) else dt.datetime.fromisoformat(str(start))
        return value.replace(tzinfo=self._zone()) if value.tzinfo is None else value

    def _setup_cast(self) -> None:
        assert self.org is not None
        teams: dict[str, Any] = {}
        skills: dict[str, Any] = {}
        for person in self.spec.get("cast", []):
            name = str(person["name"])
            for team in person.get("teams", []):
                if team not in teams:
                    teams[team] = tenancy_actions.create_team(organization=self.org, name=team)
            staff = tenancy_actions.add_staff(
                organization=self.org,
                username=f"{name}@{self.org.slug}",
                display_name=name,
                roles=[Role(r) for r in person.get("roles", ["agent"])],
                password=None,
                teams=[teams[t] for t in person.get("teams", [])],
                email=f"{name}@simulation.invalid",
            )
            for skill in person.get("skills", []):
                if skill not in skills:
                    skills[skill] = tenancy_actions.create_skill(organization=self.org, name=skill)
                skills[skill].members.add(staff)
            availability = person.get("availability", "available")
            if availability != Availability.AVAILABLE:
                tenancy_actions.set_availability(
                    staff=staff, availability=Availability(availability)
                )
                staff.refresh_from_db()
            self.cast[name] = staff

    def _setup_customer(self) -> None:
        assert self.org is not None
        spec = self.spec.get("customer", {"name": "Customer"})
        program = spec.get("program")
        self.customer = customer_actions.create_customer(
            actor=Actor.engine(self.org, rule="simulation"),
            name=str(spec.get("name", "Customer")),
            mrr=make_money(str(spec["mrr"]), self.org.currency, "mrr") if "mrr" in spec else None,
            products=[str(p) for p in spec.get("products", [])],
            owner_id=self.cast[spec["owner"]].pk if "owner" in spec else None,
            external_link=str(spec.get("link", "")),
            programs=[
                ProgramInput(
                    name=str(program.get("name", "Program")),
                    unit=str(program.get("unit", "lessons")),
                    purchased=Decimal(str(program.get("purchased", 48))),
                    delivered=Decimal(str(program.get("delivered", 0))),
                )
            ]
            if program
            else [],
        )

    # --- time ----------------------------------------------------------------------

    @contextmanager
    def _at(self, instant: dt.datetime) -> Iterator[None]:
        with time_machine.travel(instant, tick=False):
            yield

    def _when(self, text: Any) -> dt.datetime:
        if text is None:
            return self.now
        value = str(text).strip()
        zone = self._zone()
        local = self.now.astimezone(zone)
        if m := _OFFSET.match(value):
            return self.now + dt.timedelta(**{_UNIT[m[2]]: int(m[1])})
        if m := _DAY.match(value):
            start = self._parse_start().astimezone(zone).date()
            day = start + dt.timedelta(days=int(m[1]) - 1)
            return dt.datetime.combine(day, dt.time(int(m[2]), int(m[3])), tzinfo=zone)
        if m := _CLOCK.match(value):
            return dt.datetime.combine(local.date(), dt.time(int(m[1]), int(m[2])), tzinfo=zone)
        raise ScenarioError(f"at: {value!r} is not HH:MM, +30s/+2h/+1d or 'day N HH:MM'")

    def advance(self, to: dt.datetime) -> None:
        """Fires every deadline due up to ``to`` at the instant it falls due."""
        assert self.org is not None
        if to < self.now:
            raise ScenarioError(
                f"time goes backwards: {to.isoformat()} is before {self.now.isoformat()}"
            )
        for _ in range(MAX_FIRINGS_PER_STEP):
            due = (
                Deadline.objects.filter(
                    organization=self.org, fired_at=None, cancelled_at=None, due_at__lte=to
                )
                .order_by("due_at")
                .values_list("due_at", flat=True)
                .first()
            )
            if due is None:
                break
            instant = max(due, self.now)
            with self._at(instant):
                fire_due_deadlines(now=instant, worker="simulation")
            self.now = instant
        self.now = to

    # --- steps ---------------------------------------------------------------------

    def run(self) -> Result:
        self.setup()
        for number, step in enumerate(self.spec.get("steps", []), start=1):
            self.advance(self._when(step.get("at")))
            self.refused = None
            verb = step.get("do")
            if verb is not None:
                self._do(number, str(verb), step)
            if "expect" in step:
                self._check(number, step["expect"])
        self._print()
        return self.result

    def _actor(self, step: dict[str, Any]) -> Actor:
        name = step.get("as")
        if name is None:
            assert self.org is not None
            return Actor.engine(self.org, rule="simulation")
        if name not in self.cast:
            raise ScenarioError(f"as: {name!r} is not in the cast")
        return Actor.for_staff(
            Staff.objects.select_related("organization").get(pk=self.cast[name].pk)
        )

    def _current(self) -> Case:
        if self.case is None:
            raise ScenarioError("this step needs a case: open_case first")
        return Case.objects.get(pk=self.case.pk)

    def _do(self, number: int, verb: str, step: dict[str, Any]) -> None:
        handler = VERBS.get(verb)
        if handler is None:
            raise ScenarioError(f"step {number}: unknown do: {verb!r}; one of {', '.join(VERBS)}")
        args = dict(step.get("with") or {})
        with self._at(self.now):
            try:
                handler(self, self._actor(step), args)
            except DomainError as exc:
                self.refused = exc
                expected = "expect" in step and "refused" in step["expect"]
                self.result.outcomes.append(Outcome(number, f"{verb} refused: {exc}", ok=expected))

    # --- expectations --------------------------------------------------------------

    def _check(self, number: int, expect: dict[str, Any]) -> None:
        for key, wanted in expect.items():
            check = CHECKS.get(key)
            if check is None:
                raise ScenarioError(
                    f"step {number}: unknown expectation {key!r}; one of {', '.join(CHECKS)}"
                )
            ok, seen = check(self, wanted)
            self.result.outcomes.append(
                Outcome(number, f"expect {key}: {wanted!r} — {'ok' if ok else f'got {seen!r}'}", ok)
            )

    def _print(self) -> None:
        if self.case is None:
            return
        zone = self._zone()
        start = self._parse_start()
        events = TimelineEvent.objects.filter(case_id=self.case.pk).order_by("created_at", "id")
        for event in events:
            offset = event.created_at - start
            local = event.created_at.astimezone(zone).strftime("%a %d %b %H:%M:%S")
            detail = {k: v for k, v in event.data.items() if v not in (None, "", [], {})}
            change = (
                f" {event.field}: {event.old_value!r} → {event.new_value!r}" if event.field else ""
            )
            self.result.lines.append(
                f"{local} (+{_span(offset)})  {event.kind:<28} {event.actor_label}{change}"
                + (f"  {detail}" if detail else "")
            )


def _span(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return (f"{days}d " if days else "") + f"{hours:02d}:{minutes:02d}:{secs:02d}"


# --- verbs: each calls the use case the desk calls ----------------------------------

Verb = Callable[[Simulation, Actor, dict[str, Any]], None]


def _open_case(sim: Simulation, actor: Actor, args: dict[str, Any]) -> None:
    assert sim.customer is not None
    assert sim.org is not None
    money = args.pop("money_at_stake", None)
    owner = args.pop("owner", None)
    sim.case = case_actions.create_case(
        owner_id=sim.cast[owner].pk if owner is not None else None,
        actor=actor,
        customer_id=sim.customer.pk,
        kind=str(args.pop("kind", "complaint")),
        channel=str(args.pop("channel", "phone")),
        subject=str(args.pop("subject", "Scenario case")),
        description=str(args.pop("description", "")),
        request_type=str(args.pop("request_type", "")),
        category=str(args.pop("category", "")),
        severity=str(args.pop("severity", "medium")),
        money_at_stake=(
            make_money(str(money), sim.org.currency, "money_at_stake")
            if money is not None
            else None
        ),
    )
    if args:
        raise ScenarioError(f"open_case: unknown keys {sorted(args)}")


def _log_interaction(sim: Simulation, actor: Actor, args: dict[str, Any]) -> None:
    case_actions.log_interaction(
        actor=actor,
        case_id=sim._current().pk,
        kind=str(args.get("kind", "call")),
        outcome=str(args.get("outcome", "")),
        body=str(args.get("body", "")),
        direction=str(args.get("direction", "outbound")),
    )


def _request_escalation(sim: Simulation, actor: Actor, args: dict[str, Any]) -> None:
    case_actions.request_escalation(
        actor=actor,
        case_id=sim._current().pk,
        reason=str(args.get("reason", "asked for escalation")),
    )


def _escalate(sim: Simulation, actor: Actor, args: dict[str, Any]) -> None:
    case = sim._current()
    case_actions.escalate_case(
        actor=actor,
        case_id=case.pk,
        expected_version=case.version,
        details=str(args.get("details", "")),
        source_of_dispute=str(args.get("source_of_dispute", "")),
        to_tier=args.get("tier"),
        owner_id=sim.cast[args["owner"]].pk if "owner" in args else None,
    )


def _transition(sim: Simulation, actor: Actor, args: dict[str, Any]) -> None:
    case = sim._current()
    case_actions.transition_case(
        actor=actor,
        case_id=case.pk,
        expected_version=case.version,
        to=str(args["to"]),
        note=str(args.get("note", "")),
    )


def _update(sim: Simulation, actor: Actor, args: dict[str, Any]) -> None:
    assert sim.org is not None
    case = sim._current()
    changes = CaseEdit()
    for key, value in args.items():
        if key == "money_at_stake":
            changes["money_at_stake"] = make_money(str(value), sim.org.currency, key)
        else:
            changes[key] = str(value)  # type: ignore[literal-required]
    case_actions.update_case(
        actor=actor, case_id=case.pk, expected_version=case.version, changes=changes
    )


def _assign(sim: Simulation, actor: Actor, args: dict[str, Any]) -> None:
    case = sim._current()
    case_actions.assign_case(
        actor=actor,
        case_id=case.pk,
        expected_version=case.version,
        owner_id=sim.cast[args["owner"]].pk if args.get("owner") else None,
        team_id=case.team_id,
    )


def _answer(sim: Simulation, actor: Actor, args: dict[str, Any]) -> None:
    playbook_actions.answer_questions(
        actor=actor, case_id=sim._current().pk, answers={k: str(v) for k, v in args.items()}
    )


def _tick(sim: Simulation, actor: Actor, args: dict[str, Any]) -> None:
    items = args.get("items") or [args["item"]]
    for item in items:
        playbook_actions.tick_checklist_item(
            actor=actor,
            case_id=sim._current().pk,
            checklist=str(args["checklist"]),
            item=str(item),
            done=True,
        )


def _request_handoff(sim: Simulation, actor: Actor, args: dict[str, Any]) -> None:
    playbook_actions.request_handoff(
        actor=actor, case_id=sim._current().pk, handoff=str(args["handoff"])
    )


def _accept_handoff(sim: Simulation, actor: Actor, args: dict[str, Any]) -> None:
    handoff = Handoff.objects.filter(case_id=sim._current().pk).order_by("-id").first()
    if handoff is None:
        raise ScenarioError("accept_handoff: the case has no handoff")
    playbook_actions.accept_handoff(actor=actor, handoff_id=handoff.pk)


def _decide_approval(sim: Simulation, actor: Actor, args: dict[str, Any]) -> None:
    approvals = Approval.objects.filter(case_id=sim._current().pk, status="pending")
    if "approval" in args:
        approvals = approvals.filter(name=args["approval"])
    approval = approvals.order_by("-id").first()
    if approval is None:
        raise ScenarioError("decide_approval: no pending approval on the case")
    playbook_actions.decide_approval(
        actor=actor,
        approval_id=approval.pk,
        approve=bool(args.get("approve", True)),
        reason=str(args.get("reason", "")),
    )


def _reject_resolution(sim: Simulation, actor: Actor, args: dict[str, Any]) -> None:
    case_actions.reject_resolution(
        actor=actor, case_id=sim._current().pk, reason=str(args.get("reason", "not acceptable"))
    )


def _record_sessions(sim: Simulation, actor: Actor, args: dict[str, Any]) -> None:
    assert sim.customer is not None
    program = sim.customer.programs.order_by("-id").first()
    if program is None:
        raise ScenarioError("record_sessions: the customer has no program")
    playbook_actions.record_sessions(
        actor=actor, program_id=program.pk, delivered=Decimal(str(args["delivered"]))
    )


def _signal(sim: Simulation, actor: Actor, args: dict[str, Any]) -> None:
    """An early-warning signal about the case's customer (MT1): the account's rules hear
    it, and so do the customer's open cases (``case.signal``), as when the worker
    processes a signal that arrived."""
    case = Case.objects.select_related("customer__organization").get(pk=sim._current().pk)
    with transaction.atomic():
        accounts.on_account_event(
            accounts.AccountEvent(
                customer=case.customer,
                trigger="signal.received",
                at=sim.now,
                data={
                    "signal": str(args["signal"]),
                    **{k: v for k, v in args.items() if k != "signal"},
                },
            )
        )


def _wait(sim: Simulation, actor: Actor, args: dict[str, Any]) -> None:
    """Time passes; the deadlines due by now have fired."""


VERBS: dict[str, Verb] = {
    "open_case": _open_case,
    "log_interaction": _log_interaction,
    "request_escalation": _request_escalation,
    "escalate": _escalate,
    "transition": _transition,
    "update": _update,
    "assign": _assign,
    "answer": _answer,
    "tick": _tick,
    "request_handoff": _request_handoff,
    "accept_handoff": _accept_handoff,
    "decide_approval": _decide_approval,
    "reject_resolution": _reject_resolution,
    "record_sessions": _record_sessions,
    "signal": _signal,
    "wait": _wait,
}


# --- expectations -------------------------------------------------------------------

Check = Callable[[Simulation, Any], tuple[bool, Any]]


def _name_of(sim: Simulation, staff_id: int | None) -> str | None:
    return next((n for n, s in sim.cast.items() if s.pk == staff_id), None)


def _kinds_in_order(sim: Simulation, wanted: list[str]) -> tuple[bool, Any]:
    kinds = list(
        TimelineEvent.objects.filter(case_id=sim._current().pk)
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )
    position = 0
    for kind in kinds:
        if position < len(wanted) and kind == wanted[position]:
            position += 1
    return position == len(wanted), kinds


def _clock_states(sim: Simulation, wanted: dict[str, str]) -> tuple[bool, Any]:
    seen = {}
    for clock in Clock.objects.filter(case_id=sim._current().pk):
        state = (
            "breached"
            if clock.breached_at
            else "warned"
            if clock.warned and clock.status == "running"
            else clock.status
        )
        seen[clock.name] = state
    return all(seen.get(k) == v for k, v in wanted.items()), seen


def _duty_states(sim: Simulation, wanted: dict[str, str]) -> tuple[bool, Any]:
    seen = {
        d.name: "overdue" if d.overdue_since and d.status == "active" else d.status
        for d in Duty.objects.filter(case_id=sim._current().pk)
    }
    return all(seen.get(k) == v for k, v in wanted.items()), seen


def _approval_states(sim: Simulation, wanted: dict[str, str]) -> tuple[bool, Any]:
    seen: dict[str, str] = {}
    for approval in Approval.objects.filter(case_id=sim._current().pk).order_by("id"):
        seen[approval.name] = approval.status
    return all(seen.get(k) == v for k, v in wanted.items()), seen


def _notified(sim: Simulation, wanted: list[str]) -> tuple[bool, Any]:
    ids = set(
        Notification.objects.filter(case_id=sim._current().pk).values_list("staff_id", flat=True)
    )
    seen = sorted(n for n, s in sim.cast.items() if s.pk in ids)
    return all(w in seen for w in wanted), seen


def _tasks(sim: Simulation, wanted: list[str]) -> tuple[bool, Any]:
    titles = list(Task.objects.filter(case_id=sim._current().pk).values_list("title", flat=True))
    return all(any(w.lower() in t.lower() for t in titles) for w in wanted), titles


def _refused(sim: Simulation, wanted: str) -> tuple[bool, Any]:
    exc = sim.refused
    if exc is None:
        return False, "not refused"
    fields = [e.field for e in exc.errors] if isinstance(exc, Invalid) else []
    return (wanted in fields or wanted in str(exc)), (fields or str(exc))


def _handoff_state(sim: Simulation, wanted: str) -> tuple[bool, Any]:
    handoff = Handoff.objects.filter(case_id=sim._current().pk).order_by("-id").first()
    seen = handoff.status if handoff else None
    return seen == wanted or (wanted == "accepted" and seen == HandoffStatus.ACCEPTED), seen


CHECKS: dict[str, Check] = {
    "status": lambda sim, wanted: (sim._current().status == wanted, sim._current().status),
    "tier": lambda sim, wanted: (sim._current().tier == int(wanted), sim._current().tier),
    "owner": lambda sim, wanted: (
        _name_of(sim, sim._current().owner_id) == wanted,
        _name_of(sim, sim._current().owner_id),
    ),
    "severity": lambda sim, wanted: (sim._current().severity == wanted, sim._current().severity),
    "timeline": _kinds_in_order,
    "clocks": _clock_states,
    "duties": _duty_states,
    "approvals": _approval_states,
    "notified": _notified,
    "tasks": _tasks,
    "refused": _refused,
    "handoff": _handoff_state,
}


def load_scenario(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario is a mapping with playbook, start, cast, steps")
    return data


def playbook_file(scenario: dict[str, Any], *, beside: Path) -> Path:
    name = str(scenario.get("playbook", ""))
    for folder in (beside, beside.parent, SHIPPED):
        candidate = folder / f"{name}.yaml"
        if candidate.is_file():
            return candidate
    raise ScenarioError(
        f"playbook {name!r} not found beside the scenario or among the shipped ones"
    )


def simulate(*, scenario_path: Path, playbook_path: Path | None = None) -> Result:
    """Runs one scenario in the current database (the caller's to throw away)."""
    scenario = load_scenario(scenario_path)
    book = playbook_path or playbook_file(scenario, beside=scenario_path.parent)
    return Simulation(
        scenario, source=scenario_path, playbook_source=book.read_text(encoding="utf-8")
    ).run()
