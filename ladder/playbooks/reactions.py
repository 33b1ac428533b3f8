"""What the engine does on every event whatever the rules say, because the playbook's
definitions say it: route a case by its concern category (ED8, EB4), pause and stop
clocks with the case's status, count duty evidence, count delivered lessons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from ladder.cases.actions import apply_assignment
from ladder.cases.states import Status
from ladder.delivery.actions import notify_staff
from ladder.playbooks import clocks, duties, targets

if TYPE_CHECKING:
    from ladder.playbooks.engine import Run


def route_by_category(run: Run) -> None:
    category = run.book.category(run.case.category)
    if category is None:
        return
    rule = f"category {category.key}"
    if category.route is not None and run.case.owner_id is None:
        owner = targets.choose_owner(category.route, run.case, strategy=category.strategy)
        team = run.case.team
        if category.route.team is not None:
            team = run.case.organization.teams.filter(name=category.route.team).first() or team
        if owner is not None or team != run.case.team:
            apply_assignment(
                case=run.case, actor=run.actor(rule), owner=owner, team=team, at=run.at
            )
        else:
            run.note(rule=rule, kind="engine.nobody_available", data={"category": category.key})
    informed = sorted(
        {
            s.pk: s for target in category.inform for s in targets.staff_for(target, run.case)
        }.values(),
        key=lambda s: s.pk,
    )
    if informed:
        text = _("Informed: %(case)s in category %(category)s — %(subject)s") % {
            "case": run.case.reference,
            "category": run.text(category.label),
            "subject": run.case.subject,
        }
        notify_staff(
            organization_id=run.case.organization_id,
            staff_ids=[s.pk for s in informed],
            text=text,
            at=run.at,
            case_id=run.case.pk,
        )
        run.note(rule=rule, kind="engine.informed", data={"to": [str(s) for s in informed]})


def react(run: Run) -> None:
    trigger = run.event.trigger
    if trigger == "case.created" or (
        trigger == "case.field_changed" and run.event.data.get("field") == "category"
    ):
        route_by_category(run)
    elif trigger == "case.status_changed":
        status = str(run.event.data.get("to"))
        clocks.follow_status(run, status)
        if status in (Status.RESOLVED, Status.CLOSED):
            duties.end_duties(run)
    elif trigger == "interaction.logged":
        duties.take_evidence(run)
    elif trigger == "sessions.recorded":
        clocks.count_sessions(run)
        duties.count_sessions(run)
