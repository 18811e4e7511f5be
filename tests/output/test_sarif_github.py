"""SARIF validates against the official schema and meets GitHub code scanning's upload requirements;
GitHub annotations cannot be hijacked by messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import relgate
from relgate.config_lines import setting_spans
from relgate.decision import Decision, Mode, Verdict, Violation
from relgate.output import FORMATS, render
from relgate.output.github import escape_data, escape_property
from relgate.output.sarif import artifact_uri
from tests.conftest import QUICKSTART_AT, ROOT
from tests.output.code_scanning import upload_problems
from tests.output.hostile import HOSTILE
from tests.output.test_outputs import DECISION

SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "real-world" / "schemas" / "sarif-schema-2.1.0.json").read_text())
INJECTION = "bad\r\n%0A::error::pwned\n::set-output name=allowed::true"
LOCATED = Decision(
    verdict=Verdict.DENY,
    violations=(Violation("relgate.vulnerabilities", INJECTION, "vulnerabilities.max_exceeded",
                          {"findings": ["CVE-1", "CVE-2"], "severity": "critical"}, "hard-mandatory",
                          ({"finding": "CVE-1", "path": "app/req,s.txt", "line": 3},
                           {"finding": "CVE-2", "path": "b"})),),
    warnings=(Violation("relgate.slo", "ticket burn", "slo.ticket_burn"),),
    errors=("source failed:\nboom",),
)


def sarif(decision: Decision) -> dict[str, Any]:
    return json.loads(render("sarif", decision))  # type: ignore[no-any-return]


def assert_accepted(text: str) -> None:
    jsonschema.Draft7Validator(SCHEMA).validate(json.loads(text))
    assert upload_problems(text) == []


def test_sarif_validates_against_the_schema_and_githubs_requirements() -> None:
    for decision in (DECISION, LOCATED, Decision(Verdict.ERROR, errors=("config: bad",)), Decision(Verdict.ALLOW)):
        assert_accepted(render("sarif", decision))


def test_the_checker_refuses_what_github_refuses() -> None:
    """The issue's report: results without a location; also a bad score, a missing fingerprint, no results."""
    log = sarif(DECISION)
    del log["runs"][0]["results"][0]["locations"]
    assert any("at least one location" in p for p in upload_problems(json.dumps(log)))
    log = sarif(LOCATED)
    log["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"] = "high"
    del log["runs"][0]["results"][1]["partialFingerprints"]
    del log["runs"][0]["results"][2]["locations"][0]["physicalLocation"]["region"]["endColumn"]
    problems = upload_problems(json.dumps(log))
    assert len(problems) == 3, problems
    del log["runs"][0]["results"]
    assert "runs[0].results: required (an array, may be empty)" in upload_problems(json.dumps(log))


