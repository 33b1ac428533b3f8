"""`ladder playbook validate | load | activate | list`: how an organization's admin
puts a reviewed playbook file into service."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ladder.playbooks.models import PlaybookVersion
from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.models import Tier
from tests.conftest import Org
from tests.playbook_files import VALID, edit, line_of

pytestmark = pytest.mark.usefixtures("english")

BROKEN = edit(VALID, "    role: manager\n", "    role: teacher\n")
BROKEN = edit(BROKEN, "    target: 24h", "    target: a day")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("playbook", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def write(tmp_path: Path, source: str, name: str = "book.yaml") -> str:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return str(path)


@pytest.fixture
def skills(acme: Org) -> None:
    for name in ("Tier 2", "Resolution Lead"):
        tenancy_actions.create_skill(organization=acme.org, name=name)


def test_validate_says_a_good_file_is_valid(tmp_path: Path) -> None:
    file = write(tmp_path, VALID)
    assert run("validate", file).strip() == (
        f"{file}: playbook insurer_test is valid (3 tiers, 5 rules)"
    )


def test_validate_prints_every_problem_and_fails(tmp_path: Path) -> None:
    file = write(tmp_path, BROKEN)
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 problems") as caught:
        call_command("playbook", "validate", file, stdout=out)
    assert caught.value.returncode == 1
    assert out.getvalue().splitlines() == [
        f"{file}:{line_of(BROKEN, 'role: teacher')}: tiers[1].role: unknown role 'teacher'; "
        "roles are: agent, tier2, team_lead, manager, owner, academic_director, principal, "
        "accounting, executive, admin",
        f"{file}:{line_of(BROKEN, 'target: a day')}: clocks[0].target: "
        "'a day' is not a duration like 30s, 90m, 24h, 2d or 1w; or is not a whole number",
    ]


def test_validate_against_an_organization_checks_its_names(acme: Org, tmp_path: Path) -> None:
    file = write(tmp_path, VALID)
    with pytest.raises(CommandError, match="2 problems"):
        run("validate", file, "--organization", "acme")
    tenancy_actions.create_skill(organization=acme.org, name="Tier 2")
    tenancy_actions.create_skill(organization=acme.org, name="Resolution Lead")
    assert "is valid" in run("validate", file, "--organization", "acme")


def test_the_ladder_script_exits_non_zero_and_prints_file_and_line(tmp_path: Path) -> None:
    """The real console script, as an admin or CI runs it on a reviewed file."""
    file = write(tmp_path, BROKEN)
    script = Path(sys.executable).with_name("ladder")
    result = subprocess.run(  # noqa: S603 (our own script, our own temporary file)
        [str(script), "playbook", "validate", file],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert f"{file}:{line_of(BROKEN, 'role: teacher')}: tiers[1].role:" in result.stdout
    assert f"{file}:{line_of(BROKEN, 'target: a day')}: clocks[0].target:" in result.stdout
    assert "2 problems" in result.stderr


def test_load_activate_and_list(acme: Org, other: Org, skills: None, tmp_path: Path) -> None:
    """IN1: loaded, then activated: the organization's ladder is the playbook's."""
    file = write(tmp_path, VALID)
    assert run("load", file, "--organization", "acme").strip() == "loaded insurer_test v1 for acme"
    version = PlaybookVersion.objects.get(organization=acme.org)
    assert version.loaded_by == "engine (command line)"
    assert not version.is_active

    second = write(tmp_path, VALID + "# v2\n", "book2.yaml")
    out = run("load", second, "--organization", "acme", "--activate", "--as", "admin@acme")
    assert out.splitlines() == [
        "loaded insurer_test v2 for acme",
        "activated insurer_test v2 for acme",
    ]
    v2 = PlaybookVersion.objects.get(organization=acme.org, number=2)
    assert v2.is_active
    assert v2.loaded_by == v2.activated_by == acme.admin.display_name

    assert run("activate", "1", "--organization", "acme").strip() == (
        "activated insurer_test v1 for acme"
    )
    assert PlaybookVersion.objects.get(organization=acme.org, is_active=True).number == 1
    assert Tier.objects.filter(organization=acme.org).count() == 3

    listing = run("list", "--organization", "acme").splitlines()
    assert len(listing) == 2
    assert listing[0].startswith("  acme  insurer_test v2  loaded ")
    assert listing[1].startswith("* acme  insurer_test v1  loaded ")
    assert v2.digest[:12] in listing[0]
    assert "book2.yaml" in listing[0]
    assert "activated " in listing[1]
    assert run("list", "--organization", "other").strip() == "no playbook versions"
    assert len(run("list").splitlines()) == 2


def test_load_refuses_a_broken_file_naming_every_problem(acme: Org, tmp_path: Path) -> None:
    file = write(tmp_path, BROKEN)
    with pytest.raises(CommandError) as caught:
        run("load", file, "--organization", "acme", "--activate")
    assert str(caught.value).splitlines() == [
        f"line {line_of(BROKEN, 'role: teacher')}: tiers[1].role: unknown role 'teacher'; "
        "roles are: agent, tier2, team_lead, manager, owner, academic_director, principal, "
        "accounting, executive, admin",
        f"line {line_of(BROKEN, 'target: a day')}: clocks[0].target: 'a day' is not a duration "
        "like 30s, 90m, 24h, 2d or 1w; or is not a whole number",
    ]
    assert not PlaybookVersion.objects.exists()


def test_activate_refuses_a_version_the_organization_cannot_run(acme: Org, tmp_path: Path) -> None:
    run("load", write(tmp_path, VALID), "--organization", "acme")
    with pytest.raises(CommandError, match="no skill named 'Tier 2' in Acme"):
        run("activate", "1", "--organization", "acme")
    assert not PlaybookVersion.objects.filter(is_active=True).exists()


def test_mistakes_on_the_command_line_fail_clearly(acme: Org, tmp_path: Path) -> None:
    file = write(tmp_path, VALID)
    with pytest.raises(CommandError, match="no organization 'nope'"):
        run("load", file, "--organization", "nope")
    with pytest.raises(CommandError, match="cannot read"):
        run("validate", str(tmp_path / "missing.yaml"))
    with pytest.raises(CommandError, match="no staff member with username 'ghost'"):
        run("load", file, "--organization", "acme", "--as", "ghost")
    with pytest.raises(CommandError, match=r"your roles do not allow playbook\.manage"):
        run("load", file, "--organization", "acme", "--as", "agent@acme")
    with pytest.raises(CommandError, match="playbook version not found"):
        run("activate", "7", "--organization", "acme")
    assert not PlaybookVersion.objects.exists()
