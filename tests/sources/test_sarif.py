"""SARIF from real tools maps to severities and finding ids; malformed logs are named errors."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from relgate.errors import SourceError
from relgate.sources.interface import GatherRequest, SourceSpec
from relgate.sources.sarif import SarifSource, parse_sarif, read_sarif
from relgate.sources.sarif_rules import cvss_band

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real-world" / "sarif"
REQUEST = GatherRequest(0, "checkout", "production")


def run(
    results: list[dict[str, Any]],
    rules: list[dict[str, Any]] | None = None,
    name: str = "scanner",
    **extra: Any,
) -> dict[str, Any]:
    return {"tool": {"driver": {"name": name, "rules": rules or []}}, "results": results, **extra}


def result(rule_id: str | None = "R1", text: str | None = "found", **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"message": {"text": text} if text is not None else {}, **fields}
    if rule_id is not None:
        out["ruleId"] = rule_id
    return out


def write_log(directory: Path, *runs: dict[str, Any], name: str = "scan.sarif") -> Path:
    path = directory / name
    path.write_text(json.dumps({"version": "2.1.0", "runs": list(runs)}))
    return path


def one(
    directory: Path, res: dict[str, Any], rules: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    (finding,) = parse_sarif(write_log(directory, run([res], rules)))
    return finding


def collect(directory: Path, *patterns: str, **options: Any) -> dict[str, Any]:
    spec = SourceSpec("sarif", "scans", options={"paths": list(patterns), **options}, base_dir=directory)
    vulnerabilities: dict[str, Any] = SarifSource(spec).collect(REQUEST)["vulnerabilities"]
    return vulnerabilities


# --- real tool output -------------------------------------------------------------------------


def test_trivy_counts_follow_security_severity_not_level() -> None:
    # Verified by hand with jq: each result's rule (by ruleIndex) has a security-severity;
    # banded at 9.0/7.0/4.0 they give 4/29/10/2. The levels (33 error, 10 warning, 2 note)
    # agree on the 10 and the 2 but cannot tell critical from high.
    findings = parse_sarif(REAL / "trivy-0.35.0-image.sarif")
    assert Counter(f["severity"] for f in findings) == Counter(
        critical=4, high=29, medium=10, low=2
    )
    assert all(f["id"] == f["rule"] and f["id"].startswith("CVE-") for f in findings)


def test_trivy_source_counts_and_reports_the_file(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "trivy.sarif"
    target.parent.mkdir()
    target.write_bytes((REAL / "trivy-0.35.0-image.sarif").read_bytes())
    vulns = collect(tmp_path, "reports/*.sarif")
    assert vulns["counts"] == {"critical": 4, "high": 29, "medium": 10, "low": 2, "unknown": 0}
    assert vulns["reports"] == [{"path": "reports/trivy.sarif", "tool": "Trivy", "findings": 45}]


def test_trivy_finding_shape() -> None:
    first = parse_sarif(REAL / "trivy-image-alpine-310.sarif")[0]
    assert first["id"] == first["rule"] == "CVE-2019-1549"
    assert (first["severity"], first["tool"]) == ("medium", "Trivy")
    assert first["message"].startswith("Package: libcrypto1.1\nInstalled Version: 1.1.1c-r0")
    assert first["location"] == {"path": "testdata/fixtures/images/alpine-310.tar.gz", "line": 1}


def test_codeql_duplicate_rule_ids_resolve_by_rule_index() -> None:
    log = json.loads((REAL / "codeql-2.11.0-python.sarif").read_text())
    tool, (res,) = log["runs"][0]["tool"], log["runs"][0]["results"]
    rules = tool["driver"]["rules"]
    duplicates = [i for i, rule in enumerate(rules) if rule["id"] == "py/code-injection"]
    assert duplicates == [10, 45] and res["ruleIndex"] == 45
    assert rules[45]["properties"]["security-severity"] == "10.0"  # index 10 says 9.3
    (finding,) = parse_sarif(REAL / "codeql-2.11.0-python.sarif")
    assert finding["severity"] == "critical"  # 10.0 by index 45; 9.3 would be high


def test_codeql_finding_without_level() -> None:
    (finding,) = parse_sarif(REAL / "codeql-2.11.0-python.sarif")
    assert finding == {
        "id": "py/code-injection",
        "severity": "critical",
        "category": "vulnerability",
        "tool": "CodeQL",
        "rule": "py/code-injection",
        "message": "[A user-provided value](1) flows to here and is interpreted as code.",
        "location": {"path": "main.py", "line": 21},
    }


def test_codeql_two_runs_use_rule_default_levels() -> None:
    report = read_sarif(REAL / "codeql-lgtm-1.24.0.sarif")
    assert report.tools == ("LGTM.com", "CodeQL command-line toolchain")
    # No result has a level; every rule's defaultConfiguration says note.
    assert [(f["tool"], f["severity"]) for f in report.findings] == [
        ("LGTM.com", "low"),
        ("CodeQL command-line toolchain", "low"),
        ("CodeQL command-line toolchain", "low"),
    ]


def test_grype_ids_are_the_advisories_in_the_rule_ids() -> None:
    findings = parse_sarif(REAL / "grype-0.34.7-cxf.sarif")
    assert len(findings) == 22 and {f["tool"] for f in findings} == {"Grype"}
    assert findings[0]["rule"] == "CVE-2008-0732-geronimo-j2ee-management_1.1_spec"
    assert findings[0]["id"] == "CVE-2008-0732"
    ghsa = [f for f in findings if f["rule"].startswith("GHSA")]
    assert [f["id"] for f in ghsa] == ["GHSA-57j2-w4cx-62h2"]  # canonical case kept
    assert all(f["id"].startswith(("CVE-", "GHSA-")) for f in findings)


def test_grype_severity_comes_from_every_rule_score() -> None:
    # No result has a level; counted with jq over rules[].properties["security-severity"].
    counts = Counter(f["severity"] for f in parse_sarif(REAL / "grype-0.34.7-cxf.sarif"))
    assert counts == Counter(critical=1, high=11, medium=4, low=6)


def test_govulncheck_cve_comes_from_rule_tags() -> None:
    findings = parse_sarif(REAL / "govulncheck-1.3.0.sarif")
    assert [(f["rule"], f["id"], f["severity"]) for f in findings] == [
        ("GO-2026-4864", "CVE-2026-32282", "medium"),
        ("GO-2026-4865", "CVE-2026-32289", "high"),
        ("GO-2026-4869", "CVE-2026-32288", "low"),
    ]


def test_semgrep_nosemgrep_result_is_suppressed() -> None:
    log = json.loads((REAL / "semgrep-nosemgrep-suppressed.sarif").read_text())
    assert [r["suppressions"] for r in log["runs"][0]["results"]] == [[{"kind": "inSource"}]]
    assert parse_sarif(REAL / "semgrep-nosemgrep-suppressed.sarif") == []


def appendix_k(directory: Path, suppressed: bool = True) -> Path:
    """The spec's Appendix K example with its one draft-era value updated to SARIF 2.1.0 ("existing" → "unchanged")."""
    log = json.loads((REAL / "spec-appendix-k-codescanner.sarif").read_text())
    log["runs"][0]["results"][0]["baselineState"] = "unchanged"
    if not suppressed:
        del log["runs"][0]["results"][0]["suppressions"]
    path = directory / "appendix-k.sarif"
    path.write_text(json.dumps(log))
    return path


