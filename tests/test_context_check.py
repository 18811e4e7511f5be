"""The fast context checker agrees with jsonschema on the context schema, verdict and wording."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relgate.context import context_schema
from relgate.context_check import SUPPORTED, SchemaViolation, check, keywords
from tests.sources.mutations import mutated

CONTEXT: dict[str, Any] = {
    "evaluated_at": "2026-11-23T12:00:00Z", "evaluated_at_ns": 1795435200000000000, "service": "s",
    "environment": "e", "change": {"commit": "abc", "pull_request": 7},
    "vulnerabilities": {
        "counts": {"critical": 1, "high": 0, "medium": 1, "low": 0, "unknown": 0},
        "findings": [
            {"id": "CVE-1", "severity": "critical", "category": "vulnerability", "tool": "Trivy", "rule": "CVE-1",
             "package": "openssl", "installed_version": "3.0", "fixed_version": None, "tools": ["Trivy", "Grype"]},
            {"id": "DS002", "severity": "medium", "category": "misconfiguration", "location": {"path": "D", "line": 3},
             "resource": "default/Deployment/web"},
        ],
        "reports": [{"path": "t.json", "tool": "Trivy", "findings": 2, "failed_runs": 1}],
    },
    "tests": {"total": 2, "passed": 1, "failed": 1, "errors": 0, "skipped": 0, "flaky": 0, "pass_rate": 0.5,
              "failing": [{"id": "t", "suite": "s", "kind": "failure", "message": "m"}],
              "suites": [{"name": "s", "total": 2, "passed": 1, "failed": 1, "errors": 0, "skipped": 0, "flaky": 0}],
              "reports": [{"path": "j.xml", "total": 2}]},
    "approvals": [{"user": "a", "state": "APPROVED", "submitted_at_ns": 1, "stale": False}],
    "checks": [{"name": "build", "status": "completed", "conclusion": None}],
    "slos": [{"name": "api", "status": "ok", "burn_rates": {"1h": 0.5}, "alerts": {"page": False}}],
    "sources": {"scans": {"type": "trivy", "status": "ok", "required": True, "duration_ms": 3.5}},
}
KEYS = frozenset({"counts", "findings", "severity", "category", "id", "line", "tests", "total", "pass_rate", "failing",
                  "kind", "status", "required", "vulnerabilities", "sources", "fixed_version", "tools", "reports"})


def test_the_checker_understands_every_keyword_of_the_schema() -> None:
    assert keywords(context_schema()) <= SUPPORTED


def verdict(doc: Any) -> tuple[bool, list[str]]:
    errors = list(jsonschema.Draft202012Validator(context_schema()).iter_errors(doc))
    return not errors, [e.message for e in errors]


def test_the_example_is_valid() -> None:
    check(CONTEXT, context_schema())
    assert verdict(CONTEXT) == (True, [])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_verdicts_and_messages_agree_with_jsonschema(data: st.DataObject) -> None:
    doc, done = data.draw(mutated(copy.deepcopy(CONTEXT), KEYS), label="mutation")
    valid, messages = verdict(doc)
    try:
        check(doc, context_schema())
    except SchemaViolation as exc:
        assert not valid, f"fast checker refused a valid document after {done}: {exc.message}"
        assert exc.message in messages, f"after {done}"
    else:
        assert valid, f"fast checker accepted an invalid document after {done}: {messages}"


@pytest.mark.parametrize(("value", "schema", "message"), [
    (True, {"type": "integer"}, "True is not of type 'integer'"),
    (1, {"enum": [True]}, "1 is not one of [True]"),
    (1.0, {"type": "integer"}, None),
    (-1, {"minimum": 0}, "-1 is less than the minimum of 0"),
    ("", {"minLength": 1}, "'' should be non-empty"),
    ({"b": 1, "a": 2}, {"additionalProperties": False},
     "Additional properties are not allowed ('a', 'b' were unexpected)"),
    (None, {"type": ["string", "null"]}, None),
    (3, {"type": ["string", "null"]}, "3 is not of type 'string', 'null'"),
])
def test_wording(value: Any, schema: dict[str, Any], message: str | None) -> None:
    if message is None:
        check(value, schema)
        return
    with pytest.raises(SchemaViolation) as raised:
        check(value, schema)
    assert raised.value.message == message
    assert message in [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(value)]
