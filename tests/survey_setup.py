"""A survey sent after a resolution, built through our own actions, for the survey
tests of the domain, the API, the pages and the browser (TD3, ED6)."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from typing import Any

from django.utils import timezone

from ladder.cases import actions as case_actions
from ladder.cases.models import Case
from ladder.customers import actions as customer_actions
from ladder.customers.actions import ContactInput
from ladder.customers.models import Customer
from ladder.deadlines.actions import fire_due_deadlines
from ladder.delivery.models import Delivery
from ladder.surveys.models import Survey
from tests.conftest import Org, new_case
from tests.playbook_setup import install_playbook

SURVEY_BOOK = """
playbook: surveys
title: {en: Surveys after resolution, zh-hans: 解决后的问卷}
languages: [en, zh-hans]
tiers:
  - {level: 1, name: {en: Agent, zh-hans: 客服}, role: agent}
rules:
  - name: survey_after_resolution
    when: case.status_changed
    with: {to: resolved}
    do:
      - send_survey: {after: 2h, expires_in: 14d}
  - name: detractor_gets_a_call
    when: survey.answered
    with: {band: detractor}
    do:
      - create_task:
          title: {en: Call the unhappy customer, zh-hans: 致电不满意的客户}
          due_in: 1d
          business_time: false
          assignee: {customer_owner: true}
"""

LINK = re.compile(r"/s/([A-Za-z0-9_-]{40,})/")


def install_survey_playbook(o: Org, source: str = SURVEY_BOOK) -> None:
    install_playbook(o.org, textwrap.dedent(source))


def family(o: Org, *, email: str = "parent@example.com", name: str = "Wang family") -> Customer:
    """A customer owned by the manager (their class teacher), with a primary contact."""
    return customer_actions.create_customer(
        actor=o.actor(),
        name=name,
        owner_id=o.manager.pk,
        contacts=[
            ContactInput(name="Grandfather", email="grandpa@example.com"),
            ContactInput(name="Mother", email=email, is_primary=True),
        ],
    )


def resolve(o: Org, case: Case) -> Case:
    version = Case.objects.get(pk=case.pk).version
    case_actions.update_case(
        actor=o.actor(),
        case_id=case.pk,
        expected_version=version,
        changes={"root_cause": "Tutor was ill", "resolution": "New tutor from Monday"},
    )
    return case_actions.transition_case(
        actor=o.actor(), case_id=case.pk, expected_version=version + 1, to="resolved"
    )


def two_hours_later() -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=2, seconds=1)


def token_in(text: str) -> str:
    match = LINK.search(text)
    assert match is not None, text
    return match[1]


def sent_survey(o: Org, customer: Customer | None = None) -> tuple[Survey, str]:
    """Resolves a new case of the customer and lets two hours pass: the deadline fires,
    the survey is created and its e-mail is in the outbox. Returns it and its token,
    read from the e-mail as the customer would."""
    case = new_case(o, customer_id=(customer or family(o)).pk)
    resolve(o, case)
    fire_due_deadlines(now=two_hours_later())
    survey = Survey.objects.get(case=case)
    mail = Delivery.objects.get(idempotency_key=f"survey:{survey.pk}")
    return survey, token_in(mail.body)


def chinese_school() -> Org:
    """The fixed cast in an organization whose locale is zh-hans (a language school)."""
    from ladder.tenancy import actions as tenancy_actions
    from ladder.tenancy.actors import Actor
    from ladder.tenancy.models import Role

    org = tenancy_actions.create_organization(
        slug="xuexiao", name="Xuexiao", case_prefix="XX", locale="zh-hans"
    )
    team = tenancy_actions.create_team(organization=org, name="前台")

    def staff(role: Role, *extra: Role) -> Any:
        return tenancy_actions.add_staff(
            organization=org,
            username=f"{role.value}@xuexiao",
            display_name=f"{role.label} of xuexiao",
            roles=[role, *extra],
            password="pw-for-tests-only",
            teams=[team],
        )

    agent = staff(Role.AGENT)
    return Org(
        org=org,
        agent=agent,
        manager=staff(Role.MANAGER, Role.TEAM_LEAD),
        executive=staff(Role.EXECUTIVE),
        accountant=staff(Role.ACCOUNTING),
        admin=staff(Role.ADMIN),
        team=team,
        customer=customer_actions.create_customer(actor=Actor.for_staff(agent), name="李家"),
    )
