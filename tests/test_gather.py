"""Sources run side by side; a slow one times out without holding the run, a crash fails closed."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from relgate import sources
from relgate.gather import run_sources
from relgate.sources.interface import Evidence, GatherRequest, Source, SourceSpec
from tests.conftest import ROOT


class SlowSource(Source):
    type_name = "slow"

    def collect(self, request: GatherRequest) -> Evidence:
        time.sleep(float(self.spec.option("seconds", 30)))
        return {"slow": True}


class BrokenSource(Source):
    type_name = "broken"

    def collect(self, request: GatherRequest) -> Evidence:
        raise KeyError("oops")


@pytest.fixture(autouse=True)
def test_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sources.SOURCE_TYPES, "slow", "tests.test_gather:SlowSource")
    monkeypatch.setitem(sources.SOURCE_TYPES, "broken", "tests.test_gather:BrokenSource")


def test_sources_run_concurrently_and_a_timeout_is_an_error() -> None:
    specs = [SourceSpec("slow", "a", timeout_s=0.3, options={"seconds": 0.1}),
             SourceSpec("slow", "b", timeout_s=0.3, options={"seconds": 0.1}),
             SourceSpec("slow", "hung", timeout_s=0.3, options={"seconds": 30})]
    start = time.perf_counter()
    runs = run_sources(specs, GatherRequest(0, "s", "e"))
    assert time.perf_counter() - start < 1.0
    assert [r.status for r in runs] == ["ok", "ok", "error"]
    assert runs[2].error == "source 'hung' timed out after 0.3s" and runs[2].failed_required


def test_a_crashing_source_fails_closed_with_its_name() -> None:
    (run,) = run_sources([SourceSpec("broken", "b")], GatherRequest(0, "s", "e"))
    assert run.status == "error" and run.error == "source 'b' failed: unexpected KeyError: 'oops'"


def test_a_hung_source_does_not_keep_the_process_alive() -> None:
    script = (
        "import time, sys\n"
        "from relgate import sources\n"
        "from relgate.gather import run_sources\n"
        "from relgate.sources.interface import GatherRequest, SourceSpec\n"
        "sources.SOURCE_TYPES['slow'] = 'tests.test_gather:SlowSource'\n"
        "spec = SourceSpec('slow', 'hung', timeout_s=0.2, options={'seconds': 60})\n"
        "run_sources([spec], GatherRequest(0, 's', 'e'))\n"
    )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=20)
    assert time.perf_counter() - start < 10


def test_each_source_reports_its_own_duration_not_the_wait_for_earlier_ones() -> None:
    specs = [SourceSpec("slow", "slow", options={"seconds": 0.6}),
             SourceSpec("slow", "quick", options={"seconds": 0.05})]
    slow, quick = run_sources(specs, GatherRequest(0, "s", "e"))
    assert slow.status == quick.status == "ok"
    assert slow.duration_ms >= 590 and quick.duration_ms < 400, (slow.duration_ms, quick.duration_ms)
