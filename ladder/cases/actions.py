"""Use cases on cases, interactions and tasks. Each is one typed, keyword-only
function that checks its guard, writes, and appends its timeline event in the same
transaction. The API, the pages, the commands and the engine all call these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any, TypedDict, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from ladder.cases.events import CaseEvent, emit, unmet_requirements
from ladder.cases.guard import guard_reply
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
from ladder.cases.states import ALLOWED, CLOSING, OPEN, Status
from ladder.customers.models import Customer
from ladder.errors import (
    Conflict,
    FieldError,
    Forbidden,
    Invalid,
    NotFound,
    StaleVersion,
    collect_errors,
)
from ladder.inserts import insert_pair
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization, Staff, Team, Tier
from ladder.tenancy.permissions import Permission
from ladder.timeutil import require_aware, require_not_future

MAX_TEXT = 20_000
# Interactions whose text goes to the customer, and so past the reply guard (ED7).
REPLY_KINDS = frozenset({InteractionKind.EMAIL, InteractionKind.CHAT})


# --- shared guards -------------------------------------------------------------------


@cache
def _values(choices: Any) -> frozenset[str]:
    # ``Choices.values`` builds its list (with the labels) on every call: every create
    # checked three of them.
    return frozenset(choices.values)


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in _values(choices):
        raise Invalid.field(
            field, _("must be one of %(choices)s") % {"choices": ", ".join(choices.values)}
        )
    return value


def _text(value: str, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = value.strip()
    if required and not value:
        raise Invalid.field(field, _("is required"))
    if len(value) > limit:
        raise Invalid.field(field, _("is longer than %(limit)s characters") % {"limit": limit})
    return value


def _no_staff(field: str, staff_id: int) -> Invalid:
    return Invalid.field(field, _("no staff member %(id)s in your organization") % {"id": staff_id})


def _no_team(field: str, team_id: int) -> Invalid:
    return Invalid.field(field, _("no team %(id)s in your organization") % {"id": team_id})


def _no_customer(field: str, customer_id: int) -> Invalid:
    return Invalid.field(field, _("no customer %(id)s in your organization") % {"id": customer_id})


def staff_in(org: Organization, staff_id: int, field: str) -> Staff:
    staff = Staff.objects.filter(organization=org, pk=staff_id).first()
    if staff is None:
        raise _no_staff(field, staff_id)
    return staff


def team_in(org: Organization, team_id: int, field: str) -> Team:
    team = Team.objects.filter(organization=org, pk=team_id).first()
    if team is None:
        raise _no_team(field, team_id)
    return team


M = TypeVar("M", bound=Model)


def _loaded(model: type[M], **values: Any) -> M:
    """An instance with only these fields loaded, the others deferred: what
    ``.only()`` would give, for a row read with plain SQL."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(DEFAULT_DB_ALIAS, names, [values[n] for n in names])


@dataclass(frozen=True)
class _Parties:
    customer: Customer
    owner: Staff | None
    team: Team | None


_PARTIES = (
    "SELECT"
    " (SELECT name FROM customers_customer WHERE id = %(customer)s AND organization_id = %(org)s)"
    " AS customer,"
    " (SELECT display_name FROM tenancy_staff WHERE id = %(owner)s AND organization_id = %(org)s)"
    " AS owner,"
    " (SELECT name FROM tenancy_team WHERE id = %(team)s AND organization_id = %(org)s) AS team"
)

# PostgreSQL: the names and, only if every named party is there and the caller may take
# it, the case number, in one statement: it commits (and so holds the organization's
# row lock) on its own, before the case's transaction, as _take_number does.
_PARTIES_AND_NUMBER = (
    f"WITH parties AS ({_PARTIES}),"  # noqa: S608 (constant text; values are parameters)
    " taken AS ("
    "UPDATE tenancy_organization SET last_case_number = last_case_number + 1"
    " WHERE id = %(org)s AND %(take)s AND EXISTS (SELECT 1 FROM parties"
    "  WHERE customer IS NOT NULL"
    "  AND (owner IS NOT NULL OR %(owner)s::bigint IS NULL)"
    "  AND (team IS NOT NULL OR %(team)s::bigint IS NULL))"
    " RETURNING last_case_number)"
    " SELECT customer, owner, team, (SELECT last_case_number FROM taken) FROM parties"
)


