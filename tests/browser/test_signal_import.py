"""The signal import page in Debian's chromium (MT1): the agent uploads a CSV from the
nav's Signals page, the progress panel polls with htmx while the worker imports it,
and turns into the counts and the refused row with its line number — without
reloading the page; axe-core on each state and a screenshot of each."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ladder.ops.management.commands.worker import WorkerLoop
from ladder.signals.models import ImportStatus, SignalImport
from tests.browser.conftest import check_accessibility, screenshot, sign_in
from tests.conftest import Org, build_org
from tests.test_signals_import import HEADER

PASSWORD = "pw-for-tests-only"


@pytest.fixture
def acme_live(transactional_db: None) -> Org:
    return build_org("acme", "ACME")


def test_an_upload_is_imported_and_the_page_follows_it_live(
    page: Any, axe_source: str, acme_live: Org, tmp_path: Path
) -> None:
    """MT1: upload → queued (progress polling) → the worker imports → the same page
    shows 2 imported, 1 refused at line 3 (occurred_at)."""
    o = acme_live
    c = o.customer.pk
    path = tmp_path / "billing-export.csv"
    path.write_text(
        HEADER
        + f"{c},past_due,2026-03-02T10:00:00+08:00,billing,inv-1,30,\n"
        + f"{c},upset,2026-03-02T10:00:00,crm,t-1,,\n"
        + f"{c},upset,2026-03-02T11:00:00Z,crm,t-2,,calm down\n",
        encoding="utf-8",
    )
    sign_in(page, o.agent.user.username, PASSWORD)
    page.get_by_role("link", name="Signals").click()
    page.wait_for_url(re.compile(r"/signals/import/$"))
    assert page.get_by_role("heading", name="Import signals", exact=True).is_visible()
    check_accessibility(page, axe_source)
    screenshot(page, "signal-import-en")

    page.get_by_label("CSV file (at most 64 MB)").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r"/signals/import/\d+/$"))
    assert page.get_by_role("heading", name="Queued").is_visible()
    assert page.locator("progress").is_visible()
    check_accessibility(page, axe_source)
    screenshot(page, "signal-import-queued-en")

    WorkerLoop(name="browser", interval=0, batch=True, deadline_batch=10, delivery_batch=10).run()
    assert SignalImport.objects.get().status == ImportStatus.DONE

    # htmx polls every second: the panel turns to the result without a reload.
    page.get_by_role("heading", name="Done").wait_for()
    row = page.locator("table.import-errors tbody tr")
    assert row.count() == 1
    assert row.locator("td").first.inner_text() == "3"
    assert "must include a UTC offset" in row.inner_text()
    assert page.locator("progress").get_attribute("value") == "100"
    check_accessibility(page, axe_source)
    screenshot(page, "signal-import-done-en")
