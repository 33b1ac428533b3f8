"""Live (warm) handoffs (EB3): the available members of a skill are alerted; the first
to accept takes the case; nobody within the step's timeout → the next skill; nobody at
all → the playbook's fallback. Accepting is one conditional UPDATE on (status, step),
so of two members accepting at once exactly one wins."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from ladder.cases.actions import apply_assignment, apply_escalation
from ladder.cases.events import CaseEvent
from ladder.cases.models import Case
from ladder.deadlines.actions import cancel_deadlines, schedule_deadline
from ladder.deadlines.models import Deadline
from ladder.deadlines.registry import deadline_handler
from ladder.delivery.actions import notify_staff
from ladder.playbooks import engine
from ladder.playbooks.format import HandoffDef, parse_duration
from ladder.playbooks.library import playbook_of
from ladder.playbooks.models import Handoff, HandoffStatus
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Availability, Skill, Staff, Tier

TIMEOUT = "handoff.timeout"


def available_members(skill: Skill | None) -> list[Staff]:
    if skill is None:
        return []
    return list(
        skill.members.filter(availability=Availability.AVAILABLE, user__is_active=True).order_by(
            "pk"
        )
    )


def _ring(run: engine.Run, handoff: Handoff, spec: HandoffDef, at: dt.datetime) -> None:
    """Alerts the members of the current step's skill and sets its timeout."""
    step = spec.steps[handoff.step]
    skill = Skill.objects.filter(organization_id=handoff.organization_id, name=step.skill).first()
    handoff.skill = skill
    handoff.step_started_at = at
    handoff.expires_at = at + parse_duration(step.timeout)
    handoff.save()
    members = available_members(skill)
    text = _("Live handoff: %(case)s — %(subject)s. Accept within %(timeout)s.") % {
        "case": run.case.reference,
        "subject": run.case.subject,
        "timeout": step.timeout,
    }
    notify_staff(
        organization_id=handoff.organization_id,
        staff_ids=[m.pk for m in members],
        text=text,
        at=at,
        case_id=run.case.pk,
    )
    schedule_deadline(
        organization_id=handoff.organization_id,
        kind=TIMEOUT,
        target_id=handoff.pk,
        due_at=handoff.expires_at,
        case_id=handoff.case_id,
        payload={"step": handoff.step},
    )
    run.note(
        rule=f"handoff {handoff.name}",
        kind="handoff.ringing",
        data={
            "handoff": handoff.name,
            "step": handoff.step,
            "skill": step.skill,
            "alerted": [str(m) for m in members],
            "expires_at": handoff.expires_at.isoformat(),
        },
    )


def start_handoff(
    run: engine.Run, name: str, rule: str, requested_by: Staff | None = None
) -> Handoff:
    spec = run.book.handoff(name)
    Handoff.objects.filter(case=run.case, status=HandoffStatus.RINGING).update(
        status=HandoffStatus.CANCELLED, ended_at=run.at
    )
    handoff = Handoff(
        organization_id=run.case.organization_id,
        case=run.case,
        name=name,
        requested_by=requested_by,
        requested_at=run.at,
        step_started_at=run.at,
        expires_at=run.at,
        rule=rule,
    )
    _ring(run, handoff, spec, run.at)
    return handoff


def accept(*, handoff: Handoff, staff: Staff, at: dt.datetime) -> bool:
    """The conditional update that makes exactly one acceptance win."""
    won = Handoff.objects.filter(
        pk=handoff.pk, status=HandoffStatus.RINGING, step=handoff.step
    ).update(status=HandoffStatus.ACCEPTED, accepted_by=staff, ended_at=at)
    return won == 1


def take_case(run: engine.Run, handoff: Handoff, staff: Staff) -> None:
    """The member who accepted owns the case; if the skill works a higher tier of the
    ladder (EB3: Tier 2, Resolution Lead), the case climbs to it with its summary."""
    cancel_deadlines(kind=TIMEOUT, target_id=handoff.pk, at=run.at)
    skill = handoff.skill.name if handoff.skill is not None else ""
    rung = next((t for t in run.book.tiers if t.skill and t.skill == skill), None)
    if rung is not None and rung.level > run.case.tier:
        apply_escalation(
            case=run.case,
            actor=run.event.actor,
            tiers={
                t.level: t for t in Tier.objects.filter(organization_id=run.case.organization_id)
            },
            to_tier=rung.level,
            owner=None,
            team=None,
            details=_("Live handoff accepted by %(who)s") % {"who": staff},
            source_of_dispute=run.case.description or run.case.subject,
            at=run.at,
            extra={"handoff": handoff.name},
        )
    apply_assignment(
        case=run.case, actor=run.event.actor, owner=staff, team=run.case.team, at=run.at
    )


@deadline_handler(TIMEOUT)
def fire_timeouts(deadlines: list[Deadline], now: dt.datetime) -> None:
    for deadline in deadlines:
        handoff = (
            Handoff.objects.select_for_update()
            .filter(
                pk=deadline.target_id,
                status=HandoffStatus.RINGING,
                step=deadline.payload.get("step"),
            )
            .first()
        )
        if handoff is None:
            deadline.mark_stale()  # accepted or cancelled in time
            continue
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("organization", "customer")
            .get(pk=handoff.case_id)
        )
        state = engine.state_of(case)
        if state is None:
            deadline.mark_stale()
            continue
        spec = playbook_of(state.version).handoff(handoff.name)
        rule = f"handoff {handoff.name}"
        actor = Actor.engine(case.organization, rule=f"{state.version.label}: {rule}")
        event = CaseEvent(
            case=case,
            trigger="handoff.unanswered",
            actor=actor,
            at=now,
            data={"handoff": handoff.name, "step": handoff.step},
        )
        run = engine.Run.of(state, event)
        skill_name = spec.steps[handoff.step].skill
        if handoff.step + 1 < len(spec.steps):
            run.note(
                rule=rule,
                kind="handoff.unanswered",
                data={"handoff": handoff.name, "skill": skill_name},
            )
            handoff.step += 1
            _ring(run, handoff, spec, now)
            continue
        handoff.status = HandoffStatus.FALLBACK
        handoff.ended_at = now
        handoff.save(update_fields=["status", "ended_at"])
        run.note(
            rule=rule, kind="handoff.fallback", data={"handoff": handoff.name, "skill": skill_name}
        )
        engine.run_actions(run, list(spec.fallback), rule=f"{rule} fallback")
        engine.on_case_event(event)
