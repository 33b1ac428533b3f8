"""Signing in (with django-axes' lock-out after repeated failures), signing out, and
switching language: the organization's locale is the default, each user may switch."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.models import Role, Staff
from tests.conftest import Org

PASSWORD = "pw-for-tests-only"  # the cast's, tests only
COOKIE = django_settings.LANGUAGE_COOKIE_NAME


@pytest.fixture(autouse=True)
def _lock_out_on(settings: Any) -> None:
    # The suite turns django-axes off (Client.login gives it no request); these tests
    # sign in through the page, as a browser does, with the lock-out on.
    settings.AXES_ENABLED = True


def browser(address: str = "203.0.113.9") -> Client:
    return Client(REMOTE_ADDR=address)


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post(reverse("web:login"), {"username": username, "password": password, **extra})


def signed_in_as(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def test_a_staff_member_signs_in_and_lands_on_my_work(acme: Org) -> None:
    """Sign in on the page; the desk opens on My work."""
    client = browser()
    page = client.get(reverse("web:login"))
    assert page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page.text
    response = sign_in(client, "agent@acme")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:my_work") == "/work/"
    assert signed_in_as(client) == acme.agent.user.pk


def test_a_wrong_password_is_refused_with_a_message(acme: Org) -> None:
    response = sign_in(browser(), "agent@acme", "not-the-password")
    assert response.status_code == 200
    assert 'role="alert"' in response.text
    assert "Please enter a correct username and password" in response.text


def test_five_failures_lock_the_user_out_even_with_the_right_password(acme: Org) -> None:
    """Lock-out: after five failed sign-ins for one user from one address, the right
    password is refused too, with the locked-out page (django-axes answers 429)."""
    client = browser()
    for attempt in range(4):
        assert sign_in(client, "agent@acme", "guess").status_code == 200, attempt
    fifth = sign_in(client, "agent@acme", "guess")
    assert fifth.status_code == 429
    right = sign_in(client, "agent@acme")
    assert right.status_code == 429
    assert "Too many attempts" in right.text
    assert "Signing in failed too many times" in right.text
    assert right["Content-Security-Policy"]
    assert signed_in_as(client) is None


def test_the_lock_out_holds_one_user_at_one_address(acme: Org) -> None:
    """Someone guessing one password cannot lock a colleague out, nor the user out from
    everywhere (django-axes locks the username and address pair)."""
    guesser = browser("198.51.100.1")
    for _ in range(5):
        sign_in(guesser, "agent@acme", "guess")
    assert sign_in(guesser, "agent@acme").status_code == 429
    colleague = sign_in(guesser, "manager@acme")
    assert colleague.status_code == 302
    elsewhere = browser("198.51.100.2")
    assert sign_in(elsewhere, "agent@acme").status_code == 302
    assert signed_in_as(elsewhere) == acme.agent.user.pk


def test_a_sign_in_returns_to_the_page_asked_for_but_never_off_site(acme: Org) -> None:
    client = browser()
    assert sign_in(client, "agent@acme", next="/queues/")["Location"] == "/queues/"
    other = browser("198.51.100.3")
    assert sign_in(other, "agent@acme", next="https://evil.example/")["Location"] == "/work/"


def test_sign_out_ends_the_session(acme: Org) -> None:
    client = browser()
    sign_in(client, "agent@acme")
    assert client.get(reverse("web:logout")).status_code == 405  # only a form's POST
    assert signed_in_as(client) == acme.agent.user.pk
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:login")
    assert signed_in_as(client) is None
    assert client.get(reverse("web:my_work"))["Location"].startswith("/login/")


def test_switching_language_sets_the_cookie_and_remembers_it_for_the_staff_member(
    acme: Org,
) -> None:
    """ED1-ED10: a Chinese-speaking class teacher works in Chinese; the choice is kept
    in the browser (cookie) and on the staff member, for their next sign-in elsewhere."""
    client = browser()
    sign_in(client, "agent@acme")
    response = client.post(reverse("web:language"), {"language": "zh-hans", "next": "/work/"})
    assert response.status_code == 302
    assert response["Location"] == "/work/"
    assert client.cookies[COOKIE].value == "zh-hans"
    assert client.cookies[COOKIE]["samesite"] == "Lax"
    assert Staff.objects.get(pk=acme.agent.pk).locale == "zh-hans"
    page = client.get("/work/")
    assert '<html lang="zh-hans">' in page.text
    # A new browser, no cookie: the staff member's own choice.
    fresh = browser("198.51.100.4")
    sign_in(fresh, "agent@acme")
    assert '<html lang="zh-hans">' in fresh.get("/work/").text


def test_staff_of_a_chinese_organization_get_chinese_by_default(db: None) -> None:
    """ED1: the school's desk speaks its organization's language unless a user switched."""
    school = tenancy_actions.create_organization(
        slug="school", name="School", locale="zh-hans", case_prefix="SCH"
    )
    tenancy_actions.add_staff(
        organization=school,
        username="owner@school",
        display_name="Wang Li",
        roles=[Role.OWNER],
        password=PASSWORD,
    )
    client = Client(REMOTE_ADDR="203.0.113.10", HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, "owner@school")
    page = client.get("/work/")
    assert page.status_code == 200
    assert '<html lang="zh-hans">' in page.text
    assert page["Content-Language"] == "zh-hans"
    client.post(reverse("web:language"), {"language": "en", "next": "/work/"})
    assert '<html lang="en">' in client.get("/work/").text


def test_an_unknown_language_or_an_off_site_return_is_ignored(acme: Org) -> None:
    client = browser()
    sign_in(client, "agent@acme")
    response = client.post(reverse("web:language"), {"language": "xx", "next": "/work/"})
    assert response["Location"] == "/work/"
    assert COOKIE not in response.cookies
    assert Staff.objects.get(pk=acme.agent.pk).locale == ""
    off_site = {"language": "en", "next": "https://evil.example/"}
    assert client.post(reverse("web:language"), off_site)["Location"] == "/"


def test_a_visitor_switches_language_on_the_sign_in_page(db: None) -> None:
    """Before signing in, the choice lives in the browser only."""
    client = browser()
    client.post(reverse("web:language"), {"language": "zh-hans", "next": "/login/"})
    assert client.cookies[COOKIE].value == "zh-hans"
    assert '<html lang="zh-hans">' in client.get(reverse("web:login")).text
