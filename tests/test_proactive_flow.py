"""The proactive walk of issue 6's "done means" (MT1): with the shipped software
playbook active, a past-due signal from billing (one signal through the REST API) and
an engagement drop from the CSM tool (a bulk batch through the REST API) reach a real
`ladder worker`, which scores the account and lets the playbook open an escalation case
for the customer's CSM before the customer asks to cancel. PostgreSQL only: the worker
is a separate process on the test database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from ladder.cases.models import Case
from ladder.health.models import HealthScore, Signal
from ladder.playbooks.models import AccountDecision
from tests.conftest import Api, Org
from tests.test_health_rules import software  # noqa: F401 - the shipped software playbook, CSM owner
from tests.test_worker import wait_until, workers  # noqa: F401 - the fixture that starts real workers

PROACTIVE = "proactive_past_due_and_engagement_drop"


def _signal(o: Org, kind: str, source: str, source_id: str, at: dt.datetime) -> dict[str, Any]:
    return {
        "customer_id": o.customer.pk,
        "kind": kind,
        "occurred_at": at.isoformat(),
        "source": source,
        "source_id": source_id,
        "value": "1",
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_past_due_and_engagement_drop_through_the_api_open_a_proactive_case(
    software: Org,  # noqa: F811
    workers: Any,  # noqa: F811
) -> None:
    """MT1: past due alone opens nothing; once the engagement drop arrives the worker
    opens one escalation case (signal channel, price category, high severity) owned by
    the CSM, records the rule's decision, and the account's health score is below 100
    with both signals among its components. A repeated source id changes nothing."""
    api = Api(software.admin)
    now = timezone.now()
    workers("proactive", "--interval", "0.2")

    billing = api.post("signals", _signal(software, "past_due", "billing", "inv-2026-11", now))
    assert billing.status_code == 201, billing.content
    assert wait_until(
        lambda: not Signal.objects.filter(processed_at__isnull=True).exists(), timeout=60
    )
    assert not Case.objects.filter(customer=software.customer).exists()

    drop = _signal(software, "engagement_drop", "csm-tool", "eng-48", now + dt.timedelta(seconds=1))
    bulk = api.post("signals/bulk", {"rows": [drop]})
    assert bulk.status_code == 200, bulk.content
    assert bulk.json()["created"] == 1
    assert wait_until(lambda: Case.objects.filter(customer=software.customer).exists(), timeout=60)

    case = Case.objects.get(customer=software.customer)
    assert (case.kind, case.channel, case.category, case.severity, case.owner_id) == (
        "escalation",
        "signal",
        "price_related",
        "high",
        software.manager.pk,
    )
    assert case.subject.startswith("Past due and less engaged")
    assert AccountDecision.objects.get(customer=software.customer, case=case).rule == PROACTIVE
    assert wait_until(
        lambda: not Signal.objects.filter(processed_at__isnull=True).exists(), timeout=60
    )
    score = HealthScore.objects.get(customer=software.customer)
    assert score.score < 100
    assert {c["kind"] for c in score.components} >= {"past_due", "engagement_drop"}

    again = api.post("signals/bulk", {"rows": [drop]})
    assert again.json()["duplicates"] == 1
    shown = api.get(f"customers/{software.customer.pk}/health").json()
    assert shown["score"] == score.score
    assert Case.objects.filter(customer=software.customer).count() == 1
