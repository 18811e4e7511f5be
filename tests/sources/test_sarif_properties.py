"""Property: a mutated SARIF log is refused, or read exactly as an independent oracle reads it.

The oracle below is a second, deliberately plain reading of SARIF 2.1.0 (§3.27 result,
§3.49 reportingDescriptor, §3.20 invocation) and GitHub's security-severity bands. It
raises on anything it does not consider valid, so a log the reader accepts but the
oracle cannot read is a failure too: the reader must never be more lenient than SARIF.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relgate.errors import SourceError
from relgate.sources.sarif import parse_sarif
from tests.sources.mutations import mutated

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real-world" / "sarif"
KEYS = frozenset({
    "version", "runs", "tool", "driver", "name", "rules", "id", "results", "ruleId", "ruleIndex", "rule", "index",
    "level", "kind", "baselineState", "suppressions", "status", "properties", "security-severity", "tags",
    "defaultConfiguration", "invocations", "executionSuccessful", "toolExecutionNotifications", "message", "text",
})
LEVEL = {"error": "high", "warning": "medium", "note": "low", "none": "low"}
CVE = re.compile(r"(?<![A-Za-z0-9])CVE-\d{4}-\d{4,}(?!\d)", re.IGNORECASE)

SYNTHETIC = {
    "version": "2.1.0",
    "runs": [{
        "tool": {"driver": {"name": "scanner", "rules": [
            {"id": "CVE-2024-0001", "properties": {"security-severity": "9.8", "tags": ["security"]}},
            {"id": "private-key", "defaultConfiguration": {"level": "error"}},
            {"id": "style", "defaultConfiguration": {"level": "note"}, "properties": {"security-severity": "0.0"}},
        ]}},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": [
            {"level": "warning", "message": {"text": "slow file"}}]}],
        "results": [
            {"ruleId": "CVE-2024-0001", "ruleIndex": 0, "message": {"text": "a"}},
            {"ruleId": "private-key", "ruleIndex": 0, "level": "error", "message": {"text": "b"}},
            {"ruleId": "style", "ruleIndex": 2, "kind": "fail", "message": {"text": "c"},
             "suppressions": [{"kind": "external", "status": "underReview"}]},
            {"ruleId": "style", "message": {"text": "d"}, "suppressions": [{"kind": "inSource"}]},
            {"ruleId": "private-key", "message": {"text": "e"}, "baselineState": "absent"},
            {"ruleId": "private-key", "message": {"text": "f"}, "kind": "pass", "level": "none"},
            {"ruleId": "CVE-2024-0001", "message": {"text": "g"}, "properties": {"security-severity": "4.2"},
             "baselineState": "new"},
        ],
    }],
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _score(properties: Any) -> float | None:
    assert isinstance(properties, dict)
    if "security-severity" not in properties:
        return None
    value = properties["security-severity"]
    assert isinstance(value, (str, int, float)) and not isinstance(value, bool)
    score = float(value)
    assert math.isfinite(score) and 0.0 <= score <= 10.0
    return score or None


def _band(score: float) -> str:
    return "critical" if score >= 9 else "high" if score >= 7 else "medium" if score >= 4 else "low"


def _rule(rule: Any) -> dict[str, Any]:
    assert isinstance(rule, dict) and isinstance(rule["id"], str)
    properties = rule.get("properties", {})
    tags = properties.get("tags", []) if isinstance(properties, dict) else None
    assert isinstance(tags, list) and all(isinstance(t, str) for t in tags)
    configuration = rule.get("defaultConfiguration", {})
    assert isinstance(configuration, dict)
    level = configuration.get("level")
    assert level is None or level in LEVEL
    return {"id": rule["id"], "score": _score(properties), "level": level, "tags": tags, "raw": rule}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _advisory(texts: list[str]) -> str | None:
    for text in texts:
        found = CVE.search(text)
        if found:
            return found.group(0).upper()
    return None


def _lives(result: dict[str, Any]) -> bool:
    kind = result.get("kind", "fail")
    assert kind in ("notApplicable", "pass", "fail", "review", "open", "informational")
    baseline = result.get("baselineState")
    assert baseline in (None, "new", "unchanged", "updated", "absent")
    suppressions = result.get("suppressions", [])
    assert isinstance(suppressions, list)
    accepted = False
    for suppression in suppressions:
        assert isinstance(suppression, dict) and suppression["kind"] in ("inSource", "external")
        status = suppression.get("status", "accepted")
        assert status in ("accepted", "underReview", "rejected")
        accepted = accepted or status == "accepted"
    return kind == "fail" and baseline != "absent" and not accepted


def oracle(log: Any) -> Counter[tuple[str, str, str, str]]:
    """(id, rule, severity, category) of every finding, or an exception for a log it will not read."""
    assert isinstance(log, dict) and log["version"] == "2.1.0"
    runs = log["runs"]
    assert isinstance(runs, list)
    found: Counter[tuple[str, str, str, str]] = Counter()
    for run in runs:
        assert isinstance(run, dict)
        driver = run["tool"]["driver"]
        assert isinstance(driver, dict) and isinstance(driver["name"], str)
        rules_raw = driver.get("rules", [])
        assert isinstance(rules_raw, list)
        rules = [_rule(r) for r in rules_raw]
        assert "extensions" not in run["tool"]
        for invocation in run.get("invocations", []):
            assert invocation["executionSuccessful"] is True
            for note in invocation.get("toolExecutionNotifications", []):
                assert isinstance(note["message"], dict) and note.get("level", "warning") in LEVEL
                assert note.get("level") != "error"
        results = run["results"]
        assert isinstance(results, list)
        tool = driver["name"].lower()
        for result in results:
            assert isinstance(result, dict) and isinstance(result["message"], dict)
            rule_id = result.get("ruleId")
            assert rule_id is None or isinstance(rule_id, str)
            reference = result.get("rule", {})
            assert isinstance(reference, dict) and "toolComponent" not in reference
            if "id" in reference:
                assert isinstance(reference["id"], str) and rule_id in (None, reference["id"])
                rule_id = reference["id"]
            index = result.get("ruleIndex", reference.get("index", -1))
            assert _is_int(index) and index >= -1 and index < len(rules)
            if "index" in reference:
                assert _is_int(reference["index"]) and reference["index"] == index
            rule = rules[index] if index >= 0 else None
            if rule is not None and rule_id is not None and rule["id"] != rule_id:
                rule = next((r for r in rules if r["id"] == rule_id), None)
            if rule is None and rule_id is not None:
                rule = next((r for r in rules if r["id"] == rule_id), None)
            if rule_id is None and rule is not None:
                rule_id = rule["id"]
            level = result.get("level")
            assert level is None or level in LEVEL
            score = _score(result.get("properties", {}))
            if not _lives(result):
                continue
            if tool == "trivy" and rule is not None and "license" in [t.lower() for t in rule["tags"]]:
                continue
            scores = [s for s in (score, rule["score"] if rule else None) if s is not None]
            fallback = level or (rule["level"] if rule else None) or "warning"
            severity = _band(scores[0]) if scores else LEVEL[fallback]
            tags = [t.lower() for t in rule["tags"]] if rule else []
            if tool == "gitleaks" or (tool == "trivy" and "secret" in tags):
                category = "secret"
            elif tool == "trivy" and "misconfiguration" in tags:
                category = "misconfiguration"
            else:
                assert tool not in ("checkov", "kics", "prisma cloud")
                category = "vulnerability"
            texts = [rule_id or ""]
            if rule is not None:
                raw = rule["raw"]
                texts += [str(raw.get("name") or ""), *_strings(raw.get("properties")), str(raw.get("helpUri") or "")]
            text = result["message"].get("text", "")
            assert isinstance(text, str)
            name = _advisory(texts) or rule_id or text.split("\n", 1)[0][:200] or "unknown"
            found[(name, rule_id or "", severity, category)] += 1
    return found


def read(log: Any) -> Counter[tuple[str, str, str, str]] | None:
    """What the reader makes of a log: None when it refuses it."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "m.sarif"
        path.write_text(json.dumps(log))
        try:
            findings = parse_sarif(path)
        except SourceError:
            return None
    return Counter((f["id"], f.get("rule", ""), f["severity"], f["category"]) for f in findings)


BASES = {
    "synthetic": SYNTHETIC,
    **{name: json.loads((REAL / name).read_text()) for name in (
        "trivy-image-alpine-310.sarif", "codeql-lgtm-1.24.0.sarif", "grype-snapshot-image.sarif",
        "semgrep-nosemgrep-suppressed.sarif", "gitleaks-7.4.0.sarif", "dockle-0.3.15.sarif",
        "trivy-config-terraform.sarif", "govulncheck-1.3.0.sarif",
    )},
}


@pytest.mark.parametrize("name", sorted(BASES))
def test_the_oracle_agrees_on_the_unmutated_logs(name: str) -> None:
    assert read(BASES[name]) == oracle(BASES[name])


@pytest.mark.parametrize("name", sorted(BASES))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_mutated_log_is_refused_or_read_as_the_oracle_reads_it(name: str, data: st.DataObject) -> None:
    log, done = data.draw(mutated(BASES[name], KEYS), label="mutation")
    got = read(log)
    if got is None:
        return
    try:
        expected = oracle(log)
    except (AssertionError, KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        pytest.fail(f"reader accepted a log the oracle refuses ({type(exc).__name__}: {exc}) after {done}")
    assert got == expected, f"after {done}"
