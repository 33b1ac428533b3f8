from __future__ import annotations

from ladder.cases.actions import apply_transition
from ladder.cases.states import Status
from ladder.errors import DomainError
from ladder.playbooks.engine import Run
from ladder.playbooks.steps import step


@step("set_status")
def set_status(run: Run, status: str, rule: str) -> None:
    if run.case.status == status:
        return
    try:
        apply_transition(case=run.case, actor=run.actor(rule), to=Status(status), at=run.at)
    except DomainError as exc:
        run.note(
            rule=rule, kind="engine.step_refused", data={"step": "set_status", "reason": str(exc)}
        )
