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
from ladder.ops.commandline import add_import_arguments, import_actor
from ladder.programs.actions import import_sessions


class Command(BaseCommand):
    help = "Import delivered sessions from a CSV file into an organization's programs."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_import_arguments(parser, file_help="CSV with program_id,held_at,units,note,source_id")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = import_actor(
            organization=options["organization"],
            username=options["username"],
            command="ladder import-sessions",
        )
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
