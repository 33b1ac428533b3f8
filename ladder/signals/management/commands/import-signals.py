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
from ladder.ops.commandline import add_import_arguments, import_actor
from ladder.signals.imports import import_signals_csv
from ladder.signals.models import SignalImport


class Command(BaseCommand):
    help = "Import early-warning signals from a CSV file into an organization."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_import_arguments(
            parser, file_help="CSV with customer_id,kind,occurred_at,source,source_id,value,note"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = import_actor(
            organization=options["organization"],
            username=options["username"],
            command="ladder import-signals",
        )
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
