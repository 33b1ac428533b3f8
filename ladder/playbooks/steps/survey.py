"""send_survey: an NPS and CSAT survey by e-mail some time after the event, usually the
resolution (TD3, ED6 step 5). The delay is a deadline; the worker sends the survey when
it fires, unless the case was reopened meanwhile (ladder.surveys)."""

from __future__ import annotations

from ladder.playbooks.engine import Run
from ladder.playbooks.format import SendSurvey, parse_duration
from ladder.playbooks.steps import step
from ladder.surveys.actions import schedule_survey


@step("send_survey")
def send_survey(run: Run, spec: SendSurvey, rule: str) -> None:
    deadline = schedule_survey(
        case=run.case,
        rule=run.actor(rule).rule,
        at=run.at,
        after=parse_duration(spec.after),
        expires_in=parse_duration(spec.expires_in),
    )
    run.note(
        rule=rule,
        kind="engine.survey_scheduled",
        data={"due_at": deadline.due_at.isoformat(), "expires_in": spec.expires_in},
    )
