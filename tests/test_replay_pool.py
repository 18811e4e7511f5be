"""Replay in worker processes gives the in-process report, flip for flip and in the log's order."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from relgate.audit.chain import HASH, SEQ, link
from relgate.audit.store import open_store
from relgate.cli import main
from relgate.config import load_config
from relgate.errors import RelgateError
from relgate.policy import load_policies
from relgate.replay import ReplayReport, replay, replay_store
from tests.conftest import ROOT

AT = ("2026-11-23T12:00:00Z", "2026-11-23T13:00:00Z", "2026-12-25T10:00:00Z")  # the last: in the freeze


def varied_log(quickstart: Path, tmp_path: Path, count: int = 11) -> Path:
    """`count` chained records from real quickstart runs, test results varied so relaxed thresholds flip some."""
    for at in AT:
        CliRunner().invoke(main, ["check", "--config", str(quickstart), "--at", at], catch_exceptions=False)
    runs = [r for _, r in open_store(f"jsonl:{quickstart.parent}/.relgate/audit.jsonl").records()]
    log = tmp_path / "varied.jsonl"
    seq, head = 0, ""
    with log.open("w") as handle:
        for index in range(count):
            body = json.loads(json.dumps(runs[index % len(runs)]))
            tests = body["data"]["customData"]["decision_log"]["input"]["tests"]
            tests["passed"] += index % 4
            if index == 5:
                del body["data"]["customData"]["replay"]  # recorded before replay data existed: skipped
            record = link({**body, "id": f"r{index}"}, "checkout/production", seq, head, None)
            seq, head = record[SEQ], record[HASH]
            handle.write(json.dumps(record) + "\n")
    return log


def same(a: ReplayReport, b: ReplayReport) -> None:
    assert dataclasses.replace(a, seconds=0) == dataclasses.replace(b, seconds=0)


@pytest.mark.parametrize("relaxed", [False, True])
def test_the_pool_reports_what_one_process_reports(quickstart: Path, tmp_path: Path, relaxed: bool) -> None:
    log = varied_log(quickstart, tmp_path)
    policies = load_policies(["builtin"], ROOT)
    config = None
    if relaxed:
        config = load_config(quickstart, {})
        config = dataclasses.replace(config, data={**config.data, "tests": {"min_pass_rate": 0.9},
                                                   "vulnerabilities": {"max": {"critical": 0, "high": 10}}})
    store = open_store(f"jsonl:{log}")
    alone = replay((r for _, r in store.records()), policies, config=config)
    pooled = replay_store(store, policies, config=config, workers=2, chunk=2)
    same(pooled, alone)
    assert alone.skipped == 1 and alone.replayed == 10
    assert bool(alone.flips) is relaxed


def test_since_and_progress_in_the_pool(quickstart: Path, tmp_path: Path) -> None:
    log = varied_log(quickstart, tmp_path)
    policies = load_policies(["builtin"], ROOT)
    store = open_store(f"jsonl:{log}")
    since = 1_795_000_000 * 10**9 + 1
    seen: list[tuple[int, int]] = []
    pooled = replay_store(store, policies, since_ns=since, workers=2, chunk=3,
                          progress=lambda done, mark: seen.append((done, mark)))
    same(pooled, replay((r for _, r in store.records()), policies, since_ns=since))
    assert seen[-1] == (11, log.stat().st_size)


def test_a_torn_line_and_a_bad_policy_are_the_same_errors(quickstart: Path, tmp_path: Path) -> None:
    log = varied_log(quickstart, tmp_path)
    policies = load_policies(["builtin"], ROOT)
    with log.open("a") as handle:
        handle.write('{"torn": ')
    store = open_store(f"jsonl:{log}")
    with pytest.raises(RelgateError) as alone:
        replay((r for _, r in store.records()), policies)
    with pytest.raises(RelgateError) as pooled:
        replay_store(store, policies, workers=2, chunk=2)
    assert str(pooled.value) == str(alone.value) and "torn final record" in str(pooled.value)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.rego").write_text("package relgate.bad\nimport rego.v1\ndeny contains msg if { http.send({}) }\n")
    bad = load_policies([str(broken)], tmp_path)
    log.write_text("".join(log.read_text().splitlines(keepends=True)[:-1]))
    with pytest.raises(RelgateError) as alone:
        replay((r for _, r in store.records()), bad)
    with pytest.raises(RelgateError) as pooled:
        replay_store(store, bad, workers=2, chunk=2)
    assert str(pooled.value) == str(alone.value) and "http.send" in str(pooled.value)


def test_the_command_replays_the_store(quickstart: Path, tmp_path: Path) -> None:
    log = varied_log(quickstart, tmp_path)
    result = CliRunner().invoke(main, ["replay", "--log", str(log), "--policies", "builtin", "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["replayed"], report["skipped"], report["flips"]) == (10, 1, [])
