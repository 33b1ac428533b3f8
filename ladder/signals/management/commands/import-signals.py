"""`ladder import-signals FILE --organization SLUG [--as USERNAME]`: signals from a CSV
file (``customer_id,kind,occurred_at,source,source_id,value,note``, header required),
5,000 rows at a time, printing progress after each chunk and a summary with each
refused row's line number; the exit status is 2 when a row was refused."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ladder.errors import DomainError
from ladder.signals.imports import import_signals_csv
from ladder.signals.models import SignalImport
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization, Staff


class Command(BaseCommand):
    help = "Import early-warning signals from a CSV file into an organization."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "file", help="CSV with customer_id,kind,occurred_at,source,source_id,value,note"
        )
        parser.add_argument(
            "--organization", "--org", required=True, help="the organization's slug"
        )
        parser.add_argument(
            "--as",
            dest="username",
            default=None,
            help="the staff member recorded as importing (default: the import itself)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["organization"]).first()
        if org is None:
            raise CommandError(f"no organization {options['organization']!r}")
        actor = Actor.engine(org, rule="ladder import-signals")
        if options["username"]:
            staff = (
                Staff.objects.select_related("organization")
                .prefetch_related("role_grants")
                .filter(organization=org, user__username=options["username"])
                .first()
            )
            if staff is None:
                raise CommandError(f"no staff member {options['username']!r} in {org.slug}")
            actor = Actor.for_staff(staff)
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None

        def progress(run: SignalImport) -> None:
            self.stdout.write(f"{run.processed_rows:,} / {run.total_rows:,} rows")

        try:
            run = import_signals_csv(
                actor=actor, file=content, filename=path.name, progress=progress
            )
        except DomainError as exc:
            raise CommandError(f"{path}: {exc}") from None
        for error in run.errors:
            self.stderr.write(f"{path}:{error['row']}: {error['field']}: {error['message']}")
        if run.rejected > len(run.errors):
            self.stderr.write(f"… and {run.rejected - len(run.errors):,} more refused row(s)")
        self.stdout.write(
            f"imported {run.created:,} signal(s), skipped {run.duplicates:,} duplicate(s), "
            f"refused {run.rejected:,} row(s)"
        )
        if run.rejected:
            raise CommandError(f"{run.rejected:,} row(s) refused", returncode=2)