def _case_parties(
    org: Organization,
    *,
    customer_id: int,
    owner_id: int | None,
    team_id: int | None,
    may_take: bool,
) -> tuple[_Parties, int | None]:
    """The customer, owner and team a new case names, each checked to belong to the
    organization, reading only the names the case and its timeline row show (three ORM
    lookups of whole rows cost more Python than the insert); and the case number if
    all are there and ``may_take``. One statement on PostgreSQL, two elsewhere. A
    refused create takes no number."""
    params = {"customer": customer_id, "owner": owner_id, "team": team_id, "org": org.pk}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PARTIES_AND_NUMBER, params | {"take": may_take})
            customer_name, owner_name, team_name, number = cursor.fetchone()
        else:
            cursor.execute(_PARTIES, params)
            customer_name, owner_name, team_name = cursor.fetchone()
            number = None
    if customer_name is None:
        raise _no_customer("customer_id", customer_id)
    if owner_id is not None and owner_name is None:
        raise _no_staff("owner_id", owner_id)
    if team_id is not None and team_name is None:
        raise _no_team("team_id", team_id)
    if may_take and number is None:
        number = _take_number(org)
    parties = _Parties(
        customer=_loaded(Customer, id=customer_id, organization_id=org.pk, name=customer_name),
        owner=_loaded(Staff, id=owner_id, organization_id=org.pk, display_name=owner_name)
        if owner_id is not None
        else None,
        team=_loaded(Team, id=team_id, organization_id=org.pk, name=team_name)
        if team_id is not None
        else None,
    )
    return parties, number


def _money_in_org_currency(money: Money | None, org: Organization, field: str) -> Money | None:
    if money is not None and str(money.currency) != org.currency:
        raise Invalid.field(
            f"{field}.currency",
            _("must be the organization's currency, %(currency)s") % {"currency": org.currency},
        )
    return money


def _locked_case(actor: Actor, case_id: int) -> Case:
    case = (
        Case.objects.select_for_update().filter(organization=actor.organization, pk=case_id).first()
    )
    if case is None:
        raise NotFound("case")
    return case


def _check_version(current: int, expected: int) -> None:
    if current != expected:
        raise StaleVersion(expected=expected, current=current)


def _save_case(case: Case, expected_version: int, fields: list[str], now: dt.datetime) -> None:
    """Writes the changed fields with a conditional UPDATE on the version it was read at,
    so that of two concurrent writers exactly one wins even without row locks."""
    values = {f: getattr(case, f) for f in fields}
    if "money_at_stake" in values:
        money = values.pop("money_at_stake")
        values["money_at_stake"] = money.amount if money is not None else None
        values["money_at_stake_currency"] = str(money.currency) if money is not None else None
    rows = Case.objects.filter(pk=case.pk, version=expected_version).update(
        **values, version=expected_version + 1, updated_at=now
    )
    if rows != 1:
        current = Case.objects.values_list("version", flat=True).get(pk=case.pk)
        raise StaleVersion(expected=expected_version, current=current)
    case.version = expected_version + 1
    case.updated_at = now


def record(
    *,
    case: Case,
    actor: Actor,
    kind: str,
    at: dt.datetime,
    field: str = "",
    old: str = "",
    new: str = "",
    data: dict[str, Any] | None = None,
) -> TimelineEvent:
    """Appends one timeline event. Callers are inside the transaction of the change."""
    event = _event(
        case=case, actor=actor, kind=kind, at=at, field=field, old=old, new=new, data=data
    )
    event.save()
    return event


def _event(
    *,
    case: Case,
    actor: Actor,
    kind: str,
    at: dt.datetime,
    field: str = "",
    old: str = "",
    new: str = "",
    data: dict[str, Any] | None = None,
) -> TimelineEvent:
    return TimelineEvent(
        organization_id=case.organization_id,
        case=case,
        kind=kind,
        actor_staff=actor.staff,
        actor_token=actor.token,
        actor_rule=actor.rule,
        actor_label=actor.label,
        field=field,
        old_value=old,
        new_value=new,
        data=data or {},
        created_at=at,
    )


