"""Every shipped scenario walks its source document through the engine on a virtual
clock (issue 5): the same use cases, the same deadline sweep as the worker. Each
scenario's expectations are the assertions; a failing one names its step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ladder.playbooks.simulation import SHIPPED, simulate

SCENARIOS = sorted((SHIPPED / "scenarios").glob("*.yaml"))


def test_every_playbook_has_scenarios() -> None:
    """Each of the five procedures (000-004) ships with scenarios."""
    playbooks = {p.stem for p in SHIPPED.glob("*.yaml")}
    covered = {p.name.split("-")[0] for p in SCENARIOS}
    assert playbooks == {"tutoring", "school", "solar", "software", "insurer"}
    assert covered == playbooks


@pytest.mark.django_db
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_passes_through_the_engine(path: Path) -> None:
    """TD1-TD3, ED3-ED8, EB1-EB5, MT1-MT8, IN1-IN2: the scenario's expectations hold."""
    result = simulate(scenario_path=path)
    report = "\n".join(result.lines + [f"step {o.step}: {o.text}" for o in result.failures])
    assert result.outcomes, "a scenario must state expectations"
    assert result.passed, report


@pytest.mark.django_db
def test_a_wrong_expectation_fails_and_names_its_step(tmp_path: Path) -> None:
    """The simulator is a test: a scenario that expects what the engine does not do
    fails, naming the step and what it saw."""
    scenario = tmp_path / "wrong.yaml"
    source = (SHIPPED / "scenarios" / "solar-nobody-answers.yaml").read_text(encoding="utf-8")
    scenario.write_text(source.replace("handoff: fallback", "handoff: accepted"), encoding="utf-8")
    result = simulate(scenario_path=scenario, playbook_path=SHIPPED / "solar.yaml")
    assert not result.passed
    texts = [o.text for o in result.failures]
    assert any("expect handoff: 'accepted'" in t and "fallback" in t for t in texts)


def test_the_simulate_command_prints_the_timeline_in_a_throwaway_database() -> None:
    """`ladder playbook simulate PLAYBOOK SCENARIO` runs in its own SQLite database,
    prints the rules fired, clocks and handoffs, and exits 0 when every expectation
    holds."""
    scenario = SHIPPED / "scenarios" / "solar-nobody-answers.yaml"
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "ladder.cli", "playbook", "simulate", "solar", str(scenario)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "handoff.fallback" in done.stdout
    assert "FAIL" not in done.stdout
