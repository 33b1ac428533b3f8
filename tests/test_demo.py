"""`ladder demo`: five believable organizations, one per source procedure, built through
the domain actions; safe to rerun."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from ladder.cases.models import Case, Interaction, Task, TimelineEvent
from ladder.cases.states import OPEN
from ladder.customers.models import Customer
from ladder.ops.demo import DEMO_PASSWORD
from ladder.tenancy.calendar import BusinessCalendar
from ladder.tenancy.models import Organization, Role, Staff, Team

SLUGS = ["insurer", "school", "software", "solar", "tutoring"]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def run_demo() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def fast_hashing(settings: Any) -> None:
    # The demo creates ~30 users; PBKDF2 would spend most of the test hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db: None, fast_hashing: None) -> str:
    return run_demo()


def counts() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "staff": Staff.objects.count(),
        "teams": Team.objects.count(),
        "customers": Customer.objects.count(),
        "cases": Case.objects.count(),
        "interactions": Interaction.objects.count(),
        "tasks": Task.objects.count(),
        "timeline": TimelineEvent.objects.count(),
    }


def test_rerun_adds_nothing_and_says_already_loaded(demo: str) -> None:
    """TD1, ED1, EB1, MT1, IN1: one organization per source document, loaded once; a
    second run duplicates nothing and reports that it was already loaded."""
    assert sorted(Organization.objects.values_list("slug", flat=True)) == SLUGS
    assert "already loaded" not in demo
    before = counts()
    again = run_demo()
    assert counts() == before
    assert again.count("already loaded") == len(SLUGS)
    assert "agent@school / ladder-demo" in again


def test_every_role_of_every_organization_logs_in(demo: str) -> None:
    """Each organization has a login per role it uses, ROLE@SLUG with the demo password,
    and every rung of its ladder is staffed (IN1, EB3, ED4, ED5, MT5)."""
    for org in Organization.objects.all():
        staff = Staff.objects.filter(organization=org).select_related("user")
        roles = {g.role for s in staff for g in s.role_grants.all()}
        assert {t.role for t in org.tiers.all()} <= roles, org.slug
        assert {Role.AGENT, Role.ADMIN} & roles, org.slug
        for member in staff:
            (role,) = member.role_set
            assert member.user.username == f"{role.value}@{org.slug}"
            assert Client().login(username=member.user.username, password=DEMO_PASSWORD), (
                member.user.username
            )
            assert f"{member.user.username} / {DEMO_PASSWORD}" in demo


def test_school_is_chinese_and_opens_around_lunch_and_on_saturday(demo: str) -> None:
    """ED1-ED9: the language school works in Chinese, in CNY, in its own hours
    (9:00-12:00 and 13:30-18:00, Saturday included)."""
    school = Organization.objects.get(slug="school")
    assert (school.locale, school.currency, school.timezone) == ("zh-hans", "CNY", "Asia/Shanghai")
    cases = list(Case.objects.filter(organization=school))
    assert cases
    for case in cases:
        assert CHINESE.search(case.subject), case.subject
        assert CHINESE.search(case.description), case.description
    for text in Interaction.objects.filter(organization=school).values_list("body", flat=True):
        assert CHINESE.search(text)
    for name in Staff.objects.filter(organization=school).values_list("display_name", flat=True):
        assert CHINESE.search(name)
    for name in Customer.objects.filter(organization=school).values_list("name", flat=True):
        assert CHINESE.search(name)
    spans = {
        (i.weekday, i.start.isoformat("minutes"), i.end.isoformat("minutes"))
        for i in school.working_intervals.all()
    }
    assert (5, "09:00", "12:00") in spans
    assert (5, "13:30", "18:00") in spans
    # ED5: refunds are counted in lessons; ED1: a class runs for a 48-lesson term.
    programs = [p for c in Customer.objects.filter(organization=school) for p in c.programs.all()]
    assert all(p.unit == "lessons" and p.purchased == 48 for p in programs)


def test_escalated_cases_carry_a_handoff_summary(demo: str) -> None:
    """IN1, EB3, ED4, ED8, MT4: every case above the first rung got there through
    escalate_case, with the details and the source of the dispute written down."""
    for org in Organization.objects.all():
        above = Case.objects.filter(organization=org, tier__gte=2)
        assert above.exists(), org.slug
        for case in above:
            events = TimelineEvent.objects.filter(case=case, kind="case.escalated")
            assert events.exists(), case.reference
            for event in events:
                assert event.data["details"].strip()
                assert event.data["source_of_dispute"].strip()
    insurer_top = Case.objects.filter(organization__slug="insurer", tier=3)
    assert insurer_top.filter(owner__user__username="executive@insurer").exists()


def test_each_organization_has_a_working_desk(demo: str) -> None:
    """TD1, EB2, MT6, MT7, IN3: 6-12 open cases per organization at several tiers and
    statuses, with contact attempts and follow-up tasks; money in the org's currency."""
    for org in Organization.objects.all():
        cases = Case.objects.filter(organization=org)
        open_cases = cases.filter(status__in=OPEN)
        assert 6 <= open_cases.count() <= 12, org.slug
        assert len({c.status for c in open_cases}) >= 3, org.slug
        assert len({c.tier for c in cases}) >= 2, org.slug
        assert Task.objects.filter(organization=org, case__isnull=False).exists(), org.slug
        for case in cases.exclude(money_at_stake=None):
            assert str(case.money_at_stake.currency) == org.currency
    attempts = Interaction.objects.filter(kind="contact_attempt")
    assert attempts.exists()
    assert all(a.outcome for a in attempts)
    # MT6: an unresponsive account gets consecutive daily attempts.
    pinecrest = Case.objects.get(customer__name="Pinecrest Behavioral Health")
    assert pinecrest.interactions.filter(kind="contact_attempt").count() >= 5