def test_spec_appendix_k_draft_baseline_state_is_refused() -> None:
    # The copy predates SARIF 2.1.0: its baselineState "existing" became "unchanged".
    with pytest.raises(SourceError, match=r'runs\[0\]\.results\[0\]\.baselineState: expected one of "new" \| '
                       r'"unchanged" \| "updated" \| "absent", found the string "existing"'):
        parse_sarif(REAL / "spec-appendix-k-codescanner.sarif", allow_failed_runs=True)


def test_spec_appendix_k_error_notification_is_a_failed_run(tmp_path: Path) -> None:
    # The example run reports "Unhandled exception during rule evaluation." at level error.
    with pytest.raises(SourceError, match=r"runs\[0\]\.invocations\[0\]\.toolExecutionNotifications\[1\]: "
                       r'the tool reported an error: "Exception evaluating rule \\"C2001\\"\. Rule disabled'):
        parse_sarif(appendix_k(tmp_path))


def test_spec_appendix_k_accepted_suppression_is_left_out(tmp_path: Path) -> None:
    report = read_sarif(appendix_k(tmp_path), allow_failed_runs=True)
    assert report.findings == () and len(report.failures) == 1


def test_spec_appendix_k_message_is_built_from_the_rule_message_string(tmp_path: Path) -> None:
    (finding,) = parse_sarif(appendix_k(tmp_path, suppressed=False), allow_failed_runs=True)
    assert (
        finding["message"]
        == 'Variable "ptr" was used without being initialized. It was declared [here](0).'
    )
    assert (finding["id"], finding["severity"]) == ("C2001", "high")
    assert finding["location"] == {"path": "collections/list.h", "line": 15}


