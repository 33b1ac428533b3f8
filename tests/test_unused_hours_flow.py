"""The unused-hours walk of issue 6's "done means" (TD3, ED9): a tutoring family's
program is created, handed to its education consultant and given a session through the
REST API, with the shipped tutoring playbook active; a real `ladder worker` fires the
playbook's morning program watch and the consultant gets the outreach task. The watch's
time is moved to the coming minute so that the worker reaches it within the test (the
shipped playbook watches at 08:00). PostgreSQL only: the worker is a separate process
on the test database."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.utils import timezone

from ladder.cases.models import Task
from ladder.playbooks.models import AccountDecision
from ladder.playbooks.simulation import SHIPPED
from ladder.tenancy.models import Role
from tests.conftest import Api, Org
from tests.playbook_setup import install_playbook
from tests.test_program_watch import staff
from tests.test_worker import wait_until, workers  # noqa: F401 - the fixture that starts real workers

TUTORING = (SHIPPED / "tutoring.yaml").read_text(encoding="utf-8")
WATCH = '{name: program_watch, every: day, at: "08:00", for: programs}'
assert WATCH in TUTORING
OUTREACH = "Hours are going unused; call the family and book the next sessions"


def _watching_soon(zone: zoneinfo.ZoneInfo) -> str:
    """The shipped playbook with its program watch at the next whole minute at least
    ten seconds away (in the organization's time)."""
    at = (timezone.now() + dt.timedelta(seconds=70)).astimezone(zone)
    return TUTORING.replace(WATCH, WATCH.replace("08:00", at.strftime("%H:%M")))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_family_with_unused_hours_gets_an_outreach_task_from_the_worker(
    acme: Org,
    workers: Any,  # noqa: F811
) -> None:
    """TD3: 40 hours bought for a term that is a third gone, 2 delivered (1 through the
    API): the watch finds the pace far behind plan and makes one outreach task for the
    program's owner; the program on pace beside it gets none."""
    staff(acme, "principal", Role.PRINCIPAL, "Client care", "Tutor matching")
    install_playbook(acme.org, _watching_soon(zoneinfo.ZoneInfo(acme.org.timezone)))
    api = Api(acme.agent)
    today = timezone.localdate()
    term = {
        "unit": "hours",
        "purchased": "40",
        "term_start": (today - dt.timedelta(days=60)).isoformat(),
        "term_end": (today + dt.timedelta(days=120)).isoformat(),
    }
    made = api.post(
        "customers",
        {
            "name": "The Okafor family",
            "owner_id": acme.manager.pk,
            "programs": [
                {**term, "name": "GCSE Maths", "delivered": "1"},
                {**term, "name": "GCSE Physics", "delivered": "13"},
            ],
        },
    )
    assert made.status_code == 201, made.content
    programs = {p["name"]: p["id"] for p in made.json()["programs"]}
    for program_id in programs.values():
        read = api.get(f"programs/{program_id}")
        owned = api.patch(
            f"programs/{program_id}",
            {"owner_id": acme.manager.pk},
            **{"If-Match": read["ETag"]},
        )
        assert owned.status_code == 200, owned.content
    session = api.post(
        f"programs/{programs['GCSE Maths']}/sessions",
        {"held_at": timezone.now().isoformat(), "units": "1", "source_id": "lesson-1"},
    )
    assert session.status_code == 201, session.content
    assert api.get(f"programs/{programs['GCSE Maths']}").json()["delivered"] == "2.00"

    workers("watch", "--interval", "0.5")
    assert wait_until(lambda: Task.objects.filter(title__endswith=OUTREACH).exists(), timeout=150)

    task = Task.objects.get(title__endswith=OUTREACH)
    assert task.case_id is None
    assert task.assignee_id == acme.manager.pk
    assert task.title.startswith("The Okafor family, GCSE Maths:")
    decision = AccountDecision.objects.get(task=task)
    assert (decision.rule, decision.program_id) == ("unused_hours_watch", programs["GCSE Maths"])
    assert not AccountDecision.objects.filter(
        program_id=programs["GCSE Physics"], rule="unused_hours_watch"
    ).exists()
