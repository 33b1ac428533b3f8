"""The shipped watchers over programs, driven by playbook rules and fired by the
deadline sweep like every schedule: unused hours and the renewal window (TD3, ED9), a
tutor not matched in the promised time (TD3), the waiting list and unpaid reminders
(ED2). A task is not made again while the one before is open."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pytest_django import DjangoAssertNumQueries

from ladder.cases.models import Task
from ladder.customers.actions import ProgramInput, create_customer
from ladder.customers.models import Program
from ladder.deadlines.actions import fire_due_deadlines
from ladder.delivery.models import Notification
from ladder.playbooks.models import AccountDecision
from ladder.programs import actions
from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.models import Role, Staff
from tests.conftest import Org
from tests.playbook_setup import install_playbook

SHIPPED = Path(__file__).resolve().parent.parent / "ladder" / "playbooks" / "shipped"
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
TUESDAY_8 = dt.datetime(2026, 3, 3, 8, 0, 1, tzinfo=SHANGHAI)


def staff(o: Org, name: str, role: Role, *teams: str) -> Staff:
    return tenancy_actions.add_staff(
        organization=o.org,
        username=f"{name}@{o.org.slug}",
        display_name=name.title(),
        roles=[role],
        teams=[tenancy_actions.create_team(organization=o.org, name=t) for t in teams],
    )


def program(o: Org, name: str, **values: object) -> Program:
    """A family's program through the use cases, owned by the manager (the education
    consultant or class teacher)."""
    customer = create_customer(
        actor=o.actor(),
        name=f"Family with {name}",
        owner_id=o.agent.pk,
        programs=[
            ProgramInput(
                name=name,
                unit="hours",
                purchased=Decimal(str(values.pop("purchased", 40))),
                delivered=Decimal(str(values.pop("delivered", 2))),
                term_start=dt.date(2026, 1, 5),
                term_end=values.pop("term_end", dt.date(2026, 6, 26)),  # type: ignore[arg-type]
            )
        ],
    )
    made = customer.programs.get()
    return actions.update_program(
        actor=o.actor(),
        program_id=made.pk,
        expected_version=made.version,
        changes={"owner_id": o.manager.pk, **values},  # type: ignore[typeddict-item]
    )


@pytest.fixture
def tutoring(acme: Org) -> Org:
    """Acme runs the shipped tutoring playbook (its teams and office manager exist)."""
    staff(acme, "principal", Role.PRINCIPAL, "Client care", "Tutor matching")
    with time_machine.travel(MONDAY_10, tick=False):
        install_playbook(acme.org, (SHIPPED / "tutoring.yaml").read_text())
    return acme


def tick(at: dt.datetime) -> None:
    with time_machine.travel(at, tick=False):
        fire_due_deadlines(now=at)


def tasks() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for d in AccountDecision.objects.filter(kind="task.created").select_related("program"):
        assert d.program is not None
        out.setdefault(d.program.name, []).append(d.rule)
    return out


def test_unused_hours_and_the_renewal_window_make_one_task_each(tutoring: Org) -> None:
    """Done means (TD3, ED9): a tutoring family whose hours go unused (pace 28 % behind
    plan) gets an outreach task for the program's owner; a program two weeks before its
    term ends gets the renewal contact task; on the next morning nothing is repeated
    (the outreach task is still open, the renewal day has passed)."""
    with time_machine.travel(MONDAY_10, tick=False):
        program(tutoring, "Maths")  # 57 of 172 days: 13.3 of 40 planned, 2 delivered
        program(tutoring, "English", purchased=10, delivered=8, term_end=dt.date(2026, 3, 17))
    tick(TUESDAY_8)
    assert tasks() == {
        "Maths": ["unused_hours_watch"],
        "English": ["renewal_window_watch"],
    }
    titles = dict(Task.objects.filter(case=None).values_list("title", "assignee"))
    assert titles == {
        "Family with Maths, Maths: Hours are going unused; call the family and book the next "
        "sessions": tutoring.manager.pk,
        "Family with English, English: The program ends in two weeks; talk with the family about "
        "continuing": tutoring.manager.pk,
    }
    tick(TUESDAY_8 + dt.timedelta(days=1))
    assert Task.objects.filter(case=None).count() == 2


def test_recorded_sessions_keep_a_program_off_the_unused_hours_watch(tutoring: Org) -> None:
    """TD3: once the family catches up (sessions recorded through the use case), the
    watch finds the program on plan and makes no task."""
    with time_machine.travel(MONDAY_10, tick=False):
        maths = program(tutoring, "Maths")
        actions.record_session(
            actor=tutoring.actor(),
            program_id=maths.pk,
            held_at=MONDAY_10 - dt.timedelta(hours=2),
            units=Decimal(12),
        )
    tick(TUESDAY_8)
    assert tasks() == {}


def test_a_session_interruption_makes_a_task(tutoring: Org) -> None:
    """TD3 (5.2): two weeks without a session while hours remain makes a follow-up."""
    with time_machine.travel(MONDAY_10 - dt.timedelta(days=20), tick=False):
        program(tutoring, "Chemistry", purchased=20, delivered=8, term_end=dt.date(2026, 4, 30))
    tick(TUESDAY_8)
    assert tasks() == {"Chemistry": ["session_interruption_watch"]}


def test_a_tutor_not_matched_in_the_promised_time_makes_a_task_and_tells_the_office(
    tutoring: Org,
) -> None:
    """TD3 (4.1): requested Monday 07:00 with a 24-hour promise, still unmatched on
    Tuesday morning: a task for the owner and a notification to the office manager; a
    matched tutor stops the watch."""
    requested = dt.datetime(2026, 3, 2, 7, 0, tzinfo=SHANGHAI)
    with time_machine.travel(MONDAY_10, tick=False):
        late = program(
            tutoring,
            "Physics",
            delivered=0,
            tutor_requested_at=requested,
            match_within_hours=24,
        )
        program(
            tutoring,
            "Biology",
            delivered=0,
            tutor_requested_at=requested,
            tutor_matched_at=requested + dt.timedelta(hours=2),
            tutor_name="Ms Lin",
            match_within_hours=24,
        )
    tick(TUESDAY_8)
    decided = tasks()
    # No session since the term began either: the other watches see it too.
    assert "tutor_match_overdue_watch" in decided["Physics"]
    assert "tutor_match_overdue_watch" not in decided.get("Biology", [])
    principal = Staff.objects.get(user__username="principal@acme")
    assert Notification.objects.filter(staff=principal).count() == 1
    assert late.customer_id is not None


def test_the_school_waiting_list_reminds_the_unpaid_and_keeps_in_touch(acme: Org) -> None:
    """ED2: on the weekly waiting-list morning the class teacher gets a keep-in-touch
    task for a paid student waiting for the class, and a payment reminder for an unpaid
    one; an active class gets neither."""
    staff(acme, "director", Role.ACADEMIC_DIRECTOR, "课程顾问组", "教务部")
    staff(acme, "principal", Role.PRINCIPAL)
    teacher = staff(acme, "teacher", Role.OWNER)
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI), tick=False):
        install_playbook(acme.org, (SHIPPED / "school.yaml").read_text())
        paid = program(
            acme,
            "K3 paid",
            delivered=0,
            status="waiting",
            paid_at=dt.datetime(2026, 3, 1, tzinfo=SHANGHAI),
            class_start=dt.date(2026, 3, 21),
        )
        program(acme, "K3 unpaid", delivered=0, status="waiting", class_start=dt.date(2026, 3, 21))
        program(acme, "L5 running", purchased=48, delivered=20)
    assert paid.owner == acme.manager
    assert teacher.pk
    monday_9 = dt.datetime(2026, 3, 9, 9, 0, 1, tzinfo=SHANGHAI)
    tick(monday_9)
    assert tasks() == {
        "K3 paid": ["waiting_list_keep_in_touch"],
        "K3 unpaid": ["waiting_list_unpaid_reminder"],
    }


def test_the_watch_reads_each_program_in_a_bounded_number_of_queries(
    tutoring: Org, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    """The morning watch over programs on plan costs the same per program: no query
    grows with the program's sessions."""
    with time_machine.travel(MONDAY_10, tick=False):
        maths = program(tutoring, "Maths", delivered=14)
        for day in range(1, 6):
            actions.record_session(
                actor=tutoring.actor(),
                program_id=maths.pk,
                held_at=MONDAY_10 - dt.timedelta(days=day),
                units=Decimal("0.5"),
            )
    with time_machine.travel(TUESDAY_8, tick=False), django_assert_num_queries(11):
        fire_due_deadlines(now=TUESDAY_8)
    assert tasks() == {}
