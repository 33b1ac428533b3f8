from __future__ import annotations

from ladder.cases.actions import open_task
from ladder.playbooks import targets
from ladder.playbooks.accounts import AccountRun
from ladder.playbooks.engine import Run
from ladder.playbooks.format import CreateTask, parse_duration
from ladder.playbooks.models import AccountDecision
from ladder.playbooks.steps import account_step, step


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


@account_step("create_task")
def create_account_task(run: AccountRun, spec: CreateTask, rule: str) -> None:
    """A task about the account (no case), for the program's or customer's owner by
    default; not made again while the one this rule made for the same program or
    customer is still open (a daily watch asks once, not every morning)."""
    pending = AccountDecision.objects.filter(
        customer=run.customer,
        program=run.program,
        rule=rule,
        task__isnull=False,
        task__done_at=None,
    ).exists()
    if pending:
        return
    people = targets.staff_for_account(spec.assignee, run.customer, run.program)
    # A task without a case says whose it is: the customer, and the program watched.
    about = run.customer.name if run.program is None else f"{run.customer.name}, {run.program.name}"
    title = f"{about}: {run.text(spec.title)}"[:200]
    if not people:
        run.decide(rule=rule, kind="nobody_available", data={"task": title})
        return
    span = parse_duration(spec.due_in)
    due = run.calendar.add(run.at, span) if spec.business_time else run.at + span
    task = open_task(
        organization=run.organization,
        case=None,
        actor=run.actor(rule),
        title=title,
        assignee=people[0],
        due_at=due,
        at=run.at,
    )
    run.decide(
        rule=rule,
        kind="task.created",
        task_id=task.pk,
        data={"task": title, "assignee": people[0].display_name, "due_at": due.isoformat()},
    )
