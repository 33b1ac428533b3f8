"""Use cases of the playbooks app, each one typed, keyword-only function: loading and
activating versions (the commands and the demo call these), and what people do from
the desk or the API on a case that runs under a playbook — answering its category's
questions, ticking a checklist, deciding an approval, asking for and accepting a live
handoff, recording delivered lessons."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ladder.cases.actions import _locked_case, apply_transition, record
from ladder.cases.events import CaseEvent
from ladder.cases.models import Case
from ladder.cases.states import OPEN, Status
from ladder.customers.models import Program
from ladder.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from ladder.playbooks import approvals, engine, handoffs
from ladder.playbooks.format import GatherField, Playbook
from ladder.playbooks.models import (
    Approval,
    ApprovalStatus,
    CaseState,
    Handoff,
    HandoffStatus,
    PlaybookVersion,
)
from ladder.playbooks.schedules import plan_schedules
from ladder.playbooks.validation import Report, check
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization, Tier
from ladder.tenancy.permissions import Permission

# --- versions ------------------------------------------------------------------------


def load_playbook(
    *, actor: Actor, organization: Organization, source: str, filename: str
) -> PlaybookVersion:
    """Stores a playbook file as the organization's next immutable version, if it has
    no problem on its own (the organization's teams, skills and staff are checked when
    it is activated). Loading the newest version's source again returns that version."""
    _require_manager(actor, organization)
    book = _valid(check(source, filename=filename))
    digest = hashlib.sha256(source.encode()).hexdigest()
    now = timezone.now()
    with transaction.atomic(durable=True):
        # One loader at a time per organization hands out the next number.
        Organization.objects.select_for_update().filter(pk=organization.pk).exists()
        newest = (
            PlaybookVersion.objects.filter(organization=organization).order_by("-number").first()
        )
        if newest is not None and newest.digest == digest:
            return newest
        return PlaybookVersion.objects.create(
            organization=organization,
            number=newest.number + 1 if newest is not None else 1,
            name=book.playbook,
            source=source,
            digest=digest,
            filename=filename[-255:],
            loaded_by=actor.label[:200],
            loaded_at=now,
        )


def activate_playbook(*, actor: Actor, organization: Organization, number: int) -> PlaybookVersion:
    """Makes a version the organization's active one, after checking it against the
    organization (teams, skills, who holds each tier's role). New cases run under it;
    open cases keep the version they started with. The organization's tiers become the
    playbook's ladder, so escalation on the desk climbs the same rungs."""
    _require_manager(actor, organization)
    version = PlaybookVersion.objects.filter(organization=organization, number=number).first()
    if version is None:
        raise NotFound("playbook version")
    book = _valid(
        check(version.source, filename=version.filename or version.label, organization=organization)
    )
    now = timezone.now()
    with transaction.atomic(durable=True):
        Organization.objects.select_for_update().filter(pk=organization.pk).exists()
        current = PlaybookVersion.objects.filter(organization=organization, is_active=True).first()
        if current is not None and current.pk == version.pk:
            return current
        if current is not None:
            current.is_active = False
            current.save(update_fields=["is_active"])
        version.is_active = True
        version.activated_at = now
        version.activated_by = actor.label[:200]
        version.save(update_fields=["is_active", "activated_at", "activated_by"])
        Organization.objects.filter(pk=organization.pk).update(active_playbook_id=version.pk)
        organization.active_playbook_id = version.pk
        _follow_ladder(organization, book)
        plan_schedules(version, at=now)
    return version


def _require_manager(actor: Actor, organization: Organization) -> None:
    actor.require(Permission.PLAYBOOK_MANAGE)
    if actor.organization.pk != organization.pk:
        raise Forbidden(Permission.PLAYBOOK_MANAGE.value)


def _valid(report: Report) -> Playbook:
    """The playbook of a report without problems; else every problem, by line."""
    if report.playbook is None or report.problems:
        raise Invalid(
            FieldError(
                "playbook",
                f"line {p.line}: {p.path}: {p.message}"
                if p.path
                else f"line {p.line}: {p.message}",
            )
            for p in report.problems
        )
    return report.playbook


def _follow_ladder(organization: Organization, book: Playbook) -> None:
    """The organization's Tier rows become the playbook's tiers. Levels above the new
    top are removed; a case already there keeps its level and cannot climb further."""
    language = str(organization.locale)
    existing = {t.level: t for t in Tier.objects.filter(organization=organization)}
    changed: list[Tier] = []
    added: list[Tier] = []
    for spec in book.tiers:
        name = spec.name.get(language)[:100]
        tier = existing.get(spec.level)
        if tier is None:
            added.append(
                Tier(organization=organization, level=spec.level, name=name, role=spec.role)
            )
        elif (tier.name, tier.role) != (name, spec.role):
            tier.name, tier.role = name, spec.role
            changed.append(tier)
    Tier.objects.bulk_update(changed, ["name", "role"])
    Tier.objects.bulk_create(added)
    Tier.objects.filter(organization=organization, level__gt=len(book.tiers)).delete()