def test_gitleaks_results_without_rule_id_are_named_by_message() -> None:
    findings = parse_sarif(REAL / "gitleaks-7.4.0.sarif")
    assert Counter(f["severity"] for f in findings) == Counter(medium=8)  # no level anywhere
    assert findings[0]["id"] == "AWS Access Key secret detected" and "rule" not in findings[0]
    assert {f["category"] for f in findings} == {"secret"}  # gitleaks finds secrets and nothing else


def test_empty_runs_is_a_clean_scan(tmp_path: Path) -> None:
    assert parse_sarif(REAL / "edge-empty-runs.sarif") == []
    (tmp_path / "empty.sarif").write_bytes((REAL / "edge-empty-runs.sarif").read_bytes())
    vulns = collect(tmp_path, "*.sarif")
    assert vulns["findings"] == [] and set(vulns["counts"].values()) == {0}
    assert vulns["reports"] == [{"path": "empty.sarif", "tool": "", "findings": 0}]


# --- severity ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "band"),
    [
        ("10.0", "critical"),
        ("9.0", "critical"),
        ("8.9", "high"),
        ("7.0", "high"),
        ("6.9", "medium"),
        ("4.0", "medium"),
        ("3.9", "low"),
        ("0.1", "low"),
        (9, "critical"),
        (6.95, "medium"),
    ],
)
def test_security_severity_bands(tmp_path: Path, score: str | float, band: str) -> None:
    rules = [{"id": "R1", "properties": {"security-severity": score}}]
    assert one(tmp_path, result(level="note"), rules)["severity"] == band


def test_cvss_band_edges() -> None:
    assert [cvss_band(s) for s in (9.0, 8.99, 7.0, 6.99, 4.0, 3.99, 0.0)] == [
        "critical",
        "high",
        "high",
        "medium",
        "medium",
        "low",
        "low",
    ]


def test_result_score_beats_rule_score_and_level(tmp_path: Path) -> None:
    rules = [
        {
            "id": "R1",
            "properties": {"security-severity": "2.0"},
            "defaultConfiguration": {"level": "error"},
        }
    ]
    res = result(level="note", properties={"security-severity": "9.1"})
    assert one(tmp_path, res, rules)["severity"] == "critical"


@pytest.mark.parametrize("score", ["0.0", 0, "0"])
def test_zero_score_is_cvss_none_and_falls_back_to_the_level(tmp_path: Path, score: object) -> None:
    rules = [{"id": "R1", "properties": {"security-severity": score}, "defaultConfiguration": {"level": "error"}}]
    assert one(tmp_path, result(level="error"), rules)["severity"] == "high"
    assert one(tmp_path, result(), rules)["severity"] == "high"  # the rule's default level
    assert one(tmp_path, result(level="note"), rules)["severity"] == "low"


def test_zero_result_score_falls_back_to_the_rule_score(tmp_path: Path) -> None:
    rules = [{"id": "R1", "properties": {"security-severity": "9.8"}}]
    res = result(level="note", properties={"security-severity": "0.0"})
    assert one(tmp_path, res, rules)["severity"] == "critical"


@pytest.mark.parametrize("score", ["high", "", "11", "-1", "NaN", True, None, [], {}])
def test_unreadable_score_is_an_error(tmp_path: Path, score: object) -> None:
    rules = [{"id": "R1", "properties": {"security-severity": score}}]
    with pytest.raises(SourceError, match=r"runs\[0\]\.tool\.driver\.rules\[0\]\.properties\.security-severity: "
                       r"expected a CVSS score from 0\.0 to 10\.0"):
        one(tmp_path, result(level="error"), rules)


