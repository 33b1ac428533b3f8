from __future__ import annotations

from ladder.playbooks.engine import Run
from ladder.playbooks.format import RequireFields
from ladder.playbooks.steps import step


@step("require_fields")
def require_fields(run: Run, spec: RequireFields, rule: str) -> None:
    """From now on the case may not move to those statuses until the fields are set;
    the desk asks for them in the rule's own words."""
    requirement = {
        "rule": rule,
        "fields": list(spec.fields),
        "before": [str(s) for s in spec.before],
        "message": run.text(spec.message),
    }
    if requirement in run.state.requirements:
        return
    run.state.requirements = [*run.state.requirements, requirement]
    run.state.save(update_fields=["requirements"])
    run.note(rule=rule, kind="engine.requirement_added", data=requirement)
