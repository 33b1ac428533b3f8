from __future__ import annotations

from django.utils.translation import gettext as _

from ladder.cases.actions import apply_escalation
from ladder.errors import DomainError
from ladder.playbooks import targets
from ladder.playbooks.engine import Run
from ladder.playbooks.format import EscalateTo, Target
from ladder.playbooks.steps import step
from ladder.tenancy.models import Tier


@step("escalate")
def escalate(run: Run, to: EscalateTo, rule: str) -> None:
    """Moves the case up the ladder with a handoff summary the engine writes: what the
    rule says and why it fired (IN1)."""
    tiers = {t.level: t for t in Tier.objects.filter(organization_id=run.case.organization_id)}
    level = to.tier if to.tier is not None else run.case.tier + 1
    spec = run.book.tier(level)
    owner = None
    if spec is not None:
        where = (
            Target(skill=spec.skill)
            if spec.skill
            else Target(team=spec.team)
            if spec.team
            else Target(role=spec.role)
        )
        owner = targets.choose_owner(where, run.case, strategy="least_loaded")
        if owner is not None and spec.role not in owner.role_set:
            owner = None
    details = run.text(to.details) or _("Escalated by the playbook rule %(rule)s.") % {"rule": rule}
    try:
        apply_escalation(
            case=run.case,
            actor=run.actor(rule),
            tiers=tiers,
            to_tier=level,
            owner=owner,
            team=None,
            details=details,
            source_of_dispute=run.case.description or run.case.subject,
            at=run.at,
            extra={"trigger": run.event.trigger},
        )
    except DomainError as exc:
        # Already at the top, or the case is closed: the rule cannot act; say why.
        run.note(
            rule=rule, kind="engine.step_refused", data={"step": "escalate", "reason": str(exc)}
        )
