"""`relgate audit report`: value-stream numbers computed from real gate records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from relgate.cli import main

COMMIT_A, COMMIT_B = "a" * 40, "b" * 40


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def gate(config: Path, at: str, commit: str, *extra: str) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_SHA": commit, "GITHUB_ACTOR": "lee"}
    invoke("check", "--config", str(config), "--at", at, *extra, env=env)


def history(quickstart: Path) -> None:
    """Commit A: denied at 10:00 and 11:00, allowed at 13:00 after a fix; commit B allowed at once."""
    facts = quickstart.parent / "change.yaml"
    facts.write_text(facts.read_text() + 'committed_at: "2026-11-23T08:00:00Z"\n')
    strict = quickstart.read_text()
    relaxed = strict.replace("min_pass_rate: 0.98", "min_pass_rate: 0.9").replace("high: 5", "high: 10")
    gate(quickstart, "2026-11-23T10:00:00Z", COMMIT_A)
    gate(quickstart, "2026-11-23T11:00:00Z", COMMIT_A, "--override", "hotfix INC-9")
    quickstart.write_text(relaxed)
    gate(quickstart, "2026-11-23T13:00:00Z", COMMIT_A)
    gate(quickstart, "2026-11-24T09:14:00Z", COMMIT_B)
    quickstart.write_text(strict)


def report(quickstart: Path, *extra: str) -> dict[str, Any]:
    result = invoke("audit", "report", "--config", str(quickstart), "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_report_numbers(quickstart: Path) -> None:
    history(quickstart)
    numbers = report(quickstart)
    assert numbers["runs"] == 4
    assert numbers["decisions"] == {"allow": 2, "deny": 2, "error": 0}
    assert numbers["pass_rate"] == 0.5
    assert [d["day"] for d in numbers["by_day"]] == ["2026-11-23", "2026-11-24"]
    assert numbers["by_day"][0] == {"day": "2026-11-23", "runs": 3, "allow": 1, "deny": 2, "error": 0}
    assert numbers["top_violations"][0] == {"policy": "relgate.vulnerabilities", "id": "vulnerabilities.max_exceeded",
                                            "count": 2}
    assert numbers["waivers_used"] == [{"waiver_id": "WVR-1", "count": 4}]
    override = numbers["overrides"][0]
    assert len(numbers["overrides"]) == 1 and override["audit_id"]
    assert {k: override[k] for k in ("actor", "reason", "policy", "id", "at", "service", "environment", "commit")} \
        == {"actor": "lee", "reason": "hotfix INC-9", "policy": "relgate.tests", "id": "tests.pass_rate",
            "at": "2026-11-23T11:00:00Z", "service": "checkout", "environment": "production", "commit": COMMIT_A}
    assert [(b["at"], b["commit"], b["decision"]) for b in numbers["blocked"]] == [
        ("2026-11-23T10:00:00Z", COMMIT_A, "deny"), ("2026-11-23T11:00:00Z", COMMIT_A, "deny")]
    assert {r["id"] for r in numbers["blocked"][0]["reasons"]} == {"tests.pass_rate", "vulnerabilities.max_exceeded"}
    assert all(r["msg"] for r in numbers["blocked"][0]["reasons"])
    waiver = numbers["waivers"][0]
    assert len(numbers["waivers"]) == 4 and (waiver["waiver_id"], waiver["what"], waiver["approved_by"]) == (
        "WVR-1", "CVE-2026-0001", "security-team") and waiver["reason"] == "not reachable in our build"
    [stream] = numbers["streams"]
    assert (stream["service"], stream["environment"], stream["runs"], stream["pass_rate"]) == (
        "checkout", "production", 4, 0.5)
    assert stream["time_blocked_seconds"] == numbers["time_blocked_seconds"]
    assert numbers["deployments"]["basis"] == "allowed gates" and numbers["deployments"]["count"] == 2
    assert numbers["change_failure_rate"] == 0.0 and numbers["time_to_restore_seconds"]["count"] == 0
    assert numbers["time_blocked_seconds"] == {"median": 3 * 3600.0, "p90": 3 * 3600.0, "count": 1}
    # The latest approval in change.yaml is dana's at 09:20 (not counted as valid, but it is evidence).
    waits = sorted([13 * 3600 - (9 * 3600 + 20 * 60), 24 * 3600 + 9 * 3600 + 14 * 60 - (9 * 3600 + 20 * 60)])
    assert numbers["approval_wait_seconds"]["median"] == sum(waits) / 2
    assert numbers["deploy_frequency_per_week"] == 2.0  # two allowed gates, window under a week
    lead = sorted([5 * 3600.0, (25 * 3600 + 14 * 60) * 1.0])  # commit at 08:00; allowed 13:00 and 09:14 next day
    assert numbers["lead_time_seconds"] == {"median": sum(lead) / 2, "p90": lead[1], "count": 2}


def test_filters_by_since_and_environment(quickstart: Path) -> None:
    history(quickstart)
    assert report(quickstart, "--since", "2026-11-24T00:00:00Z")["runs"] == 1
    assert report(quickstart, "--environment", "staging")["runs"] == 0


def test_html_report_is_self_contained(quickstart: Path) -> None:
    history(quickstart)
    html = invoke("audit", "report", "--config", str(quickstart), "--format", "html").stdout
    assert html.startswith("<!DOCTYPE html>") and html.count('<svg class="chart"') == 2
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "<pre" not in html  # tables, not a dump of the text report
    assert "hotfix INC-9" in html and "@page{size:A4" in html


def test_text_report(quickstart: Path) -> None:
    history(quickstart)
    text = invoke("audit", "report", "--config", str(quickstart)).stdout
    assert text.startswith("4 gate run(s) from 2026-11-23T10:00:00Z to 2026-11-24T09:14:00Z")
    assert "  time blocked median 3.0 h, p90 3.0 h (1 measured)" in text
    assert "  change failure rate 0.0% (0 of 2 deployments)" in text
    assert "override: 2026-11-23T11:00:00Z by lee: hotfix INC-9" in text
    assert max(len(line) for line in text.splitlines()) <= 100


HOSTILE = [
    ("waived", ["x", 3, {"waiver_id": "W9", "findings": 5}]), ("waived", "x"), ("violations", "x"),
    ("violations", [1, {"policy": "relgate.tests", "id": "tests.pass_rate", "msg": "m"}]), ("overrides", [None]),
    ("overrides", {"actor": "lee"}), ("errors", "x"),
]


def test_a_record_of_odd_shapes_is_read_as_far_as_it_can_be(quickstart: Path, tmp_path: Path) -> None:
    """Members of another shape are left out (the reader's rule for whole records), never a crash."""
    from relgate.audit.chain import HASH, SEQ, link

    gate(quickstart, "2026-11-23T10:00:00Z", COMMIT_A)
    (line,) = (quickstart.parent / ".relgate" / "audit.jsonl").read_text().splitlines()
    chained = json.loads(line)
    plain = {k: v for k, v in chained.items() if not k.startswith("relgate") or k == "relgatetimens"}
    log = tmp_path / "odd.jsonl"
    seq, head, lines = 0, "", []
    for index, (field, value) in enumerate(HOSTILE):
        record = json.loads(json.dumps(plain))
        record["id"] = f"odd-{index}"
        record["data"]["customData"]["decision_log"]["result"][field] = value
        linked = link(record, "checkout/production", seq, head, None)
        seq, head = linked[SEQ], linked[HASH]
        lines.append(json.dumps(linked))
    log.write_text("\n".join(lines) + "\n")
    assert invoke("audit", "verify", "--log", str(log)).exit_code == 0
    result = invoke("audit", "report", "--log", str(log), "--format", "json")
    assert result.exit_code == 0, result.output
    done = json.loads(result.stdout)
    assert done["streams"][0]["runs"] == len(HOSTILE)
    waivers = [row for row in done["waivers"] if row["waiver_id"] == "W9"]
    assert [(row["audit_id"], row["what"]) for row in waivers] == [("odd-0", "None")]
