from __future__ import annotations

from ladder.playbooks import duties
from ladder.playbooks.engine import Run
from ladder.playbooks.steps import step


@step("start_duty")
def start(run: Run, name: str, rule: str) -> None:
    duties.start_duty(run, name, rule)
