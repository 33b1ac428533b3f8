from __future__ import annotations

from ladder.playbooks.engine import Run
from ladder.playbooks.format import ReviewList
from ladder.playbooks.models import ReviewEntry
from ladder.playbooks.steps import step


@step("add_to_review_list")
def add_to_review_list(run: Run, spec: ReviewList, rule: str) -> None:
    """E.g. the weekly finance review (MT8); a case is on a list once until reviewed."""
    if ReviewEntry.objects.filter(case=run.case, list=spec.list, reviewed_at=None).exists():
        return
    ReviewEntry.objects.create(
        organization_id=run.case.organization_id,
        case=run.case,
        list=spec.list,
        reason=run.text(spec.reason),
        added_at=run.at,
        rule=rule,
    )
    run.note(rule=rule, kind="engine.review_listed", data={"list": spec.list})
