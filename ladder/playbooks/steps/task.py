from __future__ import annotations

from ladder.cases.actions import open_task
from ladder.playbooks import targets
from ladder.playbooks.engine import Run
from ladder.playbooks.format import CreateTask, parse_duration
from ladder.playbooks.steps import step


@step("create_task")
def create_task(run: Run, spec: CreateTask, rule: str) -> None:
    """A follow-up with a due time, for one member of the target (the case's owner by
    default); with nobody to give it to, the timeline says so."""
    assignee = targets.choose_owner(spec.assignee, run.case, strategy="least_loaded")
    if assignee is None:
        people = targets.staff_for(spec.assignee, run.case)
        assignee = people[0] if people else None
    title = run.text(spec.title)
    if assignee is None:
        run.note(rule=rule, kind="engine.nobody_available", data={"task": title})
        return
    span = parse_duration(spec.due_in)
    due = run.calendar.add(run.at, span) if spec.business_time else run.at + span
    open_task(
        organization=run.case.organization,
        case=run.case,
        actor=run.actor(rule),
        title=title,
        assignee=assignee,
        due_at=due,
        at=run.at,
    )
