"""A SARIF log the reader cannot read exactly, or whose tool says it failed, is an error naming the element."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from relgate.errors import SourceError
from relgate.sources.interface import GatherRequest, SourceSpec
from relgate.sources.sarif import SarifSource, parse_sarif, read_sarif

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real-world" / "sarif"


def log(*runs: Any) -> dict[str, Any]:
    return {"version": "2.1.0", "runs": list(runs)}


def run(
    results: Any = None, rules: list[dict[str, Any]] | None = None, name: str = "scanner", **extra: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {"tool": {"driver": {"name": name, "rules": rules or []}}, **extra}
    out["results"] = [] if results is None else results
    return out


def result(rule_id: str = "R1", **fields: Any) -> dict[str, Any]:
    return {"ruleId": rule_id, "message": {"text": "found"}, **fields}


def write(directory: Path, document: Any, name: str = "x.sarif") -> Path:
    path = directory / name
    path.write_text(json.dumps(document))
    return path


def refused(directory: Path, document: Any, pattern: str, allow_failed_runs: bool = False) -> None:
    with pytest.raises(SourceError, match=pattern):
        parse_sarif(write(directory, document), allow_failed_runs)


# --- the shapes the issue saw accepted ---------------------------------------------------------


def test_results_that_are_an_object_are_an_error(tmp_path: Path) -> None:
    refused(tmp_path, log(run({"R1": result()})), r"x\.sarif:runs\[0\]\.results: expected an array, found an object$")


def test_results_that_are_null_are_an_error(tmp_path: Path) -> None:
    refused(tmp_path, log(run(None) | {"results": None}), r"runs\[0\]\.results: expected an array, found null")


def test_a_run_that_is_not_an_object_is_an_error(tmp_path: Path) -> None:
    refused(tmp_path, log("x"), r'runs\[0\]: expected an object, found the string "x"')


def test_a_null_suppression_is_an_error(tmp_path: Path) -> None:
    document = log(run([result(suppressions=[None])]))
    refused(tmp_path, document, r"runs\[0\]\.results\[0\]\.suppressions\[0\]: expected an object, found null")


@pytest.mark.parametrize("level", ["Error", "ERROR", "warn", "critical", "", 3, None])
def test_a_level_outside_the_enumeration_is_an_error(tmp_path: Path, level: Any) -> None:
    refused(tmp_path, log(run([result(level=level)])),
            r'runs\[0\]\.results\[0\]\.level: expected one of "none" \| "note" \| "warning" \| "error", found ')


@pytest.mark.parametrize(("field", "value"), [
    ("kind", "Fail"), ("baselineState", "existing"), ("ruleIndex", -2), ("ruleIndex", "0"), ("ruleId", 7),
    ("suppressions", {"kind": "inSource"}), ("suppressions", [{"status": "accepted"}]),
    ("suppressions", [{"kind": "inSource", "status": "Accepted"}]), ("locations", [7]),
    ("locations", [{"physicalLocation": {"region": {"startLine": 0}}}]), ("properties", []), ("message", "found"),
])
def test_result_fields_of_the_wrong_shape_are_errors(tmp_path: Path, field: str, value: Any) -> None:
    refused(tmp_path, log(run([result(**{field: value})], rules=[{"id": "R1"}])), r"runs\[0\]\.results\[0\]\.")


def test_a_result_without_a_message_is_an_error(tmp_path: Path) -> None:
    refused(tmp_path, log(run([{"ruleId": "R1"}])), r'runs\[0\]\.results\[0\]: "message" is required')


@pytest.mark.parametrize(("rules", "where"), [
    ([{"name": "no id"}], r'rules\[0\]: "id" is required'),
    ([{"id": "R1", "defaultConfiguration": {"level": "Warning"}}], r"rules\[0\]\.defaultConfiguration\.level"),
    ([{"id": "R1", "properties": {"tags": "security"}}], r"rules\[0\]\.properties\.tags: expected an array"),
    (["R1"], r"rules\[0\]: expected an object"),
])
def test_rules_of_the_wrong_shape_are_errors(tmp_path: Path, rules: list[Any], where: str) -> None:
    refused(tmp_path, log(run([result()], rules=rules)), r"runs\[0\]\.tool\.driver\." + where)


def test_a_run_without_a_tool_name_is_an_error(tmp_path: Path) -> None:
    refused(tmp_path, log({"tool": {"driver": {}}, "results": []}), r'runs\[0\]\.tool\.driver: "name" is required')


def test_a_rule_index_past_the_rules_is_an_error(tmp_path: Path) -> None:
    refused(tmp_path, log(run([result(ruleIndex=3)], rules=[{"id": "R1"}])),
            r"runs\[0\]\.results\[0\]\.ruleIndex: expected an index into the tool's 1 rules, found the number 3")


def test_rule_id_and_rule_reference_id_must_agree(tmp_path: Path) -> None:
    refused(tmp_path, log(run([result("A", rule={"id": "B"})], rules=[{"id": "A"}, {"id": "B"}])),
            r'runs\[0\]\.results\[0\]\.rule\.id: expected the same id as ruleId "A", found the string "B"')


def test_version_must_be_exactly_2_1_0(tmp_path: Path) -> None:
    refused(tmp_path, {"version": 2.1, "runs": []}, r'x\.sarif:version: expected SARIF version "2\.1\.0"')
    refused(tmp_path, {"runs": []}, r'x\.sarif:\(top level\): "version" is required')


# --- tool-reported failures ---------------------------------------------------------------------


def test_failed_execution_with_no_results_is_an_error(tmp_path: Path) -> None:
    document = log(run([], invocations=[{"executionSuccessful": False}]))
    refused(tmp_path, document, r"runs\[0\]\.invocations\[0\]\.executionSuccessful: false: the tool reported a failed "
                                r"run \(set allow_failed_runs: true on the source to accept a failed run\)")


def test_failed_execution_is_accepted_when_the_source_allows_it(tmp_path: Path) -> None:
    document = log(run([result(level="error")], invocations=[{"executionSuccessful": False}]))
    report = read_sarif(write(tmp_path, document), allow_failed_runs=True)
    assert [f["id"] for f in report.findings] == ["R1"] and len(report.failures) == 1


def test_semgrep_error_notification_is_a_failed_run() -> None:
    # Semgrep's own snapshot: executionSuccessful true, yet a file it was asked to scan was missing.
    with pytest.raises(SourceError, match=r'toolExecutionNotifications\[0\]: the tool reported an error: '
                                          r'"File not found: targets/basic/inexistent\.py"'):
        parse_sarif(REAL / "semgrep-error-no-results.sarif")
    assert parse_sarif(REAL / "semgrep-error-no-results.sarif", allow_failed_runs=True) == []


def test_configuration_error_notification_is_a_failed_run(tmp_path: Path) -> None:
    notification = {"level": "error", "message": {"text": "rule pack missing"}}
    invocation = {"executionSuccessful": True, "toolConfigurationNotifications": [notification]}
    document = log(run([], invocations=[invocation]))
    refused(tmp_path, document, r"toolConfigurationNotifications\[0\]: the tool reported an error")


def test_warning_notifications_are_not_failures(tmp_path: Path) -> None:
    notification = {"level": "warning", "message": {"text": "slow"}}
    document = log(run([], invocations=[{"executionSuccessful": True, "toolExecutionNotifications": [notification]}]))
    assert parse_sarif(write(tmp_path, document)) == []


def test_a_run_without_results_did_not_analyse(tmp_path: Path) -> None:
    document = log({"tool": {"driver": {"name": "t"}}})
    refused(tmp_path, document, r'runs\[0\]: no "results": the tool did not run its analysis')
    assert parse_sarif(write(tmp_path, document), allow_failed_runs=True) == []


def test_null_runs_means_the_tool_did_not_run(tmp_path: Path) -> None:
    refused(tmp_path, {"version": "2.1.0", "runs": None}, r"runs: null: the tool did not run")


def test_source_reports_accepted_failures_and_checks_the_option(tmp_path: Path) -> None:
    write(tmp_path, log(run([], invocations=[{"executionSuccessful": False}])))
    spec = SourceSpec("sarif", "scans", options={"paths": ["x.sarif"], "allow_failed_runs": True}, base_dir=tmp_path)
    vulns = SarifSource(spec).collect(GatherRequest(0, "s", "e"))["vulnerabilities"]
    assert vulns["reports"] == [{"path": "x.sarif", "tool": "scanner", "findings": 0, "failed_runs": 1}]
    bad = SourceSpec("sarif", "scans", options={"paths": ["x.sarif"], "allow_failed_runs": "yes"}, base_dir=tmp_path)
    with pytest.raises(SourceError, match=r"source 'scans': allow_failed_runs: expected true or false, found 'yes'"):
        SarifSource(bad).collect(GatherRequest(0, "s", "e"))


# --- identity: ruleId is authoritative ---------------------------------------------------------------


def test_rule_index_pointing_at_another_rule_does_not_rename_the_finding(tmp_path: Path) -> None:
    # The producer bug the issue saw: private-key findings whose ruleIndex pointed at a CVE rule,
    # so they were named after (and waived with) that CVE.
    rules = [
        {"id": "CVE-2023-1234", "properties": {"security-severity": "5.0"}},
        {"id": "private-key", "properties": {"security-severity": "9.5"}},
    ]
    (finding,) = parse_sarif(write(tmp_path, log(run([result("private-key", ruleIndex=0)], rules=rules))))
    assert (finding["id"], finding["rule"], finding["severity"]) == ("private-key", "private-key", "critical")


def test_rule_index_pointing_at_a_rule_that_is_not_in_the_table_leaves_the_rule_unknown(tmp_path: Path) -> None:
    rules = [{"id": "CVE-2023-1234", "defaultConfiguration": {"level": "note"}}]
    (finding,) = parse_sarif(write(tmp_path, log(run([result("aws-key", ruleIndex=0)], rules=rules))))
    assert (finding["id"], finding["severity"]) == ("aws-key", "medium")  # SARIF's default level, not the CVE's


def test_hierarchical_rule_id_keeps_the_indexed_descriptor(tmp_path: Path) -> None:
    rules = [{"id": "CA2101", "properties": {"security-severity": "9.1"}}]
    (finding,) = parse_sarif(write(tmp_path, log(run([result("CA2101/1", ruleIndex=0)], rules=rules))))
    assert (finding["rule"], finding["severity"]) == ("CA2101/1", "critical")


# --- category ---------------------------------------------------------------------------------------


def test_trivy_config_scan_findings_are_misconfigurations() -> None:
    findings = parse_sarif(REAL / "trivy-config-terraform.sarif")
    assert len(findings) == 8 and {f["category"] for f in findings} == {"misconfiguration"}


def test_trivy_image_scan_findings_are_vulnerabilities() -> None:
    assert {f["category"] for f in parse_sarif(REAL / "trivy-0.35.0-image.sarif")} == {"vulnerability"}


def trivy_rule(rule_id: str, title: str) -> dict[str, Any]:
    """A rule as Trivy's SARIF writer makes it: tags are [title, "security", severity]."""
    return {"id": rule_id, "name": title.capitalize(), "defaultConfiguration": {"level": "error"},
            "properties": {"tags": [title, "security", "CRITICAL"], "precision": "very-high",
                           "security-severity": "9.5"}}


