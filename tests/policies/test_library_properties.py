"""The bundled approvals and vulnerabilities policies give OPA's answer on regorus for any evidence.

These two packages do the most work per evaluation, and their rules were reshaped
for speed; hypothesis builds reviews with missing, mistyped, stale, future,
superseded and self-given entries, findings without ids, rules or categories,
allow-listed and waived ones, under ordinary and broken settings, and the real OPA
is the reference for every deny they draw.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relgate.engines import make_engine
from relgate.engines.interface import Engine
from relgate.errors import RelgateError
from relgate.policy import load_policies
from tests.conftest import ROOT

NOW = 1_795_000_000 * 10**9
HOUR = 3600 * 10**9
USERS = ["lee", "Lee", "dana", "DANA", "kim", ""]

approval = st.fixed_dictionaries(
    {},
    optional={
        "user": st.one_of(st.sampled_from(USERS), st.none(), st.integers(0, 3)),
        "state": st.sampled_from(["APPROVED", "approved", "CHANGES_REQUESTED", "changes_requested", "COMMENTED",
                                  "DISMISSED", 7]),
        "submitted_at_ns": st.one_of(st.integers(NOW - 100 * HOUR, NOW + 2 * HOUR), st.just("yesterday"),
                                     st.none()),
        "stale": st.one_of(st.booleans(), st.just("true")),
        "association": st.sampled_from(["OWNER", "member", "CONTRIBUTOR", "NONE", 1]),
    },
)

# Settings are drawn from fixed lists so each engine compiles the library once per setting.
APPROVALS: list[Any] = [
    None, "strict", {}, {"min": 1}, {"min": 2, "max_age_hours": 72}, {"min": 0}, {"min": "2"},
    {"max_age_hours": 1.5}, {"max_age_hours": -1}, {"max_age_hours": "72"}, {"allow_author": True},
    {"allow_author": "yes", "min": 1}, {"associations": ["OWNER", "member"]}, {"associations": []},
    {"associations": "OWNER"}, {"associations": ["OWNER", 3], "min": 2, "max_age_hours": 24, "allow_author": False},
]

@st.composite
def contexts(draw: st.DrawFn) -> dict[str, Any]:
    context: dict[str, Any] = {"service": "checkout", "environment": "production"}
    if draw(st.booleans()):
        context["evaluated_at_ns"] = NOW
    reviews = draw(st.lists(approval, max_size=5))
    where = draw(st.sampled_from(["github", "facts", "none"]))
    author = draw(st.one_of(st.sampled_from(USERS), st.none()))
    if where == "github":
        context["approvals"] = reviews
        context["pull_request"] = {"author": author}
    elif where == "facts":
        context["change_facts"] = {"approvals": reviews, "pull_request": {"author": author}}
    if draw(st.booleans()):
        context["change"] = {"author": draw(st.sampled_from(USERS))}
    return context


WAIVED = [{"id": "W1", "policy": "relgate.vulnerabilities", "match": "CVE-2"},
          {"id": "W2", "policy": "relgate.vulnerabilities", "match": "rule-b"},
          {"id": "W3", "policy": "relgate.tests", "match": "CVE-3"}]
VULNERABILITIES: list[tuple[Any, list[dict[str, str]]]] = [
    ({"max": {"critical": 0, "high": 1}}, []),
    ({"max": {"critical": 0, "high": 1}}, WAIVED),
    ({"max": {"critical": 0, "low": 0}, "allow_list": ["CVE-1", "CVE-4"]}, WAIVED),
    ({"max": {"high": 0}, "categories": ["secret"], "max_by_category": {"secret": {"critical": 0}}}, []),
    ({"max": {"critical": -1, "severe": 0}, "allow_list": "CVE-1"}, WAIVED),
    ({"max_by_category": {"misconfiguration": {"high": 0}, "secret": "none"}, "categories": []}, []),
    ("strict", []),
]

finding = st.fixed_dictionaries(
    {"severity": st.sampled_from(["critical", "high", "medium", "low", "unknown", "CRITICAL"])},
    optional={
        "id": st.one_of(st.sampled_from(["CVE-1", "CVE-2", "CVE-3", "CVE-4", "GHSA-x"]), st.none(), st.integers(0, 2)),
        "rule": st.one_of(st.sampled_from(["rule-a", "rule-b", "CVE-2"]), st.none()),
        "category": st.sampled_from(["vulnerability", "secret", "misconfiguration", "license"]),
        "tool": st.just("Trivy"),
    },
)


@pytest.fixture(scope="module")
def engines() -> Iterator[dict[tuple[str, str, int], Engine]]:
    policies = load_policies(["builtin"], ROOT)
    loaded: dict[tuple[str, str, int], Engine] = {}
    data: list[tuple[str, int, dict[str, Any]]] = [
        ("approvals", index, {"config": {"approvals": config}, "waivers": []})
        for index, config in enumerate(APPROVALS)]
    data += [("vulnerabilities", index, {"config": {"vulnerabilities": config}, "waivers": waivers})
             for index, (config, waivers) in enumerate(VULNERABILITIES)]
    for name in ("regorus", "opa"):
        for package, index, document in data:
            loaded[name, package, index] = make_engine(name, isolated=False)
            loaded[name, package, index].load(policies, document)
    yield loaded
    for engine in loaded.values():
        engine.close()


def _deny(engine: Engine, package: str, context: dict[str, Any]) -> list[Any] | str:
    """The package's deny elements, or "error" when evaluation stops (the engines word their errors apart)."""
    try:
        outcomes = engine.evaluate(context)
    except RelgateError:
        return "error"
    (outcome,) = [o for o in outcomes if o.package == f"relgate.{package}"]
    return sorted(outcome.deny, key=repr)


@settings(max_examples=200, deadline=None)
@given(setting=st.integers(0, len(APPROVALS) - 1), context=contexts())
def test_regorus_agrees_with_opa_on_approvals(engines: dict[tuple[str, str, int], Engine], setting: int,
                                              context: dict[str, Any]) -> None:
    regorus, opa = engines["regorus", "approvals", setting], engines["opa", "approvals", setting]
    assert _deny(regorus, "approvals", context) == _deny(opa, "approvals", context)


@settings(max_examples=200, deadline=None)
@given(setting=st.integers(0, len(VULNERABILITIES) - 1), findings=st.one_of(st.lists(finding, max_size=8), st.none()))
def test_regorus_agrees_with_opa_on_vulnerabilities(engines: dict[tuple[str, str, int], Engine], setting: int,
                                                    findings: list[dict[str, Any]] | None) -> None:
    context: dict[str, Any] = {} if findings is None else {"vulnerabilities": {"counts": {}, "findings": findings}}
    regorus, opa = engines["regorus", "vulnerabilities", setting], engines["opa", "vulnerabilities", setting]
    assert _deny(regorus, "vulnerabilities", context) == _deny(opa, "vulnerabilities", context)
