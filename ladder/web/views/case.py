"""The case page: the header, the timeline, and the actions the state machine and the
user's roles allow right now. Each action is a POST to its own URL that parses its form,
calls one action and goes back to the page; a refused action shows why, next to the
field it names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ladder.cases import actions
from ladder.cases.actions import REPLY_KINDS, CaseEdit
from ladder.cases.casepage import CasePage, TimelineEntry, case_page
from ladder.cases.guard import Hit, find_forbidden
from ladder.cases.models import Direction, InteractionKind, TimelineEvent
from ladder.cases.queries import get_case
from ladder.cases.states import ALLOWED, CLOSING, OPEN, Status
from ladder.errors import Conflict, Forbidden, Invalid, NotFound, StaleVersion
from ladder.money import make_money
from ladder.playbooks.queries import CasePlaybook, case_playbook
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization, ReplyGuard
from ladder.tenancy.permissions import Permission
from ladder.web.churn_panel import churn_panel
from ladder.web.desk import desk_view, field_errors
from ladder.web.engine_events import TITLES
from ladder.web.forms_case import (
    CHANNEL_LABELS,
    DIRECTION_LABELS,
    FIELD_LABELS,
    INTERACTION_LABELS,
    KIND_LABELS,
    MOVE_LABELS,
    OUTCOME_LABELS,
    REOPEN_LABEL,
    SEVERITY_LABELS,
    STATUS_LABELS,
    AssignForm,
    DeskForm,
    DetailsForm,
    EscalateForm,
    LogForm,
    NoteForm,
    ResolutionForm,
    TransitionForm,
    label,
)
from ladder.web.retention_panel import retention_panel

# The order the status buttons appear in.
_MOVE_ORDER = (
    Status.IN_PROGRESS,
    Status.AWAITING_CUSTOMER,
    Status.AWAITING_APPROVAL,
    Status.RESOLVED,
    Status.CLOSED,
)
# Fields whose changes are long text: the timeline shows the new text as a block.
_LONG_FIELDS = frozenset({"description", "root_cause", "resolution", "outcome"})
_LOGGED_LATE = dt.timedelta(minutes=5)


@contextmanager
def http_errors() -> Iterator[None]:
    """Another organization's id, or one that does not exist, is a 404; an action the
    user's roles do not allow is a 403."""
    try:
        yield
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc


def case_url(case_id: int) -> str:
    return reverse("web:case", kwargs={"case_id": case_id})


# --- what the page shows ----------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    to: str
    label: str


@dataclass
class TimelineItem:
    """One timeline entry ready to show: a sentence, who and when, and what changed."""

    id: int
    css: str
    title: str
    actor: str
    at: dt.datetime
    change: tuple[str, str] | None = None
    blocks: list[tuple[str, str]] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    handoff: bool = False
    occurred_at: dt.datetime | None = None


def _local(value: str, zone: Any) -> str:
    when = parse_datetime(value) if value else None
    if when is None:
        return value
    return formats.date_format(timezone.localtime(when, zone), "DATETIME_FORMAT")


def _field_value(name: str, value: str) -> str:
    if name == "status":
        return label(STATUS_LABELS, value)
    if name == "severity":
        return label(SEVERITY_LABELS, value)
    return value


def _actor(e: TimelineEvent) -> str:
    """Who acted, in the reader's language where it is not a person: the stored label
    is the engine's in English ("engine (school v1: rule)")."""
    if e.actor_staff_id is None and e.actor_rule:
        return _("engine (%(rule)s)") % {"rule": e.actor_rule}
    return e.actor_label


