"""CSV import of signals (MT1): ``customer_id,kind,occurred_at,source,source_id,value,
note`` with a header row. The file goes through :func:`ladder.health.intake.ingest_signals`
in chunks of 5,000 rows; a malformed row is reported with its line number and field,
the other rows are imported. The page queues the import for the worker
(:func:`queue_import`); the command runs it at once (:func:`import_signals_csv`)."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ladder.errors import Invalid
from ladder.health.intake import FIELDS, REQUIRED, ingest_signals
from ladder.signals.models import ImportStatus, SignalImport, SignalImportFile
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Staff
from ladder.tenancy.permissions import Permission

CHUNK = 5_000
MAX_ERRORS = 1_000
MAX_FILE_BYTES = 64 * 1024 * 1024
csv.field_size_limit(1_000_000)

Progress = Callable[[SignalImport], None]


def _text_of(content: bytes) -> str:
    try:
        return codecs.decode(content, "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid.field(
            "file", _("is not UTF-8 text (byte %(at)s)") % {"at": exc.start}
        ) from None


def _header(reader: Any) -> list[str]:
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise Invalid.field("file", _("is empty: it needs a header row")) from None
    unknown = [h for h in header if h not in FIELDS]
    if unknown:
        raise Invalid.field(
            "file",
            _("has unknown columns %(columns)s (the columns are %(known)s)")
            % {"columns": ", ".join(unknown), "known": ",".join(FIELDS)},
        )
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise Invalid.field(
            "file", _("has no column %(columns)s") % {"columns": ", ".join(missing)}
        )
    if len(set(header)) != len(header):
        raise Invalid.field("file", _("names a column twice"))
    return header


def count_rows(content: bytes) -> int:
    """The data rows of the file (not the header), for the progress bar."""
    rows = sum(1 for row in csv.reader(io.StringIO(_text_of(content))) if row)
    return max(rows - 1, 0)


def import_signals_csv(
    *,
    actor: Actor,
    file: bytes,
    filename: str = "",
    signal_import: SignalImport | None = None,
    progress: Progress | None = None,
) -> SignalImport:
    """Imports the file's signals and returns the import with its counts and the first
    1,000 errors ([{row, field, message}], ``row`` the line in the file). A file without
    the header or with an unknown column is refused as a whole (422 naming ``file``)."""
    actor.require(Permission.SIGNAL_CREATE)
    text = _text_of(file)
    reader = csv.reader(io.StringIO(text))
    header = _header(reader)
    run = signal_import or _new_import(actor, filename)
    run.total_rows = count_rows(file)
    run.status = ImportStatus.RUNNING
    run.started_at = timezone.now()
    run.save(update_fields=["total_rows", "status", "started_at"])
    rows: list[Any] = []
    numbers: list[int] = []
    line = 1
    for values in reader:
        start = line + 1
        line = reader.line_num
        if not values:
            continue
        if len(values) != len(header):
            _refuse(
                run,
                start,
                "row",
                _("has %(got)s fields; the header has %(want)s")
                % {"got": len(values), "want": len(header)},
            )
            run.processed_rows += 1
            continue
        rows.append({k: v for k, v in zip(header, values, strict=True) if v != ""})
        numbers.append(start)
        if len(rows) >= CHUNK:
            _chunk(actor, run, rows, numbers, progress)
            rows, numbers = [], []
    _chunk(actor, run, rows, numbers, progress)
    run.status = ImportStatus.DONE
    run.finished_at = timezone.now()
    run.save()
    return run


def _new_import(actor: Actor, filename: str) -> SignalImport:
    return SignalImport.objects.create(
        organization=actor.organization,
        by=actor.staff,
        by_label=actor.label,
        filename=filename[:255],
        queued_at=timezone.now(),
    )


def _refuse(run: SignalImport, row: int, field: str, message: str) -> None:
    run.rejected += 1
    if len(run.errors) < MAX_ERRORS:
        run.errors.append({"row": row, "field": field, "message": message})


def _chunk(
    actor: Actor,
    run: SignalImport,
    rows: list[Any],
    numbers: list[int],
    progress: Progress | None,
) -> None:
    if rows:
        result = ingest_signals(actor=actor, rows=rows, numbers=numbers)
        run.created += result.created
        run.duplicates += result.duplicates
        for error in result.errors:
            _refuse(run, error.row, error.field, error.message)
        run.processed_rows += len(rows)
    run.errors.sort(key=lambda e: e["row"])
    run.save(update_fields=["processed_rows", "created", "duplicates", "rejected", "errors"])
    if progress is not None:
        progress(run)


def queue_import(*, actor: Actor, filename: str, content: bytes) -> SignalImport:
    """Saves the uploaded file and queues its import for the worker (the page)."""
    actor.require(Permission.SIGNAL_CREATE)
    if len(content) > MAX_FILE_BYTES:
        raise Invalid.field(
            "file", _("is larger than %(mb)s MB") % {"mb": MAX_FILE_BYTES // 1024 // 1024}
        )
    reader = csv.reader(io.StringIO(_text_of(content)))
    _header(reader)
    from ladder.signals.tasks import import_signals_task

    with transaction.atomic(durable=True):
        run = _new_import(actor, filename)
        SignalImportFile.objects.create(signal_import=run, content=content)
        transaction.on_commit(partial(import_signals_task.enqueue, run.pk), robust=True)
    return run


def run_queued_import(*, import_id: int) -> SignalImport:
    """The worker's half of a page import: reads the saved file, imports it as the
    staff member who uploaded it, and drops the file."""
    run = SignalImport.objects.select_related("organization", "by__organization").get(pk=import_id)
    if run.finished:
        return run
    stored = SignalImportFile.objects.filter(signal_import=run).first()
    if stored is None:
        _failed(run, _("the uploaded file is gone"))
        return run
    actor = (
        Actor.for_staff(_staff(run.by))
        if run.by is not None
        else Actor.engine(run.organization, rule="signal import")
    )
    try:
        run = import_signals_csv(actor=actor, file=bytes(stored.content), signal_import=run)
    except Invalid as exc:
        _failed(run, str(exc))
    except Exception as exc:
        # What was imported stays imported; the page says the import stopped, and why.
        _failed(run, _("the import stopped: %(error)s") % {"error": exc})
        raise
    SignalImportFile.objects.filter(signal_import=run).delete()
    return run


def _failed(run: SignalImport, reason: str) -> None:
    run.status = ImportStatus.FAILED
    run.failure = reason
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "failure", "finished_at"])


def _staff(staff: Staff) -> Staff:
    return (
        Staff.objects.select_related("organization")
        .prefetch_related("role_grants")
        .get(pk=staff.pk)
    )
