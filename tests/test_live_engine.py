"""The shipped solar playbook on the live engine (issue 5): the same walks as its
scenarios, driven through the REST API in real time, with a real `ladder worker`
process firing the live-handoff timeouts. The playbook is the shipped file with its
30-second timeouts shortened to 2 seconds, so the test does not wait a minute."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from ladder.cases.models import Case, Task, TimelineEvent
from ladder.playbooks.models import Handoff, HandoffStatus
from ladder.playbooks.simulation import SHIPPED, Simulation
from tests.conftest import Api
from tests.test_worker import workers  # noqa: F401 - the fixture that starts real workers

SOLAR = (SHIPPED / "solar.yaml").read_text(encoding="utf-8").replace("timeout: 30s", "timeout: 2s")


def _desk() -> Simulation:
    """The solar desk of the scenarios: its organization, cast and customer, with the
    shortened playbook loaded and active."""
    scenario = yaml.safe_load(
        (SHIPPED / "scenarios" / "solar-nobody-answers.yaml").read_text(encoding="utf-8")
    )
    desk = Simulation(scenario, source=SHIPPED / "solar.yaml", playbook_source=SOLAR)
    desk.setup()
    return desk


def _open_case(api: Api, desk: Simulation) -> int:
    assert desk.customer is not None
    response = api.post(
        "cases",
        {
            "customer_id": desk.customer.pk,
            "kind": "leadership_request",
            "channel": "phone",
            "subject": "Says her signature on the loan was forged; wants a supervisor now",
            "category": "fraud_claim",
            "request_type": "Leadership request",
            "description": "The sales representative signed the documents for her.",
        },
    )
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def _until(check: Callable[[], bool], timeout: float = 30) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_nobody_accepting_rings_the_resolution_lead_then_falls_back(workers: Any) -> None:  # noqa: F811
    """EB3, EB4: through the API, Tier 2 is rung; nobody accepts, so the worker rings
    the Resolution Lead after the timeout and then runs the fallback: a promised
    call-back task."""
    desk = _desk()
    workers("live-a", "--interval", "0.2")
    agent = Api(desk.cast["tasha"])
    case_id = _open_case(agent, desk)
    asked = agent.post(f"cases/{case_id}/handoffs", {"handoff": "live_transfer"})
    assert asked.status_code == 201, asked.content
    handoff_id = asked.json()["id"]

    def status() -> str:
        return str(agent.get(f"handoffs/{handoff_id}").json()["status"])

    assert _until(lambda: status() == HandoffStatus.FALLBACK)
    kinds = list(
        TimelineEvent.objects.filter(case_id=case_id).order_by("id").values_list("kind", flat=True)
    )
    ringing = [k for k in kinds if k.startswith("handoff.")]
    assert ringing == [
        "handoff.ringing",
        "handoff.unanswered",
        "handoff.ringing",
        "handoff.fallback",
    ]
    assert Task.objects.filter(case_id=case_id, title__startswith="Call the customer back").exists()
    assert Handoff.objects.get(pk=handoff_id).accepted_by is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_tier2_member_accepts_through_the_api_and_the_case_climbs(workers: Any) -> None:  # noqa: F811
    """EB3: the first Tier 2 member to accept takes the case, which climbs to tier 2;
    the worker's timeout afterwards changes nothing."""
    desk = _desk()
    workers("live-b", "--interval", "0.2")
    agent = Api(desk.cast["tasha"])
    tier2 = Api(desk.cast["luis"])
    case_id = _open_case(agent, desk)
    handoff_id = agent.post(f"cases/{case_id}/handoffs", {"handoff": "live_transfer"}).json()["id"]
    accepted = tier2.post(f"handoffs/{handoff_id}/accept")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["accepted_by"] == "luis"
    time.sleep(3)  # past the 2-second timeout, with the worker running
    case = Case.objects.get(pk=case_id)
    assert (case.owner_id, case.tier) == (desk.cast["luis"].pk, 2)
    assert Handoff.objects.get(pk=handoff_id).status == HandoffStatus.ACCEPTED
    late = Api(desk.cast["karen"]).post(f"handoffs/{handoff_id}/accept")
    assert late.status_code in (403, 409)