@pytest.mark.parametrize(
    ("result_level", "rule_level", "severity"),
    [
        ("error", "note", "high"),
        (None, "error", "high"),
        (None, "note", "low"),
        (None, None, "medium"),
        ("warning", None, "medium"),
        ("none", None, "low"),
    ],
)
def test_level_then_rule_default_then_warning(
    tmp_path: Path, result_level: str | None, rule_level: str | None, severity: str
) -> None:
    rule: dict[str, Any] = {"id": "R1"}
    if rule_level:
        rule["defaultConfiguration"] = {"level": rule_level}
    res = result(level=result_level) if result_level else result()
    assert one(tmp_path, res, [rule])["severity"] == severity


# --- rule resolution and identity -------------------------------------------------------------


def test_rule_index_wins_over_a_repeated_rule_id(tmp_path: Path) -> None:
    rules = [
        {"id": "dup", "properties": {"security-severity": "5.0"}},
        {"id": "dup", "properties": {"security-severity": "9.5"}},
    ]
    assert one(tmp_path, result("dup", ruleIndex=1), rules)["severity"] == "critical"
    assert (
        one(tmp_path, result("dup", rule={"id": "dup", "index": 1}), rules)["severity"]
        == "critical"
    )
    assert one(tmp_path, result("dup"), rules)["severity"] == "medium"  # by id: the first


def test_rule_in_an_extension_is_found_through_tool_component(tmp_path: Path) -> None:
    pack = {
        "name": "security-pack",
        "rules": [{"id": "X1", "properties": {"security-severity": "9.8"}}],
    }
    res = result("X1", rule={"id": "X1", "index": 0, "toolComponent": {"index": 0}})
    log = run([res], [{"id": "X1", "properties": {"security-severity": "1.0"}}])
    log["tool"]["extensions"] = [pack]
    (finding,) = parse_sarif(write_log(tmp_path, log))
    assert finding["severity"] == "critical"


def test_rule_in_an_extension_is_found_by_id(tmp_path: Path) -> None:
    log = run([result("X1")])
    log["tool"]["extensions"] = [
        {"name": "pack", "rules": [{"id": "X1", "defaultConfiguration": {"level": "error"}}]}
    ]
    (finding,) = parse_sarif(write_log(tmp_path, log))
    assert finding["severity"] == "high"


@pytest.mark.parametrize(
    ("rule_id", "rule", "expected"),
    [
        ("CVE-2021-44228", {}, "CVE-2021-44228"),
        ("cve-2021-44228_log4j-core", {}, "CVE-2021-44228"),
        ("GHSA-JFH8-C2JP-5V3Q", {}, "GHSA-jfh8-c2jp-5v3q"),
        ("CVE-2021-44228", {"properties": {"tags": ["GHSA-jfh8-c2jp-5v3q"]}}, "CVE-2021-44228"),
        ("GO-2022-0001", {"name": "GHSA-jfh8-c2jp-5v3q"}, "GHSA-jfh8-c2jp-5v3q"),
        ("pkg:npm/x", {"properties": {"aliases": {"cve": "CVE-2020-0001"}}}, "CVE-2020-0001"),
        ("R9", {"helpUri": "https://nvd.nist.gov/vuln/detail/CVE-2019-10744"}, "CVE-2019-10744"),
        (
            "py/sql-injection",
            {"properties": {"tags": ["external/cwe/cwe-089"]}},
            "py/sql-injection",
        ),
        ("CVE-21-1", {}, "CVE-21-1"),
    ],
)
def test_finding_id_is_the_evident_advisory_else_the_rule_id(
    tmp_path: Path, rule_id: str, rule: dict[str, Any], expected: str
) -> None:
    finding = one(tmp_path, result(rule_id), [{"id": rule_id, **rule}])
    assert (finding["id"], finding["rule"]) == (expected, rule_id)


def test_message_falls_back_to_the_rule_short_description(tmp_path: Path) -> None:
    rules = [{"id": "R1", "shortDescription": {"text": "Hard-coded secret"}}]
    assert (
        one(tmp_path, result(text=None, message={"id": "missing"}), rules)["message"]
        == "Hard-coded secret"
    )


