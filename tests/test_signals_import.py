"""CSV import of signals (MT1), through `ladder import-signals`: chunks with progress,
a malformed row reported with its line number and field, the other rows imported; and
`ladder signals hook-secret` for the webhook."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from ladder.errors import Invalid
from ladder.health.models import Signal
from ladder.signals import imports
from ladder.signals.imports import import_signals_csv
from ladder.signals.models import ImportStatus, SignalHook, SignalImport
from tests.conftest import Org

HEADER = "customer_id,kind,occurred_at,source,source_id,value,note\n"


def csv_text(o: Org, other: Org) -> str:
    c, x = o.customer.pk, other.customer.pk
    return (
        HEADER
        + f"{c},past_due,2026-03-02T10:00:00+08:00,billing,inv-1,30,first\n"  # line 2
        + f"{c},sad,2026-03-02T10:00:00+08:00,billing,inv-2,,\n"  # line 3: kind
        + f'{c},upset,2026-03-02T11:00:00Z,crm,t-9,,"a note, with a comma"\n'  # line 4
        + f"{x},upset,2026-03-02T11:00:00Z,crm,t-10,,\n"  # line 5: other org
        + f"{c},past_due,2026-03-02T10:00:00+08:00,billing,inv-1,30,again\n"  # line 6: dup
        + f"{c},complaint,2026-03-02 12:00,crm,t-11\n"  # line 7: too few fields
        + f"{c},complaint,2026-03-02T12:00:00+00:00,crm,t-12,x,\n"  # line 8: value
        + f"{c},complaint,2026-03-02T12:00:00+00:00,crm,t-13,1.5,\n"  # line 9
    )


def test_the_command_imports_good_rows_and_reports_bad_ones_by_line(
    acme: Org, other: Org, tmp_path: Path, monkeypatch: Any, english: None
) -> None:
    """MT1: each refused row is printed with its line and field, the others are
    imported, a duplicate is skipped, progress is printed every chunk; exit status 2."""
    monkeypatch.setattr(imports, "CHUNK", 3)
    path = tmp_path / "signals.csv"
    path.write_text(csv_text(acme, other), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import-signals", str(path), organization="acme", stdout=out, stderr=err)
    assert refused.value.returncode == 2
    assert set(Signal.objects.values_list("source_id", flat=True)) == {
        "inv-1",
        "t-9",
        "t-13",
    }
    assert Signal.objects.get(source_id="t-9").note == "a note, with a comma"
    lines = err.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[1:] == [
        f"{path}:5: customer_id: no customer {other.customer.pk} in your organization",
        f"{path}:7: row: has 5 fields; the header has 7",
        f"{path}:8: value: must be a number",
    ]
    assert lines[0].startswith(f"{path}:3: kind: must be one of past_due, ")
    progress = [line for line in out.getvalue().splitlines() if line.endswith(" rows")]
    assert progress == ["3 / 8 rows", "7 / 8 rows", "8 / 8 rows"]
    assert out.getvalue().splitlines()[-1] == (
        "imported 3 signal(s), skipped 1 duplicate(s), refused 4 row(s)"
    )
    run = SignalImport.objects.get()
    assert (run.status, run.total_rows, run.processed_rows) == (ImportStatus.DONE, 8, 8)
    assert [e["row"] for e in run.errors] == [3, 5, 7, 8]
    assert run.by is None
    assert "import-signals" in run.by_label


def test_the_command_runs_as_a_staff_member(acme: Org, other: Org, tmp_path: Path) -> None:
    """MT1: --as records who imported; a clean file exits 0."""
    path = tmp_path / "ok.csv"
    path.write_text(
        HEADER + f"{acme.customer.pk},upset,2026-03-02T11:00:00Z,crm,t-1,,\n", encoding="utf-8"
    )
    out = io.StringIO()
    call_command(
        "import-signals", str(path), organization="acme", username="agent@acme", stdout=out
    )
    assert "imported 1 signal(s)" in out.getvalue()
    assert SignalImport.objects.get().by == acme.agent


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("customer_id,kind,occurred_at,source\n", "has no column source_id"),
        (HEADER.strip() + ",colour\n", "unknown columns colour"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_a_file_without_a_usable_header_is_refused_whole(
    acme: Org, english: None, content: str | bytes, message: str
) -> None:
    """MT1: the header is required and names known columns (422 naming file)."""
    data = content if isinstance(content, bytes) else content.encode()
    with pytest.raises(Invalid) as refused:
        import_signals_csv(actor=acme.actor(), file=data)
    assert refused.value.errors[0].field == "file"
    assert message in refused.value.errors[0].message
    assert not Signal.objects.exists()


def test_only_the_first_1000_errors_are_kept(acme: Org, english: None) -> None:
    """MT1: a file of bad rows keeps the first 1,000 errors and counts them all."""
    rows = "".join(
        f"{acme.customer.pk},sad,2026-03-02T11:00:00Z,crm,t-{i},,\n" for i in range(1500)
    )
    run = import_signals_csv(actor=acme.actor(), file=(HEADER + rows).encode())
    assert run.rejected == 1500
    assert len(run.errors) == 1000
    assert run.errors[0]["row"] == 2


def test_hook_secret_command_creates_and_rotates(acme: Org) -> None:
    """MT1: `ladder signals hook-secret ORG` prints a new secret each time."""
    first, second = io.StringIO(), io.StringIO()
    call_command("signals", "hook-secret", "acme", stdout=first)
    call_command("signals", "hook-secret", "acme", stdout=second)
    secret = second.getvalue().splitlines()[-1]
    assert secret != first.getvalue().splitlines()[-1]
    assert SignalHook.objects.get(organization=acme.org).secret == secret
    call_command("signals", "hook-disable", "acme", stdout=io.StringIO())
    assert not SignalHook.objects.get(organization=acme.org).active
    with pytest.raises(CommandError):
        call_command("signals", "hook-secret", "nobody", stdout=io.StringIO())


def test_a_queued_import_that_cannot_run_is_marked_failed(acme: Org, english: None) -> None:
    """MT1: the worker's half marks the import failed, with the reason, when its file is
    gone or unreadable, instead of leaving it queued."""
    from django.utils import timezone

    from ladder.signals.imports import run_queued_import
    from ladder.signals.models import SignalImportFile

    gone = SignalImport.objects.create(
        organization=acme.org, by=acme.agent, filename="gone.csv", queued_at=timezone.now()
    )
    assert run_queued_import(import_id=gone.pk).status == ImportStatus.FAILED
    gone.refresh_from_db()
    assert gone.failure == "the uploaded file is gone"
    bad = SignalImport.objects.create(
        organization=acme.org, by=acme.agent, filename="bad.csv", queued_at=timezone.now()
    )
    SignalImportFile.objects.create(signal_import=bad, content=b"colour\nred\n")
    run_queued_import(import_id=bad.pk)
    bad.refresh_from_db()
    assert bad.status == ImportStatus.FAILED
    assert "unknown columns colour" in bad.failure
    assert not SignalImportFile.objects.filter(signal_import=bad).exists()