def present(entry: TimelineEntry, org: Organization) -> TimelineItem:
    e = entry.event
    data: dict[str, Any] = e.data if isinstance(e.data, dict) else {}
    item = TimelineItem(
        id=e.pk,
        css="ev-" + e.kind.replace(".", "-").replace("_", "-"),
        title=e.kind,
        actor=_actor(e),
        at=e.created_at,
    )
    if e.kind == "case.created":
        item.title = _("Opened the case (%(channel)s)") % {
            "channel": label(CHANNEL_LABELS, str(data.get("channel", "")))
        }
        if data.get("wants_callback"):
            item.facts.append((_("Call-back"), _("The customer asked for a call-back.")))
    elif e.kind == "case.field_changed":
        name = label(FIELD_LABELS, e.field)
        item.title = _("Changed %(field)s") % {"field": name}
        if e.field in _LONG_FIELDS:
            item.blocks.append((name, e.new_value or _("(cleared)")))
        else:
            item.change = (
                _field_value(e.field, e.old_value) or _("(empty)"),
                _field_value(e.field, e.new_value) or _("(empty)"),
            )
    elif e.kind in ("case.status_changed", "case.closed", "case.reopened"):
        item.title = {
            "case.status_changed": _("Changed the status"),
            "case.closed": _("Closed the case"),
            "case.reopened": _("Reopened the case"),
        }[e.kind]
        item.change = (_field_value("status", e.old_value), _field_value("status", e.new_value))
        if data.get("note"):
            item.blocks.append((_("Note"), str(data["note"])))
    elif e.kind == "case.assigned":
        if e.field == "team":
            item.title = _("Changed the team")
            item.change = (e.old_value or _("No team"), e.new_value or _("No team"))
        else:
            item.title = _("Changed the owner")
            item.change = (e.old_value or _("Nobody"), e.new_value or _("Nobody"))
    elif e.kind == "case.escalated":
        item.handoff = True
        item.title = _("Escalated from tier %(from)s to tier %(to)s: %(name)s") % {
            "from": data.get("from_tier", e.old_value),
            "to": data.get("to_tier", e.new_value),
            "name": data.get("to_tier_name", ""),
        }
        item.blocks.append((_("Details"), str(data.get("details", ""))))
        item.blocks.append((_("Source of the dispute"), str(data.get("source_of_dispute", ""))))
        item.facts.append((_("New owner"), str(data.get("new_owner") or _("Nobody yet"))))
        if data.get("team"):
            item.facts.append((_("Team"), str(data["team"])))
    elif e.kind == "interaction.logged":
        i = entry.interaction
        kind = str(data.get("kind", i.kind if i else ""))
        item.title = label(INTERACTION_LABELS, kind)
        if i is not None:
            if kind != InteractionKind.NOTE:
                item.facts.append((_("Direction"), label(DIRECTION_LABELS, i.direction)))
            # A contact logged after the fact says when it happened.
            if abs(i.occurred_at - e.created_at) > _LOGGED_LATE:
                item.occurred_at = i.occurred_at
            if i.body:
                item.blocks.append((_("What was said") if kind != "note" else _("Note"), i.body))
        if data.get("outcome"):
            item.facts.append((_("Outcome"), label(OUTCOME_LABELS, str(data["outcome"]))))
        item.warnings = [str(w) for w in data.get("reply_guard_warnings", [])]
    elif e.kind == "task.created":
        item.title = _("Task “%(title)s” for %(assignee)s") % {
            "title": data.get("title", ""),
            "assignee": data.get("assignee", ""),
        }
        item.facts.append((_("Due"), _local(str(data.get("due_at", "")), org.zone)))
    elif e.kind in ("task.completed", "task.reopened"):
        text = _("Completed the task “%(title)s”") if e.kind == "task.completed" else None
        item.title = (text or _("Reopened the task “%(title)s”")) % {"title": data.get("title", "")}
    elif e.kind == "task.rescheduled":
        item.title = _("Rescheduled a task for %(assignee)s") % {
            "assignee": data.get("new_assignee", "")
        }
        item.change = (
            _local(str(data.get("old_due_at", "")), org.zone),
            _local(str(data.get("new_due_at", "")), org.zone),
        )
    elif e.kind in TITLES:
        item.title = TITLES[e.kind](data)
    elif e.field:
        item.change = (e.old_value, e.new_value)
    if e.actor_rule:
        # Every engine decision says which rule of which playbook version made it.
        item.facts.append((_("Playbook rule"), e.actor_rule))
    return item