# --- the desk -----------------------------------------------------------------------

MAX_ANSWER = 2_000


def _run_for(
    case: Case, actor: Actor, trigger: str, at: dt.datetime, data: dict[str, Any]
) -> engine.Run:
    state = (
        CaseState.objects.select_for_update().select_related("version").filter(case=case).first()
    )
    if state is None:
        raise Conflict(_("this case runs under no playbook"), current="")
    event = CaseEvent(case=case, trigger=trigger, actor=actor, at=at, data=data)
    return engine.Run.of(state, event)


def answer_questions(*, actor: Actor, case_id: int, answers: dict[str, str]) -> CaseState:
    """Records the information the case's concern category asks for (EB4)."""
    actor.require(Permission.CASE_EDIT)
    now = timezone.now()
    with transaction.atomic(durable=True):
        case = _locked_case(actor, case_id)
        run = _run_for(case, actor, "case.field_changed", now, {})
        category = run.book.category(case.category)
        known: dict[str, GatherField | None] = {
            f.key: f for f in (category.gather if category is not None else [])
        }
        # An answer a rule requires before a status (the churn code, MT2) is asked for
        # too, whatever the category.
        for requirement in run.state.requirements:
            for name in requirement["fields"]:
                scope, _dot, key = name.partition(".")
                if scope == "answers":
                    known.setdefault(key, None)
        errors = [
            FieldError(f"answers.{key}", _("is not asked for in this case's category"))
            for key in answers
            if key not in known
        ]
        for key, value in answers.items():
            if key not in known:
                continue
            spec = known[key]
            if len(value) > MAX_ANSWER:
                errors.append(FieldError(f"answers.{key}", _("is too long")))
            elif spec is not None and spec.choices and value and value not in spec.choices:
                errors.append(
                    FieldError(
                        f"answers.{key}",
                        _("must be one of %(choices)s") % {"choices": ", ".join(spec.choices)},
                    )
                )
        if errors:
            raise Invalid(errors)
        changed = {
            k: v.strip() for k, v in answers.items() if run.state.answers.get(k) != v.strip()
        }
        if not changed:
            return run.state
        run.state.answers = {**run.state.answers, **changed}
        run.state.save(update_fields=["answers"])
        record(
            case=case, actor=actor, kind="case.answers_recorded", at=now, data={"answers": changed}
        )
        for key, value in changed.items():
            engine.on_case_event(
                CaseEvent(
                    case=case,
                    trigger="case.field_changed",
                    actor=actor,
                    at=now,
                    data={"field": f"answers.{key}", "new": value},
                )
            )
    return run.state


def tick_checklist_item(
    *, actor: Actor, case_id: int, checklist: str, item: str, done: bool
) -> CaseState:
    """Ticks (or unticks) one of a checklist's items, e.g. the five key actions (ED6)."""
    actor.require(Permission.CASE_LOG)
    now = timezone.now()
    with transaction.atomic(durable=True):
        case = _locked_case(actor, case_id)
        run = _run_for(case, actor, "case.field_changed", now, {})
        spec = next((c for c in run.book.checklists if c.name == checklist), None)
        if spec is None:
            raise Invalid.field("checklist", _("this case's playbook has no such checklist"))
        if item not in {i.key for i in spec.items}:
            raise Invalid.field("item", _("is not an item of this checklist"))
        ticked = dict(run.state.checklist.get(checklist, {}))
        if (item in ticked) == done:
            return run.state
        if done:
            ticked[item] = {"by": actor.label, "at": now.isoformat()}
        else:
            ticked.pop(item)
        run.state.checklist = {**run.state.checklist, checklist: ticked}
        run.state.save(update_fields=["checklist"])
        record(
            case=case,
            actor=actor,
            kind="checklist.ticked" if done else "checklist.unticked",
            at=now,
            data={"checklist": checklist, "item": item},
        )
    return run.state


