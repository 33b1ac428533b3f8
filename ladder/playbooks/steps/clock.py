from __future__ import annotations

from ladder.playbooks import clocks
from ladder.playbooks.engine import Run
from ladder.playbooks.steps import step


@step("start_clock")
def start(run: Run, name: str, rule: str) -> None:
    clocks.start_clock(run, name, rule)


@step("stop_clock")
def stop(run: Run, name: str, rule: str) -> None:
    clocks.stop_clock(run, name, rule)


@step("pause_clock")
def pause(run: Run, name: str, rule: str) -> None:
    clocks.pause_clock(run, name, rule)


@step("resume_clock")
def resume(run: Run, name: str, rule: str) -> None:
    clocks.resume_clock(run, name, rule)
