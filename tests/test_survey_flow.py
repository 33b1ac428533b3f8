"""The closed loop with the shipped tutoring playbook (TD3, ED6 step 5; issue 6 "done
means": a detractor survey answer opening a follow-up case): a case resolved through
the API, the worker sending the survey two hours later by e-mail to a real SMTP server,
the family answering on the public page, and the follow-up case for the account's
owner. In-process on either database; with real `ladder worker` processes on
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from email.message import Message
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from ladder.cases.models import Case, TimelineEvent
from ladder.deadlines.models import Deadline
from ladder.ops.management.commands.worker import WorkerLoop
from ladder.playbooks.simulation import SHIPPED
from ladder.surveys.actions import SEND
from ladder.surveys.models import Survey
from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.models import Role
from tests.conftest import Api, Org, build_org
from tests.playbook_setup import install_playbook
from tests.survey_setup import token_in
from tests.test_worker import wait_until, workers  # noqa: F401 (a fixture)
from tests.worker_app.peers import Mailbox, smtp_server

TUTORING = (SHIPPED / "tutoring.yaml").read_text(encoding="utf-8")


def tutoring_office(o: Org) -> None:
    """What the shipped tutoring playbook names: its two teams and a principal."""
    tenancy_actions.create_team(organization=o.org, name="Tutor matching")
    client_care = tenancy_actions.create_team(organization=o.org, name="Client care")
    for role, name in ((Role.AGENT, "Client care coordinator"), (Role.PRINCIPAL, "Office manager")):
        tenancy_actions.add_staff(
            organization=o.org,
            username=f"{role.value}-2@{o.org.slug}",
            display_name=name,
            roles=[role],
            password="pw-for-tests-only",
            teams=[client_care],
        )
    install_playbook(o.org, TUTORING)


def resolved_through_the_api(o: Org) -> tuple[int, Case]:
    """A family owned by the manager, and its complaint resolved through the API."""
    api = Api(o.manager)
    r = api.post(
        "customers",
        {
            "name": "Zhang family",
            "owner_id": o.manager.pk,
            "contacts": [{"name": "Mrs Zhang", "email": "zhang@example.com", "is_primary": True}],
        },
    )
    assert r.status_code == 201, r.content
    customer_id = r.json()["id"]
    r = api.post(
        "cases", {"customer_id": customer_id, "kind": "complaint", "subject": "Tutor was late"}
    )
    assert r.status_code == 201, r.content
    case_id = r.json()["id"]
    r = api.patch(
        f"cases/{case_id}",
        {"root_cause": "Tutor's timetable clash", "resolution": "Sessions moved to 5 pm"},
        if_match=r["ETag"],
    )
    assert r.status_code == 200, r.content
    r = api.post(f"cases/{case_id}/transition", {"to": "resolved"}, if_match=r["ETag"])
    assert r.status_code == 200, r.content
    return customer_id, Case.objects.get(pk=case_id)


def answer_on_the_page(message: Message, nps: int) -> Any:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    token = token_in(payload.decode())
    page = Client().get(f"/s/{token}/")
    assert page.status_code == 200
    return Client().post(f"/s/{token}/", {"nps": str(nps), "csat": "2", "comment": "Late again"})


@pytest.fixture
def mailbox(settings: Any) -> Iterator[Mailbox]:
    with smtp_server() as (port, box):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = False
        settings.LADDER_EMAIL_ENABLED = True
        yield box


def run_worker_loop(monkeypatch: Any) -> None:
    # A process recycles stale connections between rounds; here that connection holds
    # the test's transaction, so leave it be.
    for module in ("ladder.ops.management.commands.", "django_tasks_db.management.commands.db_"):
        monkeypatch.setattr(f"{module}worker.close_old_connections", lambda: None)
    WorkerLoop(name="loop", interval=0, batch=True, deadline_batch=50, delivery_batch=50).run()


@pytest.mark.parametrize(("nps", "follow_up"), [(3, True), (8, False), (10, False)])
def test_a_detractor_answer_opens_a_follow_up_case_for_the_owner(
    acme: Org, mailbox: Mailbox, monkeypatch: Any, nps: int, follow_up: bool, english: None
) -> None:
    """TD3, ED6: the worker sends the survey two hours after the resolution; the family
    answers; a detractor's answer opens a follow-up case owned by the customer's owner,
    a passive's or a promoter's opens none."""
    tutoring_office(acme)
    customer_id, case = resolved_through_the_api(acme)
    run_worker_loop(monkeypatch)
    assert not mailbox.messages, "nothing before the two hours"
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2, minutes=1), tick=True):
        run_worker_loop(monkeypatch)
    [message] = mailbox.messages
    assert message["To"] == "zhang@example.com"
    assert message["Subject"] == f"How did we do? Your case {case.reference}"

    done = answer_on_the_page(message, nps)
    assert done.status_code == 302

    others = Case.objects.filter(customer_id=customer_id).exclude(pk=case.pk)
    if not follow_up:
        assert not others.exists()
        return
    [opened] = others
    assert (opened.kind, opened.severity, opened.owner_id) == ("complaint", "high", acme.manager.pk)
    assert opened.subject == "Survey detractor: call the family and find out why"
    created = TimelineEvent.objects.get(case=opened, kind="case.created")
    assert created.data["follows"] == case.reference
    assert TimelineEvent.objects.filter(case=case, kind="engine.case_opened").exists()
    surveys = Api(acme.manager).get(f"customers/{customer_id}/surveys").json()
    assert [(s["band"], s["nps"]) for s in surveys] == [("detractor", nps)]


@pytest.fixture
def smtp_workers(
    request: pytest.FixtureRequest, monkeypatch: Any
) -> Iterator[tuple[Mailbox, Callable[..., Any]]]:
    """Real `ladder worker` processes that send e-mail to a real SMTP server here."""
    with smtp_server() as (port, box):
        monkeypatch.setenv("LADDER_EMAIL_HOST", "127.0.0.1")
        monkeypatch.setenv("LADDER_EMAIL_PORT", str(port))
        monkeypatch.setenv("LADDER_EMAIL_STARTTLS", "0")
        monkeypatch.setenv("LADDER_PUBLIC_URL", "https://desk.example.com")
        assert os.environ["LADDER_EMAIL_HOST"] == "127.0.0.1"
        yield box, request.getfixturevalue("workers")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_real_workers_send_the_survey_and_a_detractor_gets_a_follow_up(
    smtp_workers: tuple[Mailbox, Callable[..., Any]],
) -> None:
    """TD3, ED6: the same loop with real worker processes: the deadline fires once, the
    e-mail leaves once, with the public address the deployment names."""
    mailbox, start = smtp_workers
    assert connection.vendor == "postgresql"
    o = build_org("tutors", "TUT")
    tutoring_office(o)
    customer_id, case = resolved_through_the_api(o)
    # Two hours pass.
    Deadline.objects.filter(kind=SEND, target_id=case.pk).update(due_at=timezone.now())
    for name in ("w-1", "w-2"):
        start(name, "--batch")
    assert wait_until(lambda: len(mailbox.messages) >= 1)
    assert wait_until(lambda: Survey.objects.filter(case=case).count() == 1)
    [message] = mailbox.messages
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert "https://desk.example.com/s/" in payload.decode()

    assert answer_on_the_page(message, 0).status_code == 302
    [opened] = Case.objects.filter(customer_id=customer_id).exclude(pk=case.pk)
    assert opened.owner_id == o.manager.pk
    assert len(mailbox.messages) == 1