def _take_number(org: Organization) -> int:
    """The organization's next case number, in one statement that callers run before
    the case's transaction: outside a transaction it commits at once, so the row lock
    on the organization lasts one statement instead of queueing every create behind
    the insert, the timeline row and the commit of the one before. Numbers never
    repeat; a create that fails after taking its number leaves a gap."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tenancy_organization SET last_case_number = last_case_number + 1"
            " WHERE id = %s RETURNING last_case_number",
            [org.pk],
        )
        (number,) = cursor.fetchone()
    return int(number)


# --- cases ---------------------------------------------------------------------------


def _open_case(
    *,
    actor: Actor,
    number: int,
    customer: Customer,
    at: dt.datetime,
    event: dict[str, Any],
    **fields: Any,
) -> Case:
    """Inserts and records a new case with the number the caller took (``_take_number``,
    before the transaction); callers are inside the case's transaction. The one place a
    case comes into being, whichever use case opens it."""
    org = actor.organization
    # django-money fields take Money; the stubs only see their DecimalField base.
    case = Case(
        organization=org,
        number=number,
        reference=f"{org.case_prefix}-{number:06d}",
        customer=customer,
        created_at=at,
        updated_at=at,
        **fields,
    )
    created = _event(
        case=case,
        actor=actor,
        kind="case.created",
        at=at,
        data={
            "reference": case.reference,
            "kind": fields["kind"],
            "channel": fields["channel"],
            "customer": customer.name,
            **event,
        },
    )
    # The case and its first timeline row in one round trip (see ladder.inserts).
    insert_pair(case, created, link="case")
    emit(CaseEvent(case=case, trigger="case.created", actor=actor, at=at, data={}))
    return case


def create_case(
    *,
    actor: Actor,
    customer_id: int,
    kind: str,
    channel: str,
    subject: str,
    description: str = "",
    request_type: str = "",
    category: str = "",
    severity: str = Severity.MEDIUM,
    money_at_stake: Money | None = None,
    owner_id: int | None = None,
    team_id: int | None = None,
) -> Case:
    actor.require(Permission.CASE_CREATE)
    org = actor.organization
    errors = collect_errors(
        lambda: _choice(kind, Kind, "kind"),
        lambda: _choice(channel, Channel, "channel"),
        lambda: _choice(severity, Severity, "severity"),
        lambda: _text(subject, "subject", required=True, limit=200),
        lambda: _text(description, "description"),
        lambda: _text(request_type, "request_type", limit=100),
        lambda: _text(category, "category", limit=100),
        lambda: _money_in_org_currency(money_at_stake, org, "money_at_stake"),
    )
    if errors:
        raise Invalid(errors)
    may_assign = (
        owner_id is None
        or (actor.staff is not None and owner_id == actor.staff.pk)
        or actor.can(Permission.CASE_ASSIGN)
    )
    parties, number = _case_parties(
        org, customer_id=customer_id, owner_id=owner_id, team_id=team_id, may_take=may_assign
    )
    if not may_assign:
        raise Forbidden(Permission.CASE_ASSIGN.value)
    assert number is not None
    owner, team = parties.owner, parties.team
    now = timezone.now()
    with transaction.atomic(durable=True):
        case = _open_case(
            actor=actor,
            number=number,
            customer=parties.customer,
            at=now,
            event={
                "owner": owner.display_name if owner else None,
                "team": team.name if team else None,
            },
            kind=kind,
            channel=channel,
            subject=subject.strip(),
            description=description.strip(),
            request_type=request_type.strip(),
            category=category.strip(),
            severity=severity,
            money_at_stake=money_at_stake,
            owner=owner,
            team=team,
            created_by=actor.staff,
        )
    return case


def open_case_within(
    *,
    actor: Actor,
    customer: Customer,
    at: dt.datetime,
    kind: str,
    channel: str,
    subject: str,
    description: str = "",
    category: str = "",
    severity: str = Severity.MEDIUM,
    owner: Staff | None = None,
    event: dict[str, Any] | None = None,
) -> Case:
    """Opens a case inside the caller's transaction: the engine's proactive cases (MT1)
    and follow-ups (TD3). The caller has checked its words; they are cut to the
    fields' lengths rather than refused, since nobody is there to correct them."""
    number = _take_number(actor.organization)
    return _open_case(
        actor=actor,
        number=number,
        customer=customer,
        at=at,
        event={"owner": owner.display_name if owner else None, **(event or {})},
        kind=kind,
        channel=channel,
        subject=subject.strip()[:200],
        description=description.strip(),
        category=category.strip()[:100],
        severity=severity,
        owner=owner,
        created_by=actor.staff,
    )


class CaseEdit(TypedDict, total=False):
    """The editable fields of a case; a key that is present is a change."""

    subject: str
    description: str
    request_type: str
    category: str
    severity: str
    root_cause: str
    resolution: str
    outcome: str
    money_at_stake: Money | None