def _owner_choices(page: CasePage) -> list[tuple[int, str]]:
    return [(s.pk, s.display_name) for s in page.staff]


def _team_choices(page: CasePage) -> list[tuple[int, str]]:
    return [(t.pk, t.name) for t in page.teams]


def _escalation_choices(page: CasePage) -> tuple[list[Any], list[Any]]:
    """The tiers above the case's and, per tier, the staff holding its role."""
    above = [t for level, t in sorted(page.tiers.items()) if level > page.case.tier]
    tiers = [(t.level, f"{t.level}. {t.name}") for t in above]
    owners = [
        (
            f"{t.level}. {t.name}",
            [(s.pk, s.display_name) for s in page.staff if t.role in s.role_set],
        )
        for t in above
    ]
    return tiers, [group for group in owners if group[1]]


@dataclass
class Bound:
    """Forms a failed submit hands back to the page, bound to what was typed."""

    forms: dict[str, DeskForm] = field(default_factory=dict)
    notice: str = ""
    stale: bool = False
    # The playbook panel's refusals, by what they name (``answers.churn_code``,
    # ``checklist.key_actions``, ``duties.contact_days``, ``escalation.reason`` …),
    # and what was typed there.
    playbook_errors: dict[str, list[str]] = field(default_factory=dict)
    playbook_values: dict[str, str] = field(default_factory=dict)


