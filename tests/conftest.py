"""The fixed cast every test module uses, built through our own actions: an agent, a
manager, an executive, an accountant and an admin in organization "acme", and an
outsider in organization "other"."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation

from ladder.cases import actions as case_actions
from ladder.cases.models import Case
from ladder.customers import actions as customer_actions
from ladder.customers.models import Customer
from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization, Role, Staff, Team


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A served request starts in its own language (LocaleMiddleware activates one on
    every request); a test is not a request, yet the test client's requests leave
    theirs active on the thread. Each test ends in the default language, so a Chinese
    page in one test does not make the next test's messages Chinese."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _plain_http(settings: Any) -> None:
    # Production settings redirect to HTTPS; the test client speaks plain HTTP.
    settings.SECURE_SSL_REDIRECT = False
    # Hashing passwords for real costs a third of a second per user; tests make many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # django-axes needs the request to authenticate, which Client.login() cannot give;
    # the sign-in tests turn it back on and sign in through the page.
    settings.AXES_ENABLED = False


@dataclass
class Org:
    org: Organization
    agent: Staff
    manager: Staff
    executive: Staff
    accountant: Staff
    admin: Staff
    team: Team
    customer: Customer

    def actor(self, staff: Staff | None = None) -> Actor:
        return Actor.for_staff(staff or self.agent)


def build_org(slug: str, prefix: str) -> Org:
    org = tenancy_actions.create_organization(
        slug=slug, name=slug.title(), case_prefix=prefix, timezone_name="Asia/Shanghai"
    )
    team = tenancy_actions.create_team(organization=org, name="Front desk")

    def staff(role: Role, *extra: Role) -> Staff:
        return tenancy_actions.add_staff(
            organization=org,
            username=f"{role.value}@{slug}",
            display_name=f"{role.label} of {slug}",
            roles=[role, *extra],
            password="pw-for-tests-only",
            teams=[team],
        )

    agent = staff(Role.AGENT)
    manager = staff(Role.MANAGER, Role.TEAM_LEAD)
    executive = staff(Role.EXECUTIVE)
    accountant = staff(Role.ACCOUNTING)
    admin = staff(Role.ADMIN)
    customer = customer_actions.create_customer(
        actor=Actor.for_staff(agent), name=f"Customer of {slug}"
    )
    return Org(org, agent, manager, executive, accountant, admin, team, customer)


@pytest.fixture
def acme(db: None) -> Org:
    return build_org("acme", "ACME")


@pytest.fixture
def other(db: None) -> Org:
    return build_org("other", "OTH")


def case_body(o: Org, **extra: Any) -> dict[str, Any]:
    """The least a new case needs (a body for POST /api/v1/cases), with ``extra``."""
    return {
        "customer_id": o.customer.pk,
        "kind": "complaint",
        "channel": "phone",
        "subject": "Tutor did not show up",
        **extra,
    }


def new_case(o: Org, **kwargs: Any) -> Case:
    return case_actions.create_case(actor=o.actor(), **case_body(o, **kwargs))


class Api:
    """A test client that speaks to /api/v1 with a bearer token."""

    def __init__(self, staff: Staff) -> None:
        _, self.token = tenancy_actions.create_api_token(staff=staff, name="tests")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {self.token}")

    def _call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        url = path if path.startswith("/") else f"/api/v1/{path}"
        func = getattr(self.client, method)
        if body is None:
            return func(url, **extra)
        return func(url, body, content_type="application/json", **extra)

    def get(self, path: str, **headers: str) -> Any:
        return self._call("get", path, **headers)

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self._call("post", path, {} if body is None else body, **headers)

    def patch(self, path: str, body: Any, **headers: str) -> Any:
        return self._call("patch", path, body, **headers)

    def put(self, path: str, body: Any, **headers: str) -> Any:
        return self._call("put", path, body, **headers)


@pytest.fixture
def api(acme: Org) -> Api:
    return Api(acme.agent)


@pytest.fixture
def manager_api(acme: Org) -> Api:
    return Api(acme.manager)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def english() -> Iterator[None]:
    """English for messages a test compares word for word: a page request earlier in
    the run may have left another language active in this thread."""
    with translation.override("en"):
        yield