_TEXT_LIMITS = {
    "subject": 200,
    "request_type": 100,
    "category": 100,
    "description": MAX_TEXT,
    "root_cause": MAX_TEXT,
    "resolution": MAX_TEXT,
    "outcome": MAX_TEXT,
}


def update_case(*, actor: Actor, case_id: int, expected_version: int, changes: CaseEdit) -> Case:
    actor.require(Permission.CASE_EDIT)
    org = actor.organization
    clean: dict[str, Any] = {}
    errors: list[FieldError] = []
    for field, value in changes.items():
        try:
            if field == "severity":
                clean[field] = _choice(str(value), Severity, field)
            elif field == "money_at_stake":
                clean[field] = _money_in_org_currency(value, org, field)  # type: ignore[arg-type]
            elif field in _TEXT_LIMITS:
                clean[field] = _text(
                    str(value), field, required=field == "subject", limit=_TEXT_LIMITS[field]
                )
            else:
                errors.append(FieldError(field, _("cannot be edited")))
        except Invalid as exc:
            errors.extend(exc.errors)
    if errors:
        raise Invalid(errors)
    if clean.get("resolution"):
        # The resolution is what the customer is told: the reply guard reads it too.
        guard_reply(organization=org, text=clean["resolution"], field="resolution")
    now = timezone.now()
    with transaction.atomic(durable=True):
        case = _locked_case(actor, case_id)
        _check_version(case.version, expected_version)
        changed = [f for f, v in clean.items() if getattr(case, f) != v]
        if not changed:
            return case
        if case.status in (Status.RESOLVED, Status.CLOSED):
            # TD1 holds after resolution too: the agreed answer cannot be erased.
            erased = [
                FieldError(f, _("cannot be cleared on a resolved or closed case"))
                for f in ("root_cause", "resolution")
                if f in changed and not clean[f]
            ]
            if erased:
                raise Invalid(erased)
        apply_edit(case=case, actor=actor, changes={f: clean[f] for f in changed}, at=now)
    return case


def apply_edit(*, case: Case, actor: Actor, changes: dict[str, Any], at: dt.datetime) -> None:
    """Writes checked field changes to a locked case and records each; for callers
    inside the transaction (update_case, the engine's set_severity)."""
    old = {f: getattr(case, f) for f in changes}
    for f, value in changes.items():
        setattr(case, f, value)
    _save_case(case, case.version, list(changes), at)
    for f, value in changes.items():
        record(
            case=case,
            actor=actor,
            kind="case.field_changed",
            at=at,
            field=f,
            old="" if old[f] is None else str(old[f]),
            new="" if value is None else str(value),
        )
    for f, value in changes.items():
        emit(
            CaseEvent(
                case=case,
                trigger="case.field_changed",
                actor=actor,
                at=at,
                data={"field": f, "old": old[f], "new": value},
            )
        )


def transition_case(
    *, actor: Actor, case_id: int, expected_version: int, to: str, note: str = ""
) -> Case:
    """The only code that writes ``Case.status``."""
    target = Status(_choice(to, Status, "to"))
    note = _text(note, "note")
    now = timezone.now()
    with transaction.atomic(durable=True):
        case = _locked_case(actor, case_id)
        current = Status(case.status)
        needed = Permission.CASE_CLOSE if (current, target) in CLOSING else Permission.CASE_EDIT
        actor.require(needed)
        _check_version(case.version, expected_version)
        apply_transition(case=case, actor=actor, to=target, at=now, note=note)
    return case


def apply_transition(
    *, case: Case, actor: Actor, to: Status, at: dt.datetime, note: str = ""
) -> None:
    """Moves a locked case along the state machine, checking what the transition
    requires (TD1 and the playbook's requirements); for callers inside the transaction."""
    current = Status(case.status)
    if to not in ALLOWED[current]:
        allowed = sorted(s.value for s in ALLOWED[current])
        raise Conflict(
            _("a case that is %(current)s cannot move to %(target)s; allowed: %(allowed)s")
            % {"current": current.value, "target": to.value, "allowed": ", ".join(allowed)},
            current=current.value,
            allowed=allowed,
        )
    missing: list[FieldError] = []
    if to == Status.RESOLVED:
        # TD1: the root cause is identified before a resolution is agreed.
        missing = [
            FieldError(f, _("must be recorded before the case is resolved"))
            for f in ("root_cause", "resolution")
            if not getattr(case, f).strip()
        ]
    missing += unmet_requirements(case, to.value)
    if missing:
        raise Invalid(missing)
    case.status = to
    _save_case(case, case.version, ["status"], at)
    if to == Status.CLOSED:
        kind = "case.closed"
    elif current in (Status.RESOLVED, Status.CLOSED):
        kind = "case.reopened"
    else:
        kind = "case.status_changed"
    record(
        case=case,
        actor=actor,
        kind=kind,
        at=at,
        field="status",
        old=current.value,
        new=to.value,
        data={"note": note} if note else {},
    )
    emit(
        CaseEvent(
            case=case,
            trigger="case.status_changed",
            actor=actor,
            at=at,
            data={"from": current.value, "to": to.value},
        )
    )


