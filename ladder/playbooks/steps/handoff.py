from __future__ import annotations

from ladder.playbooks import handoffs
from ladder.playbooks.engine import Run
from ladder.playbooks.steps import step


@step("start_handoff")
def start(run: Run, name: str, rule: str) -> None:
    handoffs.start_handoff(run, name, rule, requested_by=run.event.actor.staff)
