"""The streamed `audit report` (workers, time-sorted runs, spooled lists) gives the in-memory report's document,
whatever order the records are stored in, and holds no per-run rows."""

from __future__ import annotations

import io
import json
import random
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from relgate.audit.store import open_store, parse_record
from relgate.errors import AuditError
from relgate.incidents import Incident
from relgate.output.escape import json_text
from relgate.report import build_report
from relgate.report_stream import SHOWN, stream_report
from relgate.timeutil import format_ns

START = 1_764_000_000 * 10**9
HOUR = 3600 * 10**9
STREAMS = [("checkout", "production"), ("checkout", "staging"), ("search", "production")]
COMMITS = [f"{n:040x}" for n in range(1, 30)]


def record(rng: random.Random, index: int, *, deployments: bool) -> dict[str, Any]:
    service, environment = rng.choice(STREAMS)
    at = START + rng.randrange(0, 72) * HOUR // 4  # coarse times: many ties in one stream
    commit = rng.choice(COMMITS)
    decision = rng.choice(["allow", "allow", "deny", "error"])
    violations = [] if decision != "deny" else [
        {"policy": "relgate.tests", "id": f"tests.r{rng.randrange(3)}", "msg": "too low ##[warning] \x1b[31m"}]
    context: dict[str, Any] = {"evaluated_at_ns": at, "change": {"commit": commit,
                                                                 "committed_at_ns": at - rng.randrange(1, 9) * HOUR}}
    if deployments and rng.random() < 0.3:
        context["deployments"] = {"recent": [
            {"id": rng.randrange(12), "sha": rng.choice(COMMITS), "state": rng.choice(["success", "failure"]),
             "created_at": format_ns(START + rng.randrange(0, 72) * HOUR // 4),
             "succeeded_at": format_ns(at)} for _ in range(rng.randrange(1, 3))]}
    result = {"decision": decision, "service": service, "environment": environment,
              "mode": rng.choice(["enforce", "enforce", "warn"]), "violations": violations,
              "errors": ["source down"] if decision == "error" else [],
              "waived": [{"waiver_id": f"WVR-{rng.randrange(3)}", "policy": "relgate.vulnerabilities",
                          "findings": [f"CVE-{rng.randrange(9)}"], "approved_by": "sec", "reason": "r",
                          "expires": "2027-01-01"}] if rng.random() < 0.3 else [],
              "overrides": [{"actor": "kim", "reason": "hotfix", "policy": "relgate.tests", "id": "tests.r1"}]
              if rng.random() < 0.1 else []}
    stream = {"commit": commit, "approval_wait_seconds": float(rng.randrange(0, 5000))} if rng.random() < 0.8 else {}
    return {"id": f"rec-{index}", "data": {"customData": {"decision_log": {"input": context, "result": result},
                                                          "value_stream": stream}}}


def write_log(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def streamed(path: Path, **options: Any) -> dict[str, Any]:
    report = stream_report(open_store(path), **options)
    out = io.StringIO()
    try:
        report.write_json(out.write)
    finally:
        report.close()
    text = out.getvalue()
    assert text.isascii() and "##[" not in text
    return json.loads(text)  # type: ignore[no-any-return]


INCIDENTS = [Incident("INC-1", START + 10 * HOUR, START + 12 * HOUR, "checkout", "production", COMMITS[3]),
             Incident("INC-2", START + 5 * HOUR, None, "", "production"),
             Incident("INC-3", START + 15 * HOUR, START + 16 * HOUR, "search", "")]


@pytest.mark.parametrize(("seed", "deployments", "workers"), [(1, False, 2), (2, True, 2), (3, False, 1),
                                                               (4, True, 1)])
def test_shuffled_history_gives_the_in_memory_report(tmp_path: Path, seed: int, deployments: bool,
                                                     workers: int) -> None:
    rng = random.Random(seed)
    records = [record(rng, i, deployments=deployments) for i in range(400)]
    rng.shuffle(records)  # stored out of time order, as `--at` backdating leaves them
    log = write_log(tmp_path / "log.jsonl", records)
    expected = json.loads(json_text(build_report(records, incidents=INCIDENTS)))
    got = streamed(log, incidents=INCIDENTS, workers=workers, span=37 * 600)
    assert got == expected
    assert expected["blocked"] and expected["waivers"] and expected["overrides"]
    assert [b["at"] for b in got["blocked"]] == sorted(b["at"] for b in got["blocked"])
    since = START + 9 * HOUR
    assert streamed(log, since_ns=since, service="checkout", incidents=INCIDENTS, workers=workers, span=50 * 600) == \
        json.loads(json_text(build_report(records, since_ns=since, service="checkout", incidents=INCIDENTS)))


def test_a_torn_line_is_an_error_at_its_place(tmp_path: Path) -> None:
    rng = random.Random(5)
    log = write_log(tmp_path / "log.jsonl", [record(rng, i, deployments=False) for i in range(30)])
    with log.open("a") as handle:
        handle.write('{"id": "torn"')
    with pytest.raises(Exception, match=r"log.jsonl:31: torn final record"):
        streamed(log, workers=2, span=8 * 600)


@pytest.mark.parametrize("workers", [1, 2])
def test_an_unreadable_line_is_named_as_the_generic_reader_names_it(tmp_path: Path, workers: int) -> None:
    """The line number is known only where the ranges' lines are counted; the words are `parse_record`'s (an
    unterminated string reads differently with and without its newline, so the line is parsed with it)."""
    rng = random.Random(9)
    lines = [json.dumps(record(rng, i, deployments=False)) + "\n" for i in range(60)]
    lines[41] = '{"id": "cut short\n'
    log = tmp_path / "log.jsonl"
    log.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(AuditError) as raised:
        streamed(log, workers=workers, span=5 * 600)
    with pytest.raises(AuditError) as generic:
        parse_record(lines[41].encode(), f"{log}:42")
    assert str(raised.value) == str(generic.value)
    assert str(raised.value).startswith(f"{log}:42: unreadable record: not JSON")


def test_tables_show_the_newest_rows_and_the_count(tmp_path: Path) -> None:
    rng = random.Random(6)
    records = [record(rng, i, deployments=False) for i in range(4 * SHOWN)]
    report = stream_report(open_store(write_log(tmp_path / "log.jsonl", records)), workers=1, span=300 * 600)
    try:
        document = report.document()
    finally:
        report.close()
    full = build_report(records)
    assert document["blocked_count"] == len(full["blocked"]) > SHOWN
    assert document["blocked"] == full["blocked"][-SHOWN:]
    assert document["overrides"] == full["overrides"][-SHOWN:]


def peak_bytes(path: Path) -> int:
    tracemalloc.start()
    try:
        # ranges of about 20 records: both logs (shuffled) make more sorted runs than one merge takes, so both
        # reach the merge's bound (MAX_RUNS frames at once) and what grows with the log is what is left
        report = stream_report(open_store(path), workers=1, span=20 * 600)
        report.write_json(lambda text: None)
        report.close()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten times the records: the peak stays under 1.6 times (per run, only a few floats stay)."""
    monkeypatch.setattr("relgate.report_stream.SHOWN", 50)  # the newest rows kept for HTML: full in both logs
    rng = random.Random(7)
    small = [record(rng, i, deployments=True) for i in range(1000)]
    large = [record(rng, i, deployments=True) for i in range(10_000)]
    small_peak = peak_bytes(write_log(tmp_path / "small.jsonl", small))
    large_peak = peak_bytes(write_log(tmp_path / "large.jsonl", large))
    assert large_peak < 1.6 * small_peak, (small_peak, large_peak)


def test_a_log_in_time_order_is_one_run(tmp_path: Path) -> None:
    """Chunks that follow on in time extend one sorted run (no merge); ties keep the store's order."""
    rng = random.Random(8)
    records = sorted((record(rng, i, deployments=True) for i in range(300)),
                     key=lambda r: r["data"]["customData"]["decision_log"]["input"]["evaluated_at_ns"])
    log = write_log(tmp_path / "log.jsonl", records)
    expected = json.loads(json_text(build_report(records, incidents=INCIDENTS)))
    assert streamed(log, incidents=INCIDENTS, workers=2, span=16 * 600) == expected


def test_a_deployment_seen_after_its_commit_was_allowed_is_gated(tmp_path: Path) -> None:
    """The merge runs while a log in time order is read; a deployment first seen in a later part than its commit's
    allowed gate still counts as gated (the gate is found again in the spooled facts)."""
    rng = random.Random(10)
    records = sorted((record(rng, i, deployments=False) for i in range(200)),
                     key=lambda r: r["data"]["customData"]["decision_log"]["input"]["evaluated_at_ns"])
    for r in records:  # only the last record sees a deployment; its commit is allowed early on
        r["data"]["customData"]["decision_log"]["result"]["decision"] = "deny"
    first, last = records[0], records[-1]
    first["data"]["customData"]["decision_log"]["result"].update(decision="allow", service="checkout",
                                                                  environment="production")
    first["data"]["customData"]["value_stream"]["commit"] = "c" * 40
    last["data"]["customData"]["decision_log"]["result"].update(service="checkout", environment="production")
    last["data"]["customData"]["decision_log"]["input"]["deployments"] = {"recent": [
        {"id": 7, "sha": "c" * 40, "state": "success", "created_at": format_ns(START + 80 * HOUR)}]}
    log = write_log(tmp_path / "log.jsonl", records)
    got = streamed(log, workers=2, span=20 * 600)
    assert got["deployments"]["basis"] == "github deployments" and got["deployments"]["count"] == 1
    assert got["deployments"]["ungated"] == []
    assert got == json.loads(json_text(build_report(records)))