def test_contacts_and_due_dates_fall_in_each_desks_own_hours(demo: str) -> None:
    """ED1, MT6, MT7, TD3: backdated contacts and follow-up tasks sit inside the
    organization's business hours (its lunch break, Saturdays and public holidays
    respected), contacts in the past and in order, tasks in the future."""
    for org in Organization.objects.prefetch_related("working_intervals", "closures"):
        calendar = BusinessCalendar.for_organization(org)
        for case in Case.objects.filter(organization=org):
            times = [i.occurred_at for i in case.interactions.order_by("id")]
            assert times == sorted(times), case.reference
            assert all(calendar.is_open(t) for t in times), case.reference
            assert all(t < case.created_at for t in times), case.reference
        for task in Task.objects.filter(organization=org):
            assert calendar.is_open(task.due_at), task.title
            assert task.due_at > task.created_at


def test_no_data_crosses_organizations(demo: str) -> None:
    """MT4, IN1 and the tenancy rule: a case's customer, owner, team, interactions, tasks
    and timeline all belong to the case's organization."""
    for case in Case.objects.select_related("customer", "owner", "team"):
        org_id = case.organization_id
        assert case.customer.organization_id == org_id
        assert case.owner is None or case.owner.organization_id == org_id
        assert case.team is None or case.team.organization_id == org_id
        assert all(i.organization_id == org_id for i in case.interactions.all())
        assert all(e.organization_id == org_id for e in case.timeline.all())
        for task in case.tasks.select_related("assignee"):
            assert task.organization_id == org_id
            assert task.assignee.organization_id == org_id
    for customer in Customer.objects.select_related("owner"):
        assert customer.owner is None or customer.owner.organization_id == customer.organization_id
    for team in Team.objects.prefetch_related("members"):
        assert all(m.organization_id == team.organization_id for m in team.members.all())


def test_each_organization_runs_its_shipped_playbook(demo: str) -> None:
    """Issue 5: the five playbooks load in `ladder demo`, each active for its
    organization, so a case opened on the demo desk runs under it."""
    from ladder.playbooks.models import PlaybookVersion

    active = dict(
        PlaybookVersion.objects.filter(is_active=True).values_list("organization__slug", "name")
    )
    assert active == {slug: slug for slug in ("tutoring", "school", "solar", "software", "insurer")}


def test_the_software_demo_has_accounts_at_risk_once_the_worker_runs(demo: str) -> None:
    """MT1: the software vendor's demo signals wait for the worker; its signal step
    scores the accounts (Harbor View red, Riverbend and Pinecrest amber) and the shipped
    playbook opens its proactive cases: Riverbend for past due plus an engagement drop,
    Harbor View for turning red. Rerunning the demo stores no signal twice."""
    from ladder.health.models import HealthScore, Signal
    from ladder.health.processing import process_signals
    from ladder.playbooks.models import AccountDecision

    stored = Signal.objects.filter(customer__organization__slug="software").count()
    assert stored == 9
    assert process_signals(limit=100).signals == stored
    bands = dict(
        HealthScore.objects.filter(organization__slug="software").values_list(
            "customer__name", "band"
        )
    )
    assert bands == {
        "Harbor View Surgery Center": "red",
        "Riverbend Urgent Care": "amber",
        "Pinecrest Behavioral Health": "amber",
    }
    proactive = AccountDecision.objects.filter(
        customer__organization__slug="software", case__isnull=False
    ).values_list("customer__name", "rule")
    assert sorted(proactive) == [
        ("Harbor View Surgery Center", "proactive_health_red"),
        ("Riverbend Urgent Care", "proactive_past_due_and_engagement_drop"),
    ]
    run_demo()
    assert Signal.objects.filter(customer__organization__slug="software").count() == stored
