"""The console in a real headless Chromium (Debian's `chromium`, driven by Playwright), scripts disabled."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.serve.consoledata import HOSTILE
from tests.serve.standins import CONSOLE_TOKEN, Server

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def seeded(console_data: dict[str, Any]) -> dict[str, Any]:
    return console_data


@pytest.fixture
def server(console_server: Server) -> Server:
    return console_server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is missing: run scripts/test.sh, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def test_list_and_decision_pages_render_without_scripts(server: Server, seeded: dict[str, Any],
                                                        browser: Any, tmp_path: Path) -> None:
    shots = tmp_path
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{server.url}/decisions")
    assert page.locator("h1").inner_text() == "Sign in"
    page.fill("input[name=token]", CONSOLE_TOKEN)
    page.click("button[type=submit]")
    assert page.url == f"{server.url}/decisions"

    page.goto(f"{server.url}/decisions?service=checkout")
    rows = page.locator("tbody tr")
    assert rows.count() == 3
    assert sorted(page.locator("tbody .verdict").all_inner_texts()) == ["ALLOW", "ALLOW", "DENY"]
    assert page.locator(f'tbody td:has-text("{HOSTILE}")').count() == 1  # shown as text, not run
    deny_badge = page.locator("tbody .verdict-deny")
    assert deny_badge.is_visible()
    assert page.locator("form.filters input[name=service]").input_value() == "checkout"
    page.screenshot(path=str(shots / "decisions.png"), full_page=True)

    page.click(f'a[href="/decisions/{seeded["overridden"]}"]')
    assert page.locator("h1 .verdict").inner_text() == "ALLOW"
    overrides = page.locator("h2:has-text('Overrides') + table")
    assert "alice" in overrides.inner_text() and "hotfix approved by the on-call lead" in overrides.inner_text()
    chain = page.locator("h2:has-text('Chain') + dl").inner_text()
    assert "✓ recomputed, matches" in chain and "✓ links to the previous record" in chain
    assert page.locator("a:has-text('Download the raw record')").is_visible()
    assert page.locator(f'a[href="/decisions/{seeded["denied"]}"]').is_visible()  # previous in the stream
    page.screenshot(path=str(shots / "decision.png"), full_page=True)

    page.goto(f"{server.url}/decisions/{seeded['denied']}")
    assert page.locator(f'td:has-text("{HOSTILE}")').count() >= 1
    page.goto(f"{server.url}/reports?service=bulk")
    assert page.locator("svg[aria-label='pass rate by day']").is_visible()
    page.screenshot(path=str(shots / "report.png"), full_page=True)
    assert dialogs == []
    assert all(url.startswith(server.url) for url in requested)  # no external asset
    context.close()