def test_one_result_per_located_finding_with_its_rule() -> None:
    run = sarif(LOCATED)["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["vulnerabilities.max_exceeded", "slo.ticket_burn"]
    first, second, warning = run["results"]
    assert (first["level"], warning["level"]) == ("error", "warning")
    assert first["message"]["text"].startswith("CVE-1: bad")
    assert first["locations"] == [{"physicalLocation": {"artifactLocation": {"uri": "app/req,s.txt"},
                                                         "region": {"startLine": 3, "startColumn": 1, "endLine": 3,
                                                                    "endColumn": 2}}}]
    assert second["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "b"
    rule = run["tool"]["driver"]["rules"][0]
    assert rule["properties"]["security-severity"] == "9.5" and "security" in rule["properties"]["tags"]
    assert rule["shortDescription"]["text"] and rule["help"]["text"] and rule["fullDescription"]["text"]
    assert run["tool"]["driver"]["rules"][1]["properties"]["problem.severity"] == "warning"


def test_tool_errors_are_notifications_of_an_unsuccessful_invocation() -> None:
    run = sarif(LOCATED)["runs"][0]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert [n["message"]["text"] for n in invocation["toolExecutionNotifications"]] == ["source failed:\nboom"]
    assert invocation["toolExecutionNotifications"][0]["level"] == "error"
    assert "errors" not in run["properties"] and run["properties"]["decision"] == "deny"
    assert sarif(DECISION)["runs"][0]["invocations"][0]["executionSuccessful"] is True


def quickstart_sarif(config: Path, **options: Any) -> dict[str, Any]:
    options = {"at": QUICKSTART_AT, "audit": False, **options}
    decision = relgate.check(config, env={"GITHUB_WORKSPACE": str(config.parent)}, **options)
    text = render("sarif", decision)
    assert_accepted(text)
    return json.loads(text)  # type: ignore[no-any-return]


def test_a_violation_without_evidence_points_at_the_setting_it_violates(quickstart: Path) -> None:
    results = quickstart_sarif(quickstart)["runs"][0]["results"]
    tests = next(r for r in results if r["ruleId"] == "tests.pass_rate")
    where = tests["locations"][0]["physicalLocation"]
    line = next(i for i, text in enumerate(quickstart.read_text().splitlines(), 1) if "min_pass_rate" in text)
    assert where["artifactLocation"]["uri"] == "relgate.yaml"  # relative to the workspace, as code scanning wants
    assert where["region"]["startLine"] == line
    column = quickstart.read_text().splitlines()[line - 1].index("min_pass_rate") + 1
    assert where["region"]["startColumn"] == column and tests["properties"]["setting"] == "data.tests.min_pass_rate"
    located = [r for r in results if r["ruleId"] == "vulnerabilities.max_exceeded"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in located} == {"requirements.txt"}
    assert len(located) == 6  # one per CVE the deny names


def test_freeze_points_at_the_window_and_approvals_at_their_minimum(quickstart: Path) -> None:
    results = quickstart_sarif(quickstart, at="2026-12-25T10:00:00Z")["runs"][0]["results"]
    freeze = next(r for r in results if r["ruleId"] == "freeze.active")
    spans = setting_spans(quickstart.read_text())
    assert freeze["locations"][0]["physicalLocation"]["region"]["startLine"] == spans["data.freeze_windows"].line
    approvals = next(r for r in results if r["ruleId"] == "approvals.count")
    assert approvals["locations"][0]["physicalLocation"]["region"]["startLine"] == spans["data.approvals.min"].line


def test_fingerprints_survive_edits_that_move_lines_or_change_counts(quickstart: Path) -> None:
    before = quickstart_sarif(quickstart)["runs"][0]["results"]
    quickstart.write_text("# a comment that moves every line\n\n" + quickstart.read_text().replace(
        "min_pass_rate: 0.98", "min_pass_rate: 0.99"))
    after = quickstart_sarif(quickstart)["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in before] == [r["partialFingerprints"] for r in after]
    moved = [(b["locations"][0]["physicalLocation"]["region"]["startLine"],
              a["locations"][0]["physicalLocation"]["region"]["startLine"]) for b, a in zip(before, after, strict=True)
             if b["ruleId"] == "tests.pass_rate"]
    assert moved and all(new == old + 2 for old, new in moved)
    assert len({r["partialFingerprints"]["primaryLocationLineHash"] for r in after}) == len(after)


def test_automation_details_keep_each_service_and_environment_apart(quickstart: Path) -> None:
    production = quickstart_sarif(quickstart)["runs"][0]["automationDetails"]["id"]
    staging = quickstart_sarif(quickstart, environment="staging")["runs"][0]["automationDetails"]["id"]
    assert production.rpartition("/")[0] == "relgate/checkout/production"
    assert staging.rpartition("/")[0] == "relgate/checkout/staging"


@pytest.mark.parametrize(("path", "uri"), [
    ("requirements.txt", "requirements.txt"), ("./src/a b.py", "src/a%20b.py"), ("src\\win.py", "src/win.py"),
    ("/abs/x.py", "file:///abs/x.py"), ("C:\\repo\\x.py", "file:///C:/repo/x.py"), ("a:b.txt", "a%3Ab.txt"),
    ("https://github.com/o/r/blob/0/x.py", "https://github.com/o/r/blob/0/x.py"),
    ("Ahttps://evil.example/a_b", "Ahttps%3A//evil.example/a_b"), ("s3://bucket/key", "s3%3A//bucket/key"),
])
def test_artifact_uris(path: str, uri: str) -> None:
    assert artifact_uri(path) == uri


PLACES = st.fixed_dictionaries(
    {"path": st.one_of(HOSTILE, st.sampled_from(["a.py", "C:\\x\\y.py", "/abs/z", "dir/f g.txt"]))},
    optional={"line": st.integers(-3, 10**6), "finding": HOSTILE, "column": st.integers(-1, 500),
              "end_line": st.integers(-1, 10**6), "end_column": st.integers(-1, 500)},
)
VIOLATIONS = st.builds(
    Violation, policy=HOSTILE, msg=HOSTILE, id=HOSTILE,
    details=st.dictionaries(HOSTILE, st.one_of(HOSTILE, st.integers(), st.sampled_from(["critical", "low"])),
                            max_size=3),
    locations=st.lists(PLACES, max_size=3).map(tuple),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(violations=st.lists(VIOLATIONS, max_size=4), warnings=st.lists(VIOLATIONS, max_size=3),
       errors=st.lists(HOSTILE, max_size=2), service=HOSTILE, environment=HOSTILE)
def test_any_decision_gives_sarif_github_accepts(violations: list[Violation], warnings: list[Violation],
                                                 errors: list[str], service: str, environment: str) -> None:
    decision = Decision(Verdict.ERROR if errors else Verdict.DENY, Mode.ENFORCE, service, environment,
                        violations=tuple(violations), warnings=tuple(warnings), errors=tuple(errors))
    text = render("sarif", decision)
    assert_accepted(text)
    run = json.loads(text)["runs"][0]
    located = sum(max(len(v.locations), 1) for v in (*violations, *warnings))
    assert len(run["results"]) <= located
    assert len(run["invocations"][0]["toolExecutionNotifications"]) == len(errors)


def test_escaping_rules() -> None:
    assert escape_data("50%\r\nnext::x") == "50%25%0D%0Anext:\u200b:x"
    assert escape_property("a:b,c") == "a%3Ab%2Cc"


def test_hostile_message_stays_one_inert_annotation() -> None:
    lines = FORMATS["github"]().render(LOCATED).splitlines()
    assert len(lines) == 4  # one error, two located findings, one warning
    for line in lines:
        assert line.startswith(("::error ", "::warning "))
        message = line.partition("::")[2].partition("::")[2]
        assert "::" not in message and "\n" not in message and "\r" not in message
    first = lines[1]
    assert first.startswith("::error file=app/req%2Cs.txt,line=3,title=relgate relgate.vulnerabilities::CVE-1: ")
    assert "%250A:\u200b:error:\u200b:pwned" in first
