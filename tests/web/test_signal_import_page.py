"""The signal import page (MT1): upload a CSV, the worker's task imports it, the page
polls its progress with htmx until it is done, then shows the counts and the refused
rows by line number."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from ladder.health.models import Signal
from ladder.ops.management.commands.worker import WorkerLoop
from ladder.signals.models import ImportStatus, SignalImport, SignalImportFile
from tests.conftest import Org, build_org
from tests.test_signals_import import HEADER
from tests.test_worker import workers
from tests.web.test_churn_page import client_for

__all__ = ["workers"]  # the fixture that starts real `ladder worker` processes


def _csv(o: Org) -> bytes:
    c = o.customer.pk
    return (
        HEADER
        + f"{c},past_due,2026-03-02T10:00:00+08:00,billing,inv-1,30,\n"  # line 2
        + f"{c},upset,2026-03-02T10:00:00,crm,t-1,,\n"  # line 3: no UTC offset
        + f"{c},upset,2026-03-02T11:00:00Z,crm,t-2,,calm down\n"  # line 4
    ).encode()


def _upload(client: Any, content: bytes, name: str = "signals.csv") -> Any:
    return client.post("/signals/import/", {"file": SimpleUploadedFile(name, content, "text/csv")})


def _worker_round(monkeypatch: Any) -> None:
    for module in ("ladder.ops.management.commands.", "django_tasks_db.management.commands.db_"):
        monkeypatch.setattr(f"{module}worker.close_old_connections", lambda: None)
    WorkerLoop(name="page", interval=0, batch=True, deadline_batch=10, delivery_batch=10).run()


def test_upload_is_imported_by_the_worker_and_the_page_shows_progress_then_errors(
    acme: Org, monkeypatch: Any, django_capture_on_commit_callbacks: Any, english: None
) -> None:
    """MT1: the upload is saved and queued; until the worker runs it the progress panel
    polls every second; then it shows the counts and the refused row by line."""
    client = client_for(acme.agent)
    assert 'href="/signals/import/"' in client.get("/signals/import/").content.decode()  # nav
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, _csv(acme))
    assert response.status_code == 302
    run = SignalImport.objects.get()
    assert response["Location"] == f"/signals/import/{run.pk}/"
    assert (run.status, run.filename, run.by) == (ImportStatus.QUEUED, "signals.csv", acme.agent)
    assert SignalImportFile.objects.filter(signal_import=run).exists()

    page = client.get(f"/signals/import/{run.pk}/").content.decode()
    assert "<progress" in page
    assert 'hx-trigger="every 1s"' in page
    part = client.get(f"/signals/import/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert part.lstrip().startswith('<section class="card" id="import-progress"')
    assert 'hx-trigger="every 1s"' in part

    _worker_round(monkeypatch)

    run.refresh_from_db()
    assert (run.status, run.total_rows, run.processed_rows) == (ImportStatus.DONE, 3, 3)
    assert (run.created, run.duplicates, run.rejected) == (2, 0, 1)
    assert not SignalImportFile.objects.filter(signal_import=run).exists()
    assert set(Signal.objects.values_list("source_id", flat=True)) == {"inv-1", "t-2"}
    part = client.get(f"/signals/import/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in part  # done: the polling stops
    assert 'value="100"' in part
    assert "<td>3</td><td><code>occurred_at</code></td>" in part
    assert "must include a UTC offset" in part
    listing = client.get("/signals/import/").content.decode()
    assert f'href="/signals/import/{run.pk}/">signals.csv</a>' in listing


def test_a_file_without_the_header_is_refused_on_the_page(acme: Org, english: None) -> None:
    """MT1: a file the import cannot read is refused at once, nothing queued."""
    client = client_for(acme.agent)
    response = _upload(client, b"a,b,c\n1,2,3\n")
    assert response.status_code == 422
    assert "unknown columns a, b, c" in response.content.decode()
    assert not SignalImport.objects.exists()
    assert _upload(client, b"").status_code == 422


def test_another_organizations_import_is_not_found(acme: Org, other: Org) -> None:
    """Tenancy: 404 for another organization's import."""
    with transaction.atomic():
        run = SignalImport.objects.create(
            organization=other.org, filename="x.csv", queued_at="2026-03-02T10:00:00Z"
        )
    assert client_for(acme.agent).get(f"/signals/import/{run.pk}/").status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_process_imports_the_upload(workers: Any) -> None:
    """MT1: a `ladder worker` process picks the queued import up and finishes it."""
    o = build_org("imp", "IMP")
    client = client_for(o.agent)
    assert _upload(client, _csv(o)).status_code == 302
    worker = workers("w-imp", "--batch")
    assert worker.wait(timeout=120) == 0
    run = SignalImport.objects.get()
    assert (run.status, run.created, run.rejected) == (ImportStatus.DONE, 2, 1)
    assert run.errors[0]["row"] == 3
