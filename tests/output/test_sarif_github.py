"""SARIF validates against the official schema; GitHub annotations cannot be hijacked by messages."""

from __future__ import annotations

import json

import jsonschema

from relgate.decision import Decision, Verdict, Violation
from relgate.output import FORMATS
from relgate.output.github import escape_data, escape_property
from tests.conftest import ROOT
from tests.output.test_outputs import DECISION

HOSTILE = "bad\r\n%0A::error::pwned\n::set-output name=allowed::true"
LOCATED = Decision(
    verdict=Verdict.DENY,
    violations=(Violation("relgate.vulnerabilities", HOSTILE, "vulnerabilities.max_exceeded",
                          {"findings": ["CVE-1", "CVE-2"]}, "hard-mandatory",
                          ({"finding": "CVE-1", "path": "app/req,s.txt", "line": 3},
                           {"finding": "CVE-2", "path": "b"})),),
    warnings=(Violation("relgate.slo", "ticket burn", "slo.ticket_burn"),),
    errors=("source failed:\nboom",),
)


def test_sarif_validates_against_the_sarif_schema() -> None:
    schema_path = ROOT / "tests" / "fixtures" / "real-world" / "schemas" / "sarif-schema-2.1.0.json"
    schema = json.loads(schema_path.read_text())
    for decision in (DECISION, LOCATED):
        jsonschema.Draft7Validator(schema).validate(json.loads(FORMATS["sarif"]().render(decision)))


def test_sarif_has_one_rule_per_rule_id_and_located_results() -> None:
    run = json.loads(FORMATS["sarif"]().render(LOCATED))["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["vulnerabilities.max_exceeded", "slo.ticket_burn"]
    error, warning = run["results"]
    assert (error["level"], warning["level"]) == ("error", "warning")
    assert error["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "app/req,s.txt"},
                                                          "region": {"startLine": 3}}
    assert "region" not in error["locations"][1]["physicalLocation"]
    assert run["properties"]["decision"] == "deny" and run["properties"]["errors"] == ["source failed:\nboom"]


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
