"""The HTML report in a real headless Chromium (Debian's `chromium`), scripts off: what an auditor sees and prints."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from relgate.cli import main
from tests.test_report import history

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
SECTIONS = ["Summary", "By service and environment", "Gate runs by day", "Durations", "Blocked runs",
            "Top violations", "Overrides", "Waivers used", "Deployments and incidents", "Definitions"]


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("Debian's chromium is missing: run scripts/test.sh, which installs it")
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page_file(quickstart: Path, tmp_path: Path) -> Path:
    history(quickstart)
    incidents = tmp_path / "incidents.yaml"
    incidents.write_text(yaml.safe_dump([{"id": "INC-9", "started_at": "2026-11-23T13:30:00Z",
                                          "resolved_at": "2026-11-23T14:15:00Z", "environment": "production"}]))
    result = CliRunner().invoke(main, ["audit", "report", "--config", str(quickstart), "--format", "html",
                                       "--incidents", str(incidents)])
    assert result.exit_code == 0, result.output
    path = tmp_path / "report.html"
    path.write_text(result.stdout, encoding="utf-8")
    return path


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def inside(inner: dict[str, float], outer: dict[str, float], slack: float = 1.0) -> bool:
    return (inner["x"] >= outer["x"] - slack and inner["y"] >= outer["y"] - slack
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack)


@pytest.mark.parametrize(("width", "media"), [(1400, "screen"), (794, "print")])  # 794 px: A4 at 96 dpi
def test_report_reads_and_prints_without_scripts(browser: Any, page_file: Path, tmp_path: Path, width: int,
                                                  media: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 1100})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(page_file.as_uri())
    page.emulate_media(media=media)
    assert requested == [page_file.as_uri()]  # nothing fetched: no fonts, scripts or images from elsewhere
    assert page.locator("h2").all_inner_texts() == SECTIONS
    assert page.locator("pre").count() == 0

    summary = page.locator("#summary table")
    assert summary.locator("th").all_inner_texts()[:5] == ["Runs", "Pass rate", "Deploys / week",
                                                           "Lead time (median)", "Change failure rate"]
    assert summary.locator("td").all_inner_texts()[:2] == ["4", "50.0%"]
    assert page.locator("#streams td").first.inner_text().replace("\n", " ") == "checkout / production"

    chart = page.locator("#by-day svg")
    labels = chart.locator("text").all_text_contents()
    assert {"2026-11-23", "2026-11-24"} <= set(labels)  # dated x axis
    assert {"0", "1", "2", "3"} <= set(labels) and "gate runs" in labels and "day (UTC)" in labels  # y axis
    assert {"1/3", "1/1"} <= set(labels)  # allowed/runs over each bar
    durations = page.locator("#durations svg text").all_text_contents()
    assert "hours" in durations and any(t.startswith("median 3.0 h") for t in durations)

    for svg in page.locator("svg.chart").all():
        frame = svg.bounding_box()
        for text in svg.locator("text").all():
            box = text.bounding_box()
            assert box is not None and inside(box, frame), (text.text_content(), box, frame)  # no label is cut
    body = page.locator("body").bounding_box()
    for table in page.locator("table").all():
        assert inside(table.bounding_box(), {**body, "height": 10**6}), table.inner_text()[:80]

    denials = page.locator("#violations td.num").all_inner_texts()
    assert denials == ["2", "1"] and all(re.fullmatch(r"\d+", d) for d in denials)  # counts as integers
    blocked = page.locator("#blocked tbody tr")
    assert blocked.count() == 2 and "tests.pass_rate" in blocked.last.inner_text()  # newest first
    assert "tests.pass_rate" not in blocked.first.inner_text()  # at 11:00 the tests denial was overridden
    override = page.locator("#overrides tbody tr").inner_text()
    assert all(part in override for part in ("lee", "hotfix INC-9", "relgate.tests", "tests.pass_rate", "aaaaaaaa"))
    waiver = page.locator("#waivers tbody tr").inner_text()
    assert all(part in waiver for part in ("WVR-1", "security-team", "not reachable in our build", "CVE-2026-0001"))
    assert "INC-9" in page.locator("#deployments").inner_text()
    shot = tmp_path / f"report-{media}.png"
    page.screenshot(path=str(shot), full_page=True)
    blank = tmp_path / "blank.png"
    page.set_content("<html><body></body></html>")
    page.screenshot(path=str(blank), full_page=True)
    assert shot.stat().st_size > 20 * blank.stat().st_size  # the page drew something
    context.close()


def test_chromium_prints_it_on_a4_and_dumps_the_dom(page_file: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    printed = run_chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page_file.as_uri())
    assert pdf.exists(), printed.stderr
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes()))
    assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)  # A4 portrait
    dom = run_chromium(tmp_path, "--dump-dom", page_file.as_uri()).stdout
    assert dom.count("<section") == len(SECTIONS) and "<script" not in dom
    shot = tmp_path / "shot.png"
    run_chromium(tmp_path, f"--screenshot={shot}", "--window-size=1400,2000", page_file.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
