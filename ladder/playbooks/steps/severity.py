from __future__ import annotations

from ladder.cases.actions import apply_edit
from ladder.playbooks.engine import Run
from ladder.playbooks.steps import step


@step("set_severity")
def set_severity(run: Run, severity: str, rule: str) -> None:
    if run.case.severity != severity:
        apply_edit(case=run.case, actor=run.actor(rule), changes={"severity": severity}, at=run.at)