def assign_case(
    *,
    actor: Actor,
    case_id: int,
    expected_version: int,
    owner_id: int | None,
    team_id: int | None,
) -> Case:
    """Sets the case's owner and team (``None`` means nobody / no team). Without the
    assign permission a staff member may only take a case for themselves."""
    org = actor.organization
    owner = staff_in(org, owner_id, "owner_id") if owner_id is not None else None
    team = team_in(org, team_id, "team_id") if team_id is not None else None
    now = timezone.now()
    with transaction.atomic(durable=True):
        case = _locked_case(actor, case_id)
        _check_version(case.version, expected_version)
        changes: list[tuple[str, Staff | Team | None, Staff | Team | None]] = []
        if case.owner_id != (owner.pk if owner else None):
            changes.append(("owner", case.owner, owner))
        if case.team_id != (team.pk if team else None):
            changes.append(("team", case.team, team))
        if not changes:
            return case
        # Without the assign permission you may take a case nobody owns, nothing more.
        taking_for_self = (
            [c[0] for c in changes] == ["owner"] and owner == actor.staff and case.owner_id is None
        )
        if not (taking_for_self and actor.can(Permission.CASE_EDIT)):
            actor.require(Permission.CASE_ASSIGN)
        apply_assignment(case=case, actor=actor, owner=owner, team=team, at=now)
    return case


def apply_assignment(
    *, case: Case, actor: Actor, owner: Staff | None, team: Team | None, at: dt.datetime
) -> None:
    """Sets owner and team on a locked case and records what changed; for callers
    inside the transaction that have checked the permission."""
    changes: list[tuple[str, Staff | Team | None, Staff | Team | None]] = []
    if case.owner_id != (owner.pk if owner else None):
        changes.append(("owner", case.owner, owner))
    if case.team_id != (team.pk if team else None):
        changes.append(("team", case.team, team))
    if not changes:
        return
    case.owner = owner
    case.team = team
    _save_case(case, case.version, [c[0] for c in changes], at)
    for field, before, after in changes:
        record(
            case=case,
            actor=actor,
            kind="case.assigned",
            at=at,
            field=field,
            old=str(before) if before else "",
            new=str(after) if after else "",
            data={
                f"old_{field}_id": before.pk if before else None,
                f"new_{field}_id": after.pk if after else None,
            },
        )


def escalate_case(
    *,
    actor: Actor,
    case_id: int,
    expected_version: int,
    details: str,
    source_of_dispute: str,
    to_tier: int | None = None,
    owner_id: int | None = None,
    team_id: int | None = None,
) -> Case:
    """Moves a case up the ladder with a written handoff summary (IN1). ``to_tier``
    defaults to the next rung; the new owner, if named, must hold that rung's role."""
    actor.require(Permission.CASE_ESCALATE)
    org = actor.organization
    errors = collect_errors(
        lambda: _text(details, "details", required=True),
        lambda: _text(source_of_dispute, "source_of_dispute", required=True),
    )
    if errors:
        raise Invalid(errors)
    owner = staff_in(org, owner_id, "owner_id") if owner_id is not None else None
    team = team_in(org, team_id, "team_id") if team_id is not None else None
    tiers = {t.level: t for t in Tier.objects.filter(organization=org)}
    now = timezone.now()
    with transaction.atomic(durable=True):
        case = _locked_case(actor, case_id)
        _check_version(case.version, expected_version)
        if case.status not in OPEN:
            raise Conflict(
                _("a %(status)s case cannot be escalated; reopen it first")
                % {"status": case.status},
                current=case.status,
                allowed=[s.value for s in OPEN],
            )
        apply_escalation(
            case=case,
            actor=actor,
            tiers=tiers,
            to_tier=to_tier,
            owner=owner,
            team=team,
            details=details.strip(),
            source_of_dispute=source_of_dispute.strip(),
            at=now,
        )
    return case


