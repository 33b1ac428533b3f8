from __future__ import annotations

from ladder.cases.actions import apply_assignment
from ladder.playbooks import targets
from ladder.playbooks.engine import Run
from ladder.playbooks.format import AssignTo
from ladder.playbooks.steps import step


@step("assign")
def assign(run: Run, to: AssignTo, rule: str) -> None:
    """Gives the case to one available member of a role/team/skill, or its owner."""
    owner = targets.choose_owner(to, run.case, strategy=to.strategy)
    team = run.case.team
    if to.team is not None:
        team = run.case.organization.teams.filter(name=to.team).first() or team
    if owner is None:
        run.note(rule=rule, kind="engine.nobody_available", data={"assign": to.model_dump()})
        if team == run.case.team:
            return
    apply_assignment(case=run.case, actor=run.actor(rule), owner=owner, team=team, at=run.at)
