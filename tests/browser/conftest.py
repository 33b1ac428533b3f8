"""Browser tests: Playwright for Python driving Debian's chromium (never a downloaded
browser), axe-core from the npm registry for accessibility, screenshots of each main
page under test-results/. The set-up installs what is missing, and the tests skip with
a clear message where it cannot."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "test-results"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make there are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _run(*cmd: str, timeout: int = 600) -> bool:
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)  # noqa: S603
        return done.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


# Chinese pages need a CJK font to be readable in the screenshots.
PACKAGES = ("chromium", "fonts-noto-cjk")


def _chromium() -> str:
    found = shutil.which("chromium")
    if found and Path("/usr/share/fonts/opentype/noto").exists():
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env_ok = _run("apt-get", "install", "-y", "-q", *PACKAGES) or (
            _run("apt-get", "update", "-q") and _run("apt-get", "install", "-y", "-q", *PACKAGES)
        )
        found = shutil.which("chromium") if env_ok else None
        if found:
            return found
    pytest.skip("browser tests need Debian's chromium: apt-get install -y chromium (as root)")


def _axe() -> str:
    if not AXE.exists() and shutil.which("npm"):
        _run("npm", "ci", "--no-audit", "--no-fund", "--prefix", str(ROOT))
    if not AXE.exists():
        pytest.skip("browser tests need axe-core: run npm ci in the repository")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session", autouse=True)
def _plain_http_live_server() -> None:
    # The live server is built once per session, before any function-scoped settings
    # fixture runs, so the production HTTPS redirect is turned off here, first.
    from django.conf import settings

    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need playwright (in requirements.lock)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return _axe()


@pytest.fixture
def page(browser: Any, live_server: Any, settings: Any) -> Iterator[Any]:
    settings.AXES_ENABLED = False
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(page: Any, username: str, password: str = "ladder-demo") -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def check_accessibility(page: Any, axe_source: str) -> None:
    """Runs axe-core in the page and fails on serious or critical violations."""
    page.evaluate(axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, "\n".join(bad)


def screenshot(page: Any, name: str) -> None:
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / f"{name}.png"), full_page=True)