def decide_approval(*, actor: Actor, approval_id: int, approve: bool, reason: str = "") -> Approval:
    """The role the playbook names approves or denies (MT5, ED5). A denial needs its
    reason, which goes back to the case's owner."""
    reason = reason.strip()
    if not approve and not reason:
        raise Invalid.field("reason", _("a denial needs its reason"))
    if len(reason) > MAX_ANSWER:
        raise Invalid.field("reason", _("is too long"))
    now = timezone.now()
    with transaction.atomic(durable=True):
        approval = (
            Approval.objects.select_for_update()
            .filter(organization=actor.organization, pk=approval_id)
            .first()
        )
        if approval is None:
            raise NotFound("approval")
        if approval.status != ApprovalStatus.PENDING:
            raise Conflict(
                _("this approval was already decided: %(status)s") % {"status": approval.status},
                current=approval.status,
            )
        role = approval.waiting_for
        if actor.staff is None or role not in actor.staff.role_set:
            raise Forbidden(role)
        case = _locked_case(actor, approval.case_id)
        run = _run_for(case, actor, "approval.decided", now, {})
        spec = run.book.approval(approval.name)
        first_of_two = (
            approve
            and approval.first_decided_by_id is None
            and approvals.needs_second(approval, spec)
        )
        if first_of_two:
            approval.first_decided_by = actor.staff
            approval.save(update_fields=["first_decided_by"])
            record(
                case=case,
                actor=actor,
                kind="approval.first_approved",
                at=now,
                data={"approval": approval.name, "next": spec.second_approver},
            )
            approvals.alert_second(run, approval, spec)
            return approval
        approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.DENIED
        approval.decided_by = actor.staff
        approval.decided_at = now
        approval.reason = reason
        approval.save()
        decision = "approved" if approve else "denied"
        data = {"approval": approval.name, "decision": decision, "reason": reason}
        record(case=case, actor=actor, kind=f"approval.{decision}", at=now, data=data)
        run.event = CaseEvent(case=case, trigger="approval.decided", actor=actor, at=now, data=data)
        if case.status == Status.AWAITING_APPROVAL:
            # Decided: the case is worked again, whatever the decision.
            apply_transition(case=case, actor=actor, to=Status.IN_PROGRESS, at=now)
        follow = spec.on_approved if approve else spec.on_denied
        engine.run_actions(run, list(follow), rule=f"approval {approval.name} {decision}")
        engine.on_case_event(run.event)
    return approval


def request_handoff(*, actor: Actor, case_id: int, handoff: str) -> Handoff:
    """An agent asks for a live handoff (EB3: the customer will not wait)."""
    actor.require(Permission.CASE_ESCALATE)
    now = timezone.now()
    with transaction.atomic(durable=True):
        case = _locked_case(actor, case_id)
        if case.status not in OPEN:
            raise Conflict(_("a live handoff needs an open case"), current=case.status)
        run = _run_for(case, actor, "case.escalation_requested", now, {"handoff": handoff})
        if handoff not in {h.name for h in run.book.handoffs}:
            raise Invalid.field("handoff", _("this case's playbook has no such handoff"))
        return handoffs.start_handoff(run, handoff, f"handoff {handoff}", requested_by=actor.staff)


def accept_handoff(*, actor: Actor, handoff_id: int) -> Handoff:
    """A member of the ringing skill takes the case. Two at once: one wins, the other
    is told who did."""
    staff = actor.staff
    if staff is None:
        raise Forbidden(Permission.CASE_EDIT.value)
    now = timezone.now()
    with transaction.atomic(durable=True):
        handoff = (
            Handoff.objects.filter(organization=actor.organization, pk=handoff_id)
            .select_related("skill", "accepted_by")
            .first()
        )
        if handoff is None:
            raise NotFound("handoff")
        if handoff.status != HandoffStatus.RINGING:
            winner = str(handoff.accepted_by) if handoff.accepted_by else ""
            raise Conflict(
                _("this handoff is no longer ringing (%(status)s%(who)s)")
                % {"status": handoff.status, "who": f": {winner}" if winner else ""},
                current=handoff.status,
            )
        if handoff.skill is None or not handoff.skill.members.filter(pk=staff.pk).exists():
            raise Forbidden(_("the %(skill)s skill") % {"skill": handoff.skill or "?"})
        if not handoffs.accept(handoff=handoff, staff=staff, at=now):
            handoff.refresh_from_db()
            raise Conflict(
                _("%(who)s accepted first") % {"who": handoff.accepted_by or "?"},
                current=handoff.status,
            )
        case = _locked_case(actor, handoff.case_id)
        run = _run_for(case, actor, "case.field_changed", now, {})
        handoffs.take_case(run, handoff, staff)
        record(
            case=case,
            actor=actor,
            kind="handoff.accepted",
            at=now,
            data={"handoff": handoff.name, "step": handoff.step, "by": str(staff)},
        )
        handoff.refresh_from_db()
    return handoff


def record_sessions(*, actor: Actor, program_id: int, delivered: Decimal) -> Program:
    """Records how many lessons a program has delivered; lesson clocks (ED4) and
    feedback duties (ED3) on the customer's open cases count them. The one use case
    that records sessions does it (``ladder.programs.actions``)."""
    from ladder.programs.actions import bring_delivered_to

    return bring_delivered_to(actor=actor, program_id=program_id, delivered=delivered)
