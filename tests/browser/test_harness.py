"""The browser harness itself: Debian's chromium through Playwright, axe-core, and a
screenshot, on the sign-in page in both languages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import check_accessibility, screenshot


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_sign_in_page_is_accessible_in_both_languages(
    page: Any, axe_source: str, language: str
) -> None:
    page.goto("/login/")
    if language != "en":
        page.get_by_label("Language").select_option(language)
        page.get_by_role("button", name="Switch").click()
    assert page.locator("html").get_attribute("lang") == language
    check_accessibility(page, axe_source)
    screenshot(page, f"sign-in-{language}")