def apply_escalation(
    *,
    case: Case,
    actor: Actor,
    tiers: dict[int, Tier],
    to_tier: int | None,
    owner: Staff | None,
    team: Team | None,
    details: str,
    source_of_dispute: str,
    at: dt.datetime,
    extra: dict[str, Any] | None = None,
) -> None:
    """Moves a locked, open case up the ladder with its handoff summary (IN1); for
    callers inside the transaction (escalate_case, the engine's escalate action)."""
    top = max(tiers, default=1)
    target = to_tier if to_tier is not None else case.tier + 1
    if case.tier >= top:
        raise Conflict(
            _("the case is already at the top tier (%(top)s)") % {"top": top},
            current=str(case.tier),
        )
    rung = tiers.get(target)
    if rung is None or not case.tier < target <= top:
        raise Invalid.field(
            "to_tier",
            _("must be a tier of the ladder above the current tier %(tier)s, at most %(top)s")
            % {"tier": case.tier, "top": top},
        )
    if owner is not None and rung.role not in owner.role_set:
        raise Invalid.field(
            "owner_id",
            _("%(owner)s does not hold the role %(role)s that works tier %(tier)s")
            % {"owner": owner, "role": rung.role, "tier": target},
        )
    from_tier = case.tier
    old_owner = case.owner
    case.tier = target
    case.owner = owner
    fields = ["tier", "owner"]
    if team is not None:
        case.team = team
        fields.append("team")
    _save_case(case, case.version, fields, at)
    record(
        case=case,
        actor=actor,
        kind="case.escalated",
        at=at,
        field="tier",
        old=str(from_tier),
        new=str(target),
        data={
            "from_tier": from_tier,
            "to_tier": target,
            "to_tier_name": rung.name,
            "details": details,
            "source_of_dispute": source_of_dispute,
            "old_owner": str(old_owner) if old_owner else None,
            "new_owner": str(owner) if owner else None,
            "team": str(case.team) if case.team_id else None,
            **(extra or {}),
        },
    )
    emit(
        CaseEvent(
            case=case,
            trigger="case.escalated",
            actor=actor,
            at=at,
            data={"from_tier": from_tier, "to_tier": target},
        )
    )


def request_escalation(*, actor: Actor, case_id: int, reason: str) -> Case:
    """The customer asks for someone higher up (MT1) or escalates explicitly (MT6).
    Records the request; what follows is the playbook's (a meeting clock, a handoff)."""
    return _record_customer_word(
        actor=actor,
        case_id=case_id,
        reason=reason,
        kind="case.escalation_requested",
        what=_("an escalation request"),
    )


def reject_resolution(*, actor: Actor, case_id: int, reason: str) -> Case:
    """The customer rejects the resolution offered (MT8). Recorded with the reason; the
    playbook decides what follows (back to the team lead, the finance review list)."""
    return _record_customer_word(
        actor=actor,
        case_id=case_id,
        reason=reason,
        kind="resolution.rejected",
        what=_("a rejected resolution"),
        resolution=True,
    )


def _record_customer_word(
    *, actor: Actor, case_id: int, reason: str, kind: str, what: str, resolution: bool = False
) -> Case:
    """What the customer said on an open case, recorded with its reason and handed to
    the playbook under the same name as its timeline event."""
    actor.require(Permission.CASE_LOG)
    reason = _text(reason, "reason", required=True)
    now = timezone.now()
    with transaction.atomic(durable=True):
        case = _locked_case(actor, case_id)
        _require_open(case, what)
        data = {"reason": reason}
        # The timeline keeps the resolution the customer turned down, as it was then.
        shown = {**data, "resolution": case.resolution} if resolution else data
        record(case=case, actor=actor, kind=kind, at=now, data=shown)
        emit(CaseEvent(case=case, trigger=kind, actor=actor, at=now, data=data))
    return case


def _require_open(case: Case, what: str) -> None:
    if case.status not in OPEN:
        raise Conflict(
            _("%(what)s needs an open case; this one is %(status)s")
            % {"what": what, "status": case.status},
            current=case.status,
            allowed=[s.value for s in OPEN],
        )


# --- interactions --------------------------------------------------------------------


