"""Security of the pages: a content security policy without 'unsafe-inline' on every
response (and markup that needs none), CSRF on every form, user text never rendered as
HTML, and production settings that pass ``ladder check --deploy``."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, get_resolver, reverse

from ladder.cases.configure import load_default_phrases
from ladder.cases.models import Case, ForbiddenPhrase
from ladder.tenancy.models import Organization, ReplyGuard
from tests.conftest import Org
from tests.test_admin import change_url, form_data, login

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)


def public_form(org: Org) -> str:
    return reverse("web:public_complaint", kwargs={"slug": org.org.slug})


def public_done(org: Org) -> str:
    return reverse("web:public_complaint_done", kwargs={"slug": org.org.slug})


def desk_pages() -> list[str]:
    """Every page of the desk reachable without arguments (as the areas of the desk grow,
    so does this list), and the pages that take an organization."""
    _, resolver = get_resolver().namespace_dict["web"]
    paths = set()
    for name in resolver.reverse_dict:
        if not isinstance(name, str):
            continue
        try:
            paths.add(reverse(f"web:{name}"))
        except NoReverseMatch:
            continue  # needs arguments
    return sorted(paths)


def assert_strict_csp(response: Any, where: str) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    assert policy, f"{where}: no Content-Security-Policy"
    assert "unsafe-inline" not in policy, where
    assert "unsafe-eval" not in policy, where
    assert "default-src 'self'" in policy, where
    assert "frame-ancestors 'none'" in policy, where


def assert_no_inline_code(response: Any, where: str) -> None:
    """The policy forbids inline script and style, so a page that has any is broken."""
    if "text/html" not in response.headers.get("Content-Type", ""):
        return
    html = response.content.decode()
    for pattern in (INLINE_SCRIPT, STYLE_ATTRIBUTE, HANDLER_ATTRIBUTE, STYLE_ELEMENT):
        found = pattern.search(html)
        assert found is None, f"{where}: {found.group(0) if found else ''}"


# --- the content security policy ------------------------------------------------------


def test_the_sign_in_and_public_pages_carry_a_strict_policy(acme: Org) -> None:
    """No 'unsafe-inline' on the pages anyone can reach, in each of their states."""
    client = Client(REMOTE_ADDR="203.0.113.30")
    responses = {
        "login": client.get(reverse("web:login")),
        "refused login": client.post(reverse("web:login"), {"username": "x", "password": "y"}),
        "public form": client.get(public_form(acme)),
        "refused complaint": client.post(public_form(acme), {"name": "", "description": ""}),
        "filed complaint": client.post(
            public_form(acme), {"name": "Dana", "email": "d@example.com", "description": "Late"}
        ),
        "done page": client.get(public_done(acme)),
        "not found": client.get("/o/nobody/complaint/"),
    }
    for where, response in responses.items():
        assert_strict_csp(response, where)
        assert_no_inline_code(response, where)
    assert responses["done page"].status_code == 200


def test_the_too_many_and_locked_out_pages_carry_a_strict_policy(acme: Org, settings: Any) -> None:
    settings.LADDER_PUBLIC_FORM_PER_HOUR = 0
    too_many = Client().post(
        public_form(acme), {"name": "Dana", "email": "d@example.com", "description": "Late"}
    )
    assert too_many.status_code == 429
    assert_strict_csp(too_many, "too many")
    assert_no_inline_code(too_many, "too many")
    settings.AXES_ENABLED = True
    client = Client()
    for _ in range(5):
        locked = client.post(reverse("web:login"), {"username": "agent@acme", "password": "x"})
    assert locked.status_code == 429
    assert_strict_csp(locked, "locked out")
    assert_no_inline_code(locked, "locked out")


def test_every_desk_page_carries_a_strict_policy_and_no_inline_code(acme: Org) -> None:
    """Every page of the desk, signed in: the header is there and the markup needs no
    exception to it."""
    client = Client(raise_request_exception=False)
    client.force_login(acme.agent.user)
    pages = desk_pages()
    assert "/login/" in pages
    for path in pages:
        response = client.get(path)
        assert_strict_csp(response, path)
        assert_no_inline_code(response, path)


def test_the_other_security_headers_are_set(acme: Org) -> None:
    response = Client().get(public_form(acme))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


# --- CSRF ------------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused(acme: Org) -> None:
    """CSRF on every form: sign in, sign out, language, and the public form."""
    anonymous = Client(enforce_csrf_checks=True)
    sign_in = {"username": "agent@acme", "password": "pw-for-tests-only"}
    assert anonymous.post(reverse("web:login"), sign_in).status_code == 403
    assert "_auth_user_id" not in anonymous.session
    body = {"name": "Dana", "email": "d@example.com", "description": "Late"}
    assert anonymous.post(public_form(acme), body).status_code == 403
    assert not Case.objects.exists()
    assert anonymous.post(reverse("web:language"), {"language": "zh-hans"}).status_code == 403
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(acme.agent.user)
    assert staff.post(reverse("web:logout")).status_code == 403
    assert "_auth_user_id" in staff.session


def test_a_post_with_the_pages_csrf_token_is_accepted(acme: Org) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(public_form(acme))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token is not None
    body = {"name": "Dana", "email": "d@example.com", "description": "Late"}
    response = client.post(public_form(acme), {**body, "csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert Case.objects.count() == 1


# --- escaping --------------------------------------------------------------------------


def test_user_text_on_the_public_form_and_its_done_page_is_escaped(acme: Org) -> None:
    """Auto-escaping: a visitor's <script> comes back as text in every field it was
    written in, on the refused form and on the done page."""
    client = Client()
    refused = client.post(
        public_form(acme),
        {"name": SCRIPT, "email": f"{SCRIPT}@x", "phone": SCRIPT, "description": SCRIPT},
    )
    assert refused.status_code == 200
    assert SCRIPT not in refused.text
    assert refused.text.count(ESCAPED) == 4  # name, e-mail, phone and description
    filed = client.post(
        public_form(acme), {"name": SCRIPT, "email": "d@example.com", "description": SCRIPT}
    )
    assert filed.status_code == 302
    done = client.get(public_done(acme))
    assert SCRIPT not in done.text
    assert ESCAPED in done.text


# --- the reply guard's admin: one organization's list, never another's ------------------


def test_a_tenant_admin_sees_and_edits_only_their_own_forbidden_phrases(
    acme: Org, other: Org
) -> None:
    """ED7: admins edit their organization's list; another organization's phrases are
    neither listed nor reachable by id (404), nor can a phrase be filed under it."""
    load_default_phrases(organization=acme.org, language="en")
    load_default_phrases(organization=other.org, language="zh-hans")
    client = login(acme.admin)
    listing = client.get("/admin/cases/forbiddenphrase/")
    assert listing.status_code == 200
    shown = {p.organization_id for p in listing.context["cl"].result_list}
    assert shown == {acme.org.pk}
    theirs = ForbiddenPhrase.objects.filter(organization=other.org).first()
    assert theirs is not None
    assert client.get(change_url("cases/forbiddenphrase", theirs.pk)).status_code == 404

    add = "/admin/cases/forbiddenphrase/add/"
    new = {"phrase": "calm down", "suggestion": "I hear you.", "language": "en"}
    assert client.post(add, {**new, "organization": other.org.pk}).status_code == 200
    assert not ForbiddenPhrase.objects.filter(phrase="calm down").exists()
    assert client.post(add, {**new, "organization": acme.org.pk}).status_code == 302
    assert ForbiddenPhrase.objects.get(phrase="calm down").organization_id == acme.org.pk
    again = client.post(add, {**new, "phrase": "NOTHING CAN BE DONE", "organization": acme.org.pk})
    assert "is already on the list" in again.text
    assert login(acme.agent).get("/admin/cases/forbiddenphrase/").status_code == 403


def test_a_tenant_admin_sets_their_organization_to_block(acme: Org) -> None:
    """ED7: the organization chooses to warn or to block, on its own admin page."""
    client = login(acme.admin)
    url = change_url("tenancy/organization", acme.org.pk)
    page = client.get(url)
    assert "reply_guard" in page.context["adminform"].form.fields
    response = client.post(url, {**form_data(page), "reply_guard": ReplyGuard.BLOCK})
    assert response.status_code == 302
    assert Organization.objects.get(pk=acme.org.pk).reply_guard == ReplyGuard.BLOCK


# --- production settings -----------------------------------------------------------------


def run_deploy_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # The browser tests allow sync ORM calls in their event loop for this process only;
    # a deployment never sets it, and Django's deploy check warns when it is set.
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LADDER_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(
        [sys.executable, "-m", "ladder.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env={**base, "LADDER_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "ladder.settings"}
        | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("debug", ["", "0"])
def test_the_production_settings_pass_the_deploy_check(tmp_path: Path, debug: str) -> None:
    """Secure cookies, HSTS, SSL redirect, a real secret key: ``ladder check --deploy``
    finds nothing, not even a warning."""
    result = run_deploy_check(
        tmp_path,
        LADDER_SECRET_KEY=secrets.token_urlsafe(64),
        LADDER_ALLOWED_HOSTS="desk.example.com",
        **({"LADDER_DEBUG": debug} if debug else {}),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_catches_the_development_secret(tmp_path: Path) -> None:
    """The check above has teeth: without a secret of its own the deploy check fails."""
    result = run_deploy_check(tmp_path, LADDER_ALLOWED_HOSTS="desk.example.com")
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr
