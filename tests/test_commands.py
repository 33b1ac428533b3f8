"""The `ladder` commands a newcomer and an operator use."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from ladder.tenancy.models import Role, Staff
from tests.conftest import Org


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_token_create_prints_the_token_alone_on_its_last_line(acme: Org) -> None:
    output = run("token", "create", "agent@acme")
    token = output.strip().splitlines()[-1]
    assert token.startswith("ldr_")
    assert " " not in token
    r = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200
    assert r.json()["staff"]["username"] == "agent@acme"
    assert r.json()["authenticated_by"] == "token"


def test_token_list_and_revoke(acme: Org) -> None:
    token = run("token", "create", "agent@acme", "--name", "crm").strip().splitlines()[-1]
    listing = run("token", "list", "agent@acme")
    assert token[:12] in listing
    assert "active" in listing
    run("token", "revoke", token[:12])
    assert "revoked" in run("token", "list", "agent@acme")
    r = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 401


def test_token_for_an_unknown_user_fails_clearly(db: None) -> None:
    with pytest.raises(CommandError, match="no staff member"):
        run("token", "create", "ghost@nowhere")


def test_createadmin_makes_a_superuser_or_an_organization_admin(acme: Org) -> None:
    run("createadmin", "--username", "root", "--password", "Ladder-admin-2026!")
    assert get_user_model().objects.get(username="root").is_superuser
    run(
        "createadmin",
        "--username",
        "boss@acme",
        "--password",
        "s3cret-enough",
        "--organization",
        "acme",
    )
    boss = Staff.objects.get(user__username="boss@acme")
    assert boss.organization == acme.org
    assert boss.role_set == {Role.ADMIN}
    assert boss.user.is_staff
    assert not boss.user.is_superuser
    with pytest.raises(CommandError, match="no organization"):
        run(
            "createadmin",
            "--username",
            "x",
            "--password",
            "Ladder-admin-2026!",
            "--organization",
            "nope",
        )
    with pytest.raises(CommandError, match="password"):
        run("createadmin", "--username", "weak", "--password", "12345")


def test_permissions_doc_prints_the_matrix(db: None) -> None:
    assert "| `case.escalate` |" in run("permissions_doc")


def test_the_ladder_console_command_wraps_django(tmp_path: object) -> None:
    """`ladder check` runs through the installed console script's entry point."""
    result = subprocess.run(
        [sys.executable, "-m", "ladder.cli", "check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