def log_interaction(
    *,
    actor: Actor,
    case_id: int,
    kind: str,
    direction: str = Direction.OUTBOUND,
    body: str = "",
    outcome: str = "",
    occurred_at: dt.datetime | None = None,
) -> Interaction:
    actor.require(Permission.CASE_LOG)
    errors = collect_errors(
        lambda: _choice(kind, InteractionKind, "kind"),
        lambda: _choice(direction, Direction, "direction"),
        lambda: _text(body, "body"),
    )
    if kind == InteractionKind.CONTACT_ATTEMPT:
        if outcome not in ContactOutcome.values:
            errors.append(
                FieldError(
                    "outcome",
                    _("a contact attempt needs one of %(choices)s")
                    % {"choices": ", ".join(ContactOutcome.values)},
                )
            )
    elif outcome:
        errors.append(FieldError("outcome", _("only a contact attempt has an outcome")))
    if kind in (InteractionKind.NOTE,) and not body.strip():
        errors.append(FieldError("body", _("a note needs text")))
    now = timezone.now()
    when = now
    if occurred_at is not None:
        try:
            when = require_not_future(occurred_at, "occurred_at")
        except Invalid as exc:
            errors.extend(exc.errors)
    if errors:
        raise Invalid(errors)
    warnings: list[str] = []
    if kind in REPLY_KINDS and direction == Direction.OUTBOUND:
        hits = guard_reply(organization=actor.organization, text=body, field="body")
        warnings = [h.phrase for h in hits]
    with transaction.atomic(durable=True):
        case = _locked_case(actor, case_id)
        interaction = Interaction.objects.create(
            organization_id=case.organization_id,
            case=case,
            kind=kind,
            direction=direction,
            outcome=outcome,
            body=body.strip(),
            author=actor.staff,
            occurred_at=when,
        )
        # Activity counts as an update (EB1 asks whether the case has been updated),
        # but it is not an edit of the case, so the version stays.
        Case.objects.filter(pk=case.pk).update(updated_at=now)
        record(
            case=case,
            actor=actor,
            kind="interaction.logged",
            at=now,
            data={
                "interaction_id": interaction.pk,
                "kind": kind,
                "outcome": outcome,
                **({"reply_guard_warnings": warnings} if warnings else {}),
            },
        )
        emit(
            CaseEvent(
                case=case,
                trigger="interaction.logged",
                actor=actor,
                at=now,
                data={"kind": kind, "outcome": outcome, "interaction_id": interaction.pk},
            )
        )
    return interaction


# --- tasks ---------------------------------------------------------------------------


def create_task(
    *,
    actor: Actor,
    title: str,
    assignee_id: int,
    due_at: dt.datetime,
    case_id: int | None = None,
) -> Task:
    actor.require(Permission.TASK_EDIT)
    org = actor.organization
    errors = collect_errors(
        lambda: _text(title, "title", required=True, limit=200),
        lambda: require_aware(due_at, "due_at"),
    )
    if errors:
        raise Invalid(errors)
    assignee = staff_in(org, assignee_id, "assignee_id")
    now = timezone.now()
    with transaction.atomic(durable=True):
        case = None
        if case_id is not None:
            case = Case.objects.filter(organization=org, pk=case_id).first()
            if case is None:
                raise Invalid.field(
                    "case_id", _("no case %(id)s in your organization") % {"id": case_id}
                )
        task = open_task(
            organization=org,
            case=case,
            actor=actor,
            title=title.strip(),
            assignee=assignee,
            due_at=due_at,
            at=now,
        )
    return task


def open_task(
    *,
    organization: Organization,
    case: Case | None,
    actor: Actor,
    title: str,
    assignee: Staff,
    due_at: dt.datetime,
    at: dt.datetime,
) -> Task:
    """Inserts a task and records it on its case; for callers inside the transaction."""
    task: Task = Task.objects.create(
        organization=organization,
        case=case,
        title=title,
        assignee=assignee,
        due_at=due_at,
        created_by=actor.staff,
    )
    if case is not None:
        record(
            case=case,
            actor=actor,
            kind="task.created",
            at=at,
            data={
                "task_id": task.pk,
                "title": task.title,
                "assignee": str(assignee),
                "due_at": due_at.isoformat(),
            },
        )
    return task


def _locked_task(actor: Actor, task_id: int) -> Task:
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("case")
        .filter(organization=actor.organization, pk=task_id)
        .first()
    )
    if task is None:
        raise NotFound("task")
    return task


def _save_task(task: Task, expected_version: int, fields: list[str]) -> None:
    rows = Task.objects.filter(pk=task.pk, version=expected_version).update(
        **{f: getattr(task, f) for f in fields}, version=expected_version + 1
    )
    if rows != 1:
        current = Task.objects.values_list("version", flat=True).get(pk=task.pk)
        raise StaleVersion(expected=expected_version, current=current)
    task.version = expected_version + 1


def complete_task(*, actor: Actor, task_id: int, expected_version: int) -> Task:
    return _set_task_done(
        actor=actor, task_id=task_id, expected_version=expected_version, done=True
    )


def reopen_task(*, actor: Actor, task_id: int, expected_version: int) -> Task:
    return _set_task_done(
        actor=actor, task_id=task_id, expected_version=expected_version, done=False
    )


def _set_task_done(*, actor: Actor, task_id: int, expected_version: int, done: bool) -> Task:
    actor.require(Permission.TASK_EDIT)
    now = timezone.now()
    with transaction.atomic(durable=True):
        task = _locked_task(actor, task_id)
        _check_version(task.version, expected_version)
        if task.done == done:
            raise Conflict(
                _("the task is already done") if done else _("the task is already open"),
                current="done" if task.done else "open",
            )
        task.done = done
        task.done_at = now if done else None
        _save_task(task, expected_version, ["done", "done_at"])
        if task.case is not None:
            record(
                case=task.case,
                actor=actor,
                kind="task.completed" if done else "task.reopened",
                at=now,
                data={"task_id": task.pk, "title": task.title},
            )
    return task


def reschedule_task(
    *,
    actor: Actor,
    task_id: int,
    expected_version: int,
    due_at: dt.datetime,
    assignee_id: int,
) -> Task:
    actor.require(Permission.TASK_EDIT)
    due = require_aware(due_at, "due_at")
    assignee = staff_in(actor.organization, assignee_id, "assignee_id")
    now = timezone.now()
    with transaction.atomic(durable=True):
        task = _locked_task(actor, task_id)
        _check_version(task.version, expected_version)
        if task.due_at == due and task.assignee_id == assignee.pk:
            return task
        before = (task.due_at, str(task.assignee))
        task.due_at = due
        task.assignee = assignee
        _save_task(task, expected_version, ["due_at", "assignee"])
        if task.case is not None:
            record(
                case=task.case,
                actor=actor,
                kind="task.rescheduled",
                at=now,
                data={
                    "task_id": task.pk,
                    "old_due_at": before[0].isoformat(),
                    "new_due_at": due.isoformat(),
                    "old_assignee": before[1],
                    "new_assignee": str(assignee),
                },
            )
    return task


# --- the public complaint form -------------------------------------------------------


def file_public_complaint(
    *,
    organization: Organization,
    name: str,
    email: str,
    phone: str,
    description: str,
    wants_callback: bool,
) -> Case:
    """A customer files a complaint or asks for a call-back on the organization's public
    form (no login). Creates the customer account and the case in one transaction; the
    timeline names the form as the actor."""
    errors = collect_errors(
        lambda: _text(name, "name", required=True, limit=200),
        lambda: _text(description, "description", required=True, limit=5_000),
        lambda: _text(phone, "phone", limit=40),
    )
    if email.strip():
        try:
            EmailValidator()(email.strip())
        except ValidationError:
            errors.append(FieldError("email", _("is not an e-mail address")))
    if not email.strip() and not phone.strip():
        errors.append(FieldError("email", _("give an e-mail address or a phone number")))
    if wants_callback and not phone.strip():
        errors.append(FieldError("phone", _("a call-back needs a phone number")))
    if errors:
        raise Invalid(errors)
    actor = Actor.engine(organization, rule="public complaint form")
    first_line = description.strip().splitlines()[0]
    subject = first_line if len(first_line) <= 80 else first_line[:79] + "…"
    now = timezone.now()
    number = _take_number(organization)
    with transaction.atomic(durable=True):
        customer = Customer.objects.create(organization=organization, name=name.strip())
        customer.contacts.create(
            name=name.strip(), email=email.strip(), phone=phone.strip(), is_primary=True
        )
        case = _open_case(
            actor=actor,
            number=number,
            customer=customer,
            at=now,
            event={"wants_callback": wants_callback},
            kind=Kind.COMPLAINT,
            channel=Channel.WEB_FORM,
            subject=subject,
            description=description.strip(),
            request_type="call-back" if wants_callback else "",
        )
    return case
