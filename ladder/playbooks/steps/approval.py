from __future__ import annotations

from ladder.playbooks import approvals
from ladder.playbooks.engine import Run
from ladder.playbooks.format import RequestApproval
from ladder.playbooks.steps import step


@step("request_approval")
def request_approval(run: Run, spec: RequestApproval, rule: str) -> None:
    approvals.request(run, spec.approval, rule)