def test_trivy_secret_and_license_results(tmp_path: Path) -> None:
    rules = [trivy_rule("aws-access-key-id", "secret"), trivy_rule("GPL-3.0", "license")]
    results = [result("aws-access-key-id", ruleIndex=0), result("GPL-3.0", ruleIndex=1)]
    findings = parse_sarif(write(tmp_path, log(run(results, rules=rules, name="Trivy"))))
    # Licenses are not security findings: relgate gates vulnerabilities, secrets and misconfigurations.
    assert [(f["id"], f["category"], f["severity"]) for f in findings] == [("aws-access-key-id", "secret", "critical")]


@pytest.mark.parametrize(("rule_id", "expected"), [
    ("CKV_AWS_20", "misconfiguration"), ("CKV2_AWS_6", "misconfiguration"), ("CKV_SECRET_2", "secret"),
    ("CVE-2022-1471_snakeyaml@1.30", "vulnerability"),
])
def test_checkov_rule_ids_say_the_category(tmp_path: Path, rule_id: str, expected: str) -> None:
    document = log(run([result(rule_id, ruleIndex=0, level="error")], rules=[{"id": rule_id}], name="Checkov"))
    (finding,) = parse_sarif(write(tmp_path, document))
    assert finding["category"] == expected


def test_kics_secret_management_taxon_is_a_secret(tmp_path: Path) -> None:
    # KICS links each rule to its category through relationships → taxonomies "Categories".
    categories = {"name": "Categories", "guid": "58cdcc6f-fe41-4724-bfb3-131a93df4c3f",
                  "taxa": [{"id": "CAT001", "name": "Access Control"}, {"id": "CAT011", "name": "Secret Management"}]}

    def kics_rule(rule_id: str, taxon: str) -> dict[str, Any]:
        target = {"id": taxon, "toolComponent": {"name": "Categories", "guid": categories["guid"]}}
        return {"id": rule_id, "name": rule_id, "defaultConfiguration": {"level": "error"},
                "relationships": [{"target": target}]}

    rules = [kics_rule("487f4be7", "CAT011"), kics_rule("c878abb4", "CAT001")]
    results = [result("487f4be7", ruleIndex=0), result("c878abb4", ruleIndex=1)]
    document = log(run(results, rules=rules, name="KICS", taxonomies=[categories]))
    assert [f["category"] for f in parse_sarif(write(tmp_path, document))] == ["secret", "misconfiguration"]


def test_other_tools_report_vulnerabilities() -> None:
    assert {f["category"] for f in parse_sarif(REAL / "codeql-lgtm-1.24.0.sarif")} == {"vulnerability"}