def _render_case(
    request: HttpRequest,
    actor: Actor,
    case_id: int,
    bound: Bound | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or Bound()
    org = actor.organization
    before = request.GET.get("before", "")
    can_assign = actor.can(Permission.CASE_ASSIGN)
    can_escalate = actor.can(Permission.CASE_ESCALATE)
    with http_errors():
        page = case_page(
            organization=org,
            case_id=case_id,
            before=int(before) if before.isdigit() else None,
            with_people=can_assign or can_escalate,
        )
    case = page.case
    current = Status(case.status)
    can_edit = actor.can(Permission.CASE_EDIT)
    moves = [
        Move(
            to=target.value,
            label=str(
                REOPEN_LABEL
                if current in (Status.RESOLVED, Status.CLOSED) and target == Status.IN_PROGRESS
                else MOVE_LABELS[target]
            ),
        )
        for target in _MOVE_ORDER
        if target in ALLOWED[current]
        and actor.can(
            Permission.CASE_CLOSE if (current, target) in CLOSING else Permission.CASE_EDIT
        )
    ]
    top = max(page.tiers, default=1)
    escalate_tiers, escalate_owners = _escalation_choices(page)
    version = {"version": case.version}

    def form(key: str, make: Callable[..., DeskForm], initial: dict[str, Any]) -> DeskForm:
        given = bound.forms.get(key)
        if given is None:
            return make(initial=initial)
        if bound.stale:
            # Keep what was typed, on top of the case as it is now.
            data = {**dict(given.data.items()), "version": str(case.version)}
            return make(data=data)
        return given

    money = case.money_at_stake
    forms: dict[str, DeskForm] = {
        "log": form("log", lambda **kw: LogForm(zone=org.zone, **kw), {}),
        "note": form("note", NoteForm, {}),
        "move": form("move", TransitionForm, version),
        "resolution": form(
            "resolution",
            ResolutionForm,
            {
                **version,
                "root_cause": case.root_cause,
                "resolution": case.resolution,
                "outcome": case.outcome,
            },
        ),
        "details": form(
            "details",
            lambda **kw: DetailsForm(currency=org.currency, **kw),
            {
                **version,
                "subject": case.subject,
                "request_type": case.request_type,
                "category": case.category,
                "severity": case.severity,
                "money_at_stake": money.amount if money is not None else None,
                "description": case.description,
            },
        ),
    }
    if can_assign:
        assign = form(
            "assign", AssignForm, {**version, "owner": case.owner_id, "team": case.team_id}
        )
        assert isinstance(assign, AssignForm)
        assign.offer(owners=_owner_choices(page), teams=_team_choices(page))
        forms["assign"] = assign
    if can_escalate:
        escalate = form("escalate", EscalateForm, {**version, "to_tier": case.tier + 1})
        assert isinstance(escalate, EscalateForm)
        escalate.offer(tiers=escalate_tiers, owners=escalate_owners, teams=_team_choices(page))
        forms["escalate"] = escalate
    tier = page.tiers.get(case.tier)
    playbook = case_playbook(case=case, viewer=actor.staff, language=get_language())
    context = {
        "playbook": playbook,
        "pb": playbook_actions_allowed(actor, case, playbook),
        "pb_errors": bound.playbook_errors,
        "pb_values": bound.playbook_values,
        "churn": churn_panel(actor=actor, case=case, typed=bound.playbook_values),
        "retention": retention_panel(
            actor=actor, case=case, offer_id=bound.playbook_values.get("retention.offer_id", "")
        ),
        "case": case,
        "customer": case.customer,
        "tier_name": tier.name if tier else "",
        "status_label": label(STATUS_LABELS, case.status),
        "kind_label": label(KIND_LABELS, case.kind),
        "channel_label": label(CHANNEL_LABELS, case.channel),
        "severity_label": label(SEVERITY_LABELS, case.severity),
        "timeline": [present(entry, org) for entry in page.timeline],
        "earlier": page.earlier,
        "showing_earlier": bool(before),
        "forms": forms,
        "moves": moves,
        "can_log": actor.can(Permission.CASE_LOG),
        "can_edit": can_edit,
        "can_assign": can_assign,
        # Without the assign permission one may take a case nobody owns.
        "can_take": not can_assign and can_edit and case.owner_id is None,
        "can_escalate": can_escalate
        and current in OPEN
        and case.tier < top
        and bool(escalate_tiers),
        "notice": bound.notice,
        "stale": bound.stale,
    }
    return render(request, "web/case.html", context, status=status)


# Refusals that name these belong to the playbook panel.
PLAYBOOK_SCOPES = frozenset({"answers", "checklist", "duties"})


@dataclass(frozen=True)
class PlaybookActions:
    """Which of the playbook panel's actions the page offers now."""

    answer: bool = False
    tick: bool = False
    request_escalation: bool = False
    reject_resolution: bool = False
    handoff: bool = False


def playbook_actions_allowed(
    actor: Actor, case: Any, playbook: CasePlaybook | None
) -> PlaybookActions:
    if playbook is None:
        return PlaybookActions()
    is_open = Status(case.status) in OPEN
    ringing = playbook.handoff is not None and playbook.handoff.ringing
    return PlaybookActions(
        answer=actor.can(Permission.CASE_EDIT) and bool(playbook.questions),
        tick=actor.can(Permission.CASE_LOG),
        request_escalation=is_open and actor.can(Permission.CASE_LOG),
        reject_resolution=is_open and actor.can(Permission.CASE_LOG),
        handoff=is_open
        and actor.can(Permission.CASE_ESCALATE)
        and bool(playbook.handoff_options)
        and not ringing,
    )


@desk_view
def case_view(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    return _render_case(request, actor, case_id)


# --- the actions --------------------------------------------------------------------


def _act(
    request: HttpRequest,
    actor: Actor,
    case_id: int,
    key: str,
    form: DeskForm,
    run: Callable[[], str],
    *,
    errors_to: Callable[[Invalid], Bound | None] | None = None,
) -> HttpResponse:
    """Runs one action for a parsed form and answers: back to the case on success
    (with ``run``'s message), else the page with the form and why."""
    if not form.is_valid():
        return _render_case(request, actor, case_id, Bound(forms={key: form}), status=422)
    try:
        with http_errors():
            done = run()
    except Invalid as exc:
        other = errors_to(exc) if errors_to is not None else None
        if other is not None:
            other.forms.setdefault(key, form)
            return _render_case(request, actor, case_id, other, status=422)
        form.add_domain_errors(exc.errors)
        return _render_case(request, actor, case_id, Bound(forms={key: form}), status=422)
    except StaleVersion:
        notice = _(
            "This case changed since you opened it. Below is the case as it is now; what "
            "you typed is kept. Check it and send again."
        )
        bound = Bound(forms={key: form}, notice=notice, stale=True)
        return _render_case(request, actor, case_id, bound, status=409)
    except Conflict as exc:
        bound = Bound(forms={key: form}, notice=str(exc))
        return _render_case(request, actor, case_id, bound, status=409)
    if done:
        messages.success(request, done)
    return HttpResponseRedirect(case_url(case_id))


def _warn(request: HttpRequest, hits: list[Hit]) -> None:
    """Warn mode (ED7): the reply was saved; say which phrases to avoid next time."""
    for hit in hits:
        messages.warning(request, hit.message())


def _version(form: DeskForm) -> int:
    version: int = form.cleaned_data["version"]
    return version


def _int_or_none(value: Any) -> int | None:
    return int(value) if value is not None else None


@require_POST
@desk_view
def case_log(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """Log a contact (call, e-mail, chat, meeting, contact attempt) or add a note."""
    org = actor.organization
    if request.POST.get("kind") == InteractionKind.NOTE:
        note = NoteForm(request.POST)

        def add_note() -> str:
            actions.log_interaction(
                actor=actor,
                case_id=case_id,
                kind=InteractionKind.NOTE,
                direction=Direction.INTERNAL,
                body=note.cleaned_data["body"],
            )
            return _("Note added.")

        return _act(request, actor, case_id, "note", note, add_note)

    form = LogForm(request.POST, zone=org.zone)

    def log() -> str:
        data = form.cleaned_data
        interaction = actions.log_interaction(
            actor=actor,
            case_id=case_id,
            kind=data["kind"],
            direction=data["direction"],
            body=data["body"],
            outcome=data["outcome"],
            occurred_at=data["occurred_at"],
        )
        if interaction.kind in REPLY_KINDS and interaction.direction == Direction.OUTBOUND:
            _warn(request, find_forbidden(organization=org, text=interaction.body))
        return _("%(kind)s logged.") % {"kind": label(INTERACTION_LABELS, interaction.kind)}

    return _act(request, actor, case_id, "log", form, log)


@require_POST
@desk_view
def case_transition(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """Change the status: resolve, close and reopen included."""
    form = TransitionForm(request.POST)

    def move() -> str:
        case = actions.transition_case(
            actor=actor,
            case_id=case_id,
            expected_version=_version(form),
            to=form.cleaned_data["to"],
            note=form.cleaned_data["note"],
        )
        return _("The case is now: %(status)s.") % {"status": label(STATUS_LABELS, case.status)}

    def refused(exc: Invalid) -> Bound | None:
        # TD1: resolving without a root cause or resolution names those fields; the
        # playbook's requirements name answers, checklists and duties. Each refusal is
        # shown next to the thing to do, in the rule's own words.
        resolution = [e for e in exc.errors if e.field in ("root_cause", "resolution")]
        playbook = [e for e in exc.errors if e.field.partition(".")[0] in PLAYBOOK_SCOPES]
        rest = [e for e in exc.errors if e not in resolution and e not in playbook]
        if not resolution and not playbook:
            return None
        bound = Bound()
        if resolution:
            with http_errors():
                case = get_case(organization=actor.organization, case_id=case_id)
            shown = ResolutionForm(
                data={
                    "version": str(case.version),
                    "root_cause": case.root_cause,
                    "resolution": case.resolution,
                    "outcome": case.outcome,
                }
            )
            shown.add_domain_errors(resolution)
            bound.forms["resolution"] = shown
            bound.notice = _("Record the root cause and the resolution before resolving the case.")
        if playbook:
            bound.playbook_errors = field_errors(playbook)
            bound.notice = _(
                "The playbook asks for more before this move: each requirement is shown in "
                "the Playbook panel, next to what to do."
            )
        if rest:
            form.add_domain_errors(rest)
        return bound

    return _act(request, actor, case_id, "move", form, move, errors_to=refused)


@require_POST
@desk_view
def case_assign(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """Give the case to an owner and a team; or, without the assign permission, take a
    case nobody owns (the form then sends your own id and the case's team)."""
    form = AssignForm(request.POST)

    def assign() -> str:
        actions.assign_case(
            actor=actor,
            case_id=case_id,
            expected_version=_version(form),
            owner_id=_int_or_none(form.cleaned_data["owner"]),
            team_id=_int_or_none(form.cleaned_data["team"]),
        )
        return _("Assignment saved.")

    return _act(request, actor, case_id, "assign", form, assign)


@require_POST
@desk_view
def case_escalate(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """IN1: up the ladder with the handoff summary."""
    form = EscalateForm(request.POST)

    def escalate() -> str:
        data = form.cleaned_data
        case = actions.escalate_case(
            actor=actor,
            case_id=case_id,
            expected_version=_version(form),
            details=data["details"],
            source_of_dispute=data["source_of_dispute"],
            to_tier=_int_or_none(data["to_tier"]),
            owner_id=_int_or_none(data["owner"]),
            team_id=_int_or_none(data["team"]),
        )
        return _("Escalated to tier %(tier)s.") % {"tier": case.tier}

    return _act(request, actor, case_id, "escalate", form, escalate)


@require_POST
@desk_view
def case_edit(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """Record the root cause and resolution (TD1), or edit the case's details."""
    org = actor.organization
    if request.POST.get("section") == "details":
        details = DetailsForm(request.POST, currency=org.currency)

        def edit_details() -> str:
            data = details.cleaned_data
            amount: Decimal | None = data["money_at_stake"]
            changes: CaseEdit = {
                "subject": data["subject"],
                "request_type": data["request_type"],
                "category": data["category"],
                "severity": data["severity"],
                "description": data["description"],
                "money_at_stake": make_money(amount, org.currency, "money_at_stake")
                if amount is not None
                else None,
            }
            actions.update_case(
                actor=actor, case_id=case_id, expected_version=_version(details), changes=changes
            )
            return _("Case details saved.")

        return _act(request, actor, case_id, "details", details, edit_details)

    form = ResolutionForm(request.POST)

    def record() -> str:
        data = form.cleaned_data
        case = actions.update_case(
            actor=actor,
            case_id=case_id,
            expected_version=_version(form),
            changes={
                "root_cause": data["root_cause"],
                "resolution": data["resolution"],
                "outcome": data["outcome"],
            },
        )
        if case.resolution:
            _warn(request, find_forbidden(organization=org, text=case.resolution))
        return _("Root cause and resolution saved.")

    return _act(request, actor, case_id, "resolution", form, record)


# The fields the reply guard checks as the agent types, and where their text is.
_GUARDED = frozenset({"body", "resolution"})


@require_POST
@desk_view
def reply_guard_check(request: HttpRequest, actor: Actor) -> HttpResponse:
    """ED7, as the agent types: the forbidden phrases in the text and what to say
    instead. A log form's text is a reply only for an outbound e-mail or chat."""
    name = request.GET.get("field", "")
    text = request.POST.get(name, "") if name in _GUARDED else ""
    kind = request.POST.get("kind")
    if kind is not None and (
        kind not in REPLY_KINDS
        or request.POST.get("direction", Direction.OUTBOUND) != Direction.OUTBOUND
    ):
        text = ""
    hits = find_forbidden(organization=actor.organization, text=text[:20_000]) if text else []
    return render(
        request,
        "web/case.html#reply_guard",
        {"hits": hits, "blocking": actor.organization.reply_guard == ReplyGuard.BLOCK},
    )
