"""`ladder import-sessions FILE --org SLUG [--as USERNAME]`: delivered sessions from a
CSV file (``program_id,held_at,units,note,source_id``). Each refused row is printed
with its line number and the other rows are imported; the exit status is 2 when a row
was refused."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ladder.errors import DomainError
from ladder.programs.actions import import_sessions
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization, Staff


class Command(BaseCommand):
    help = "Import delivered sessions from a CSV file into an organization's programs."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="CSV with program_id,held_at,units,note,source_id")
        parser.add_argument("--org", required=True, help="the organization's slug")
        parser.add_argument(
            "--as",
            dest="username",
            default=None,
            help="the staff member recorded as importing (default: the import itself)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"no organization {options['org']!r}")
        actor = Actor.engine(org, rule="ladder import-sessions")
        if options["username"]:
            staff = Staff.objects.filter(
                organization=org, user__username=options["username"]
            ).first()
            if staff is None:
                raise CommandError(f"no staff member {options['username']!r} in {org.slug}")
            actor = Actor.for_staff(staff)
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None
        try:
            report = import_sessions(actor=actor, text=text)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        for line, message in report.errors:
            self.stderr.write(f"{path}:{line}: {message}")
        self.stdout.write(
            f"imported {report.imported} session(s), skipped {report.duplicates} already "
            f"recorded, refused {len(report.errors)} row(s)"
        )
        if report.errors:
            raise CommandError(f"{len(report.errors)} row(s) refused", returncode=2)