def test_message_string_placeholders_and_escaped_braces(tmp_path: Path) -> None:
    rules = [{"id": "R1", "messageStrings": {"m": {"text": "{{literal}} {0} and {1}; {2} stays"}}}]
    res = result(text=None, message={"id": "m", "arguments": ["a", "b"]})
    assert one(tmp_path, res, rules)["message"] == "{literal} a and b; {2} stays"


def test_location_uses_the_artifact_table_when_the_uri_is_indexed(tmp_path: Path) -> None:
    res = result(locations=[{"physicalLocation": {"artifactLocation": {"index": 1}}}])
    log = run([res], artifacts=[{"location": {"uri": "a.py"}}, {"location": {"uri": "src/b.py"}}])
    (finding,) = parse_sarif(write_log(tmp_path, log))
    assert finding["location"] == {"path": "src/b.py"}


def test_location_is_omitted_when_there_is_none(tmp_path: Path) -> None:
    assert "location" not in one(tmp_path, result())
    assert "location" not in one(
        tmp_path, result(locations=[{"logicalLocations": [{"name": "f"}]}])
    )


# --- what counts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "counted"),
    [
        ({}, True),
        ({"kind": "fail"}, True),
        ({"kind": "pass"}, False),
        ({"kind": "notApplicable"}, False),
        ({"kind": "informational"}, False),
        ({"kind": "review"}, False),
        ({"suppressions": []}, True),
        ({"suppressions": [{"kind": "inSource"}]}, False),
        ({"suppressions": [{"kind": "external", "status": "accepted"}]}, False),
        ({"suppressions": [{"kind": "external", "status": "underReview"}]}, True),
        ({"suppressions": [{"kind": "external", "status": "rejected"}]}, True),
        ({"baselineState": "absent"}, False),
        ({"baselineState": "unchanged"}, True),
    ],
)
def test_only_live_failures_count(tmp_path: Path, fields: dict[str, Any], counted: bool) -> None:
    assert len(parse_sarif(write_log(tmp_path, run([result(**fields)])))) == (1 if counted else 0)


def test_several_files_and_runs_are_summed(tmp_path: Path) -> None:
    write_log(tmp_path, run([result("A", level="error")], name="one"), name="a.sarif")
    write_log(
        tmp_path,
        run([result("B", level="note")], name="two"),
        run([], name="three"),
        name="b.sarif",
    )
    vulns = collect(tmp_path, "a.sarif", "*.sarif")
    assert [f["id"] for f in vulns["findings"]] == ["A", "B"]
    assert vulns["counts"] == {"critical": 0, "high": 1, "medium": 0, "low": 1, "unknown": 0}
    assert vulns["reports"] == [
        {"path": "a.sarif", "tool": "one", "findings": 1},
        {"path": "b.sarif", "tool": "two, three", "findings": 1},
    ]


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.sarif"
    path.write_bytes(
        b"\xef\xbb\xbf" + json.dumps({"version": "2.1.0", "runs": [run([result()])]}).encode()
    )
    assert len(parse_sarif(path)) == 1


# --- bad input --------------------------------------------------------------------------------


def test_not_json_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.sarif"
    path.write_text('{"version": "2.1.0",\n  "runs": [\n')
    with pytest.raises(SourceError, match=r"bad\.sarif:3:1: not valid JSON"):
        parse_sarif(path)


def test_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "list.sarif"
    path.write_text("[]")
    with pytest.raises(
        SourceError, match=r"list\.sarif:\(top level\): expected a SARIF log \(a JSON object\), found an array"
    ):
        parse_sarif(path)


def test_other_sarif_version_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "old.sarif"
    path.write_text('{"version": "2.0.0", "runs": []}')
    with pytest.raises(
        SourceError, match=r'old\.sarif:version: expected SARIF version "2\.1\.0", found the string "2\.0\.0"'
    ):
        parse_sarif(path)


def test_runs_must_be_a_list(tmp_path: Path) -> None:
    path = tmp_path / "odd.sarif"
    path.write_text('{"version": "2.1.0", "runs": {}}')
    with pytest.raises(SourceError, match=r"odd\.sarif:runs: expected an array, found an object"):
        parse_sarif(path)


def test_glob_matching_nothing_names_the_pattern(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"source 'scans': 'reports/\*\.sarif' matched no file"):
        collect(tmp_path, "reports/*.sarif")
