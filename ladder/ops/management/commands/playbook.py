"""`ladder playbook validate | load | activate | list | simulate`: an organization's
procedure as versioned YAML files (see docs/playbooks.md).

``simulate PLAYBOOK SCENARIO`` replays a scenario through the engine on a virtual clock
in a throwaway SQLite database (the command runs itself again with that database), so
it never touches the desk's data; it prints the case's timeline and each expectation,
and exits 1 if one fails.

``load`` and ``activate`` act as the named staff member (``--as USERNAME``, who must
hold the playbook.manage permission in the organization) or, without ``--as``, as the
engine with the rule "command line": whoever runs commands on the server already has
the organization's data in hand. The version records which."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ladder.errors import DomainError
from ladder.playbooks.actions import activate_playbook, load_playbook
from ladder.playbooks.models import PlaybookVersion
from ladder.playbooks.simulation import SHIPPED, ScenarioError, simulate
from ladder.playbooks.validation import check
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization, Staff

COMMAND_LINE = "command line"
# Set in the child process that runs a simulation in its own throwaway database.
_THROWAWAY = "LADDER_SIMULATION_DATABASE"


class Command(BaseCommand):
    help = "Validate, load, activate or list playbook versions."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        validate = sub.add_parser("validate", help="report every problem of a playbook file")
        validate.add_argument("file")
        validate.add_argument("--organization", help="slug: also check its teams, skills, staff")
        load = sub.add_parser("load", help="store a playbook file as the next version")
        load.add_argument("file")
        load.add_argument("--organization", required=True, help="slug")
        load.add_argument("--activate", action="store_true", help="and make it the active one")
        load.add_argument("--as", dest="username", help="act as this staff member")
        activate = sub.add_parser("activate", help="make a version the active one")
        activate.add_argument("number", type=int)
        activate.add_argument("--organization", required=True, help="slug")
        activate.add_argument("--as", dest="username", help="act as this staff member")
        listing = sub.add_parser("list", help="list the versions, the active one marked")
        listing.add_argument("--organization", help="slug (default: every organization)")
        simulate = sub.add_parser("simulate", help="replay a scenario on a virtual clock")
        simulate.add_argument("playbook", help="a playbook file, or a shipped one's name")
        simulate.add_argument("scenario", help="a scenario file")

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        if verb == "validate":
            self.validate(options["file"], options["organization"])
        elif verb == "list":
            self.list_versions(options["organization"])
        elif verb == "simulate":
            self.simulate(options["playbook"], options["scenario"])
        else:
            org = _organization(options["organization"])
            actor = _actor(org, options["username"])
            try:
                if verb == "load":
                    version = load_playbook(
                        actor=actor,
                        organization=org,
                        source=_read(options["file"]),
                        filename=options["file"],
                    )
                    self.stdout.write(f"loaded {version.label} for {org.slug}")
                    number = version.number if options["activate"] else None
                else:
                    number = options["number"]
                if number is not None:
                    version = activate_playbook(actor=actor, organization=org, number=number)
                    self.stdout.write(f"activated {version.label} for {org.slug}")
            except DomainError as exc:
                raise CommandError(_domain_message(exc)) from None

    def validate(self, file: str, slug: str | None) -> None:
        org = _organization(slug) if slug is not None else None
        report = check(_read(file), filename=file, organization=org)
        for problem in report.problems:
            self.stdout.write(str(problem))
        if report.problems:
            count = len(report.problems)
            raise CommandError(f"{file}: {count} problem{'s' if count != 1 else ''}")
        assert report.playbook is not None
        book = report.playbook
        self.stdout.write(
            f"{file}: playbook {book.playbook} is valid "
            f"({len(book.tiers)} tiers, {len(book.rules)} rules)"
        )

    def simulate(self, playbook: str, scenario: str) -> None:
        book = Path(playbook)
        if not book.is_file():
            book = SHIPPED / f"{playbook}.yaml"
        for path in (book, Path(scenario)):
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
        if os.environ.get(_THROWAWAY) != "1":
            self._simulate_elsewhere(book, Path(scenario))
            return
        call_command("migrate", verbosity=0, interactive=False)
        try:
            result = simulate(scenario_path=Path(scenario), playbook_path=book)
        except (ScenarioError, DomainError) as exc:
            raise CommandError(f"{scenario}: {exc}") from None
        for line in result.lines:
            self.stdout.write(line)
        self.stdout.write("")
        for outcome in result.outcomes:
            mark = "ok  " if outcome.ok else "FAIL"
            self.stdout.write(f"{mark} step {outcome.step}: {outcome.text}")
        if not result.passed:
            raise CommandError(f"{scenario}: {len(result.failures)} expectation(s) failed")

    def _simulate_elsewhere(self, book: Path, scenario: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="ladder-simulation-") as folder:
            env = {
                **os.environ,
                _THROWAWAY: "1",
                "DATABASE_URL": f"sqlite:///{Path(folder) / 'simulation.sqlite3'}",
            }
            command = [sys.executable, "-m", "ladder.cli", "playbook", "simulate"]
            done = subprocess.run(  # noqa: S603 - our own command, no shell
                [*command, str(book.resolve()), str(scenario.resolve())],
                env=env,
                check=False,
            )
        if done.returncode:
            raise CommandError(f"{scenario}: the simulation failed") from None

    def list_versions(self, slug: str | None) -> None:
        versions = PlaybookVersion.objects.select_related("organization").defer("source")
        if slug is not None:
            versions = versions.filter(organization=_organization(slug))
        rows = list(versions.order_by("organization__slug", "-number"))
        if not rows:
            self.stdout.write("no playbook versions")
        for v in rows:
            marker = "*" if v.is_active else " "
            activated = f"  activated {v.activated_at:%Y-%m-%d %H:%M}" if v.activated_at else ""
            self.stdout.write(
                f"{marker} {v.organization.slug}  {v.label}  loaded {v.loaded_at:%Y-%m-%d %H:%M} "
                f"by {v.loaded_by}  {v.digest[:12]}  {v.filename}{activated}"
            )


def _organization(slug: str) -> Organization:
    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        raise CommandError(f"no organization {slug!r}")
    return org


def _actor(org: Organization, username: str | None) -> Actor:
    if username is None:
        return Actor.engine(org, rule=COMMAND_LINE)
    staff = Staff.objects.filter(organization=org, user__username=username).first()
    if staff is None:
        raise CommandError(f"no staff member with username {username!r} in {org.slug}")
    return Actor.for_staff(staff)


def _read(file: str) -> str:
    try:
        return Path(file).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read {file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{file} is not UTF-8 text") from None


def _domain_message(exc: DomainError) -> str:
    errors = getattr(exc, "errors", None)
    if errors:
        return "\n".join(e.message for e in errors)
    return str(exc)
