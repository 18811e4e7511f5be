"""The differential suite: every corpus case through regorus and real OPA, as relgate's engines run them.

A case passes when both engines give identical deny/warn sets for every input,
or when it is a documented gap (gaps.yaml) that relgate handles without a wrong
answer: refused at load naming the built-in, or an evaluation error (fail
closed). A documented wrong answer that is not refused yet is reported as
xfail with what differs, so it stays visible until the engine refuses it.
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter

import pytest

from relgate.engines import make_engine
from relgate.engines.capabilities import engine_gaps, gap, refused_by_default
from relgate.engines.interface import Engine
from tests.conftest import ROOT
from tests.engines.differential.corpus import Case, judge, load_cases, load_gaps, run, run_opa_itself

ALL_CASES = load_cases()
GAPS = load_gaps()

# The issue's list of what the corpus must cover: each is a topic directory or a built-in the corpus calls.
REQUIRED_TOPICS = ("time", "semver", "regex", "glob", "net", "units", "objects", "sets", "arrays", "quantifiers",
                   "rules", "functions", "conflicts", "strings", "sprintf", "numbers", "json", "encoding", "crypto",
                   "comprehensions", "undefined", "with_keyword", "in_objects", "negation", "interpolation", "gate")
REQUIRED_CALLS = (
    "time.parse_rfc3339_ns", "time.add_date", "time.date", "time.clock", "time.weekday", "time.diff", "time.format",
    "semver.compare", "semver.is_valid", "regex.match", "regex.find_n", "regex.replace", "regex.split",
    "regex.template_match", "glob.match", "net.cidr_contains", "net.cidr_intersects", "net.cidr_merge",
    "net.cidr_expand", "units.parse", "units.parse_bytes", "object.union", "object.union_n", "object.get",
    "object.remove", "object.filter", "object.subset", "object.keys", "union", "intersection", "every", "some",
    "else", "default", "strings.count", "strings.split_n", "strings.replace_n", "trim", "trim_left", "trim_right",
    "trim_prefix", "trim_suffix", "trim_space", "indexof_n", "sprintf", "json.match_schema", "json.patch",
    "json.filter", "json.remove", "json.marshal", "json.unmarshal", "base64.encode", "base64.decode",
    "yaml.unmarshal", "yaml.marshal", "crypto.sha256", "with", "not",
)


def reference_engine() -> Engine:
    """Real OPA as relgate runs it: engine `opa`, the reference."""
    return make_engine("opa")


def test_corpus_is_large_enough_and_covers_the_issue() -> None:
    assert len(ALL_CASES) >= 150
    assert sum(len(c.inputs) for c in ALL_CASES) >= 300
    topics = Counter(c.id.split("/")[0] for c in ALL_CASES)
    assert not [t for t in REQUIRED_TOPICS if topics[t] == 0]
    text = "\n".join(m.text for c in ALL_CASES for m in c.policies.modules)
    assert not [call for call in REQUIRED_CALLS if not re.search(rf"(?<![\w.]){re.escape(call)}\b", text)]


def test_every_case_is_a_gate_package() -> None:
    for case in ALL_CASES:
        for module in case.policies.modules:
            assert re.search(r"^package relgate\.", module.text, re.MULTILINE), module.path
            assert re.search(r"^(deny|warn)\b", module.text, re.MULTILINE), module.path


def test_every_gap_names_a_case_in_the_corpus() -> None:
    ids = {c.id for c in ALL_CASES}
    assert not sorted(set(GAPS) - ids)


def test_every_wrong_builtin_is_refused_on_regorus() -> None:
    """A wrong answer that one built-in gives must be refused at load, unless accepted with a reason."""
    unrefused = sorted({b for g in GAPS.values() if g.kind == "wrong" and not g.accepted
                        for b in g.builtins if gap("regorus", b) is None})
    assert not unrefused


def test_every_refused_builtin_has_a_differential_case() -> None:
    """relgate's refusal list for regorus is backed by measured cases (networked built-ins are refused anyway)."""
    measured = {b for g in GAPS.values() for b in g.builtins}
    unbacked = [pattern for pattern in engine_gaps()["regorus"]
                if pattern not in refused_by_default() and not fnmatch.filter(measured, pattern)]
    assert not unbacked


def test_docs_list_every_gap() -> None:
    """docs/engines.md names each documented gap's case, so the published list cannot drift from the measured one."""
    doc = (ROOT / "docs" / "engines.md").read_text(encoding="utf-8")
    assert not [case for case in GAPS if f"`{case}`" not in doc]


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.id)
def test_regorus_matches_opa(case: Case) -> None:
    reference = run(reference_engine(), case)
    candidate = run(make_engine("regorus"), case)
    verdict = judge(case, reference, candidate, GAPS.get(case.id))
    if verdict.status == "known-wrong":
        pytest.xfail(f"documented wrong answer that relgate does not refuse: {verdict.detail}")
    assert verdict.status in ("agree", "gap"), verdict.detail



# Where relgate's `opa` engine is not OPA itself, and why (each is a relgate issue to fix, not a corpus gap).
OPA_ENGINE_DEVIATIONS: dict[str, str] = {}


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.id)
def test_opa_engine_answers_as_opa_itself(case: Case) -> None:
    """The reference must be the reference: relgate's `opa` engine answers exactly as the bindings do."""
    itself = run_opa_itself(case)
    relgate_opa = run(reference_engine(), case)
    same = (itself.refused is None) == (relgate_opa.refused is None) and itself.answers == relgate_opa.answers
    if case.id in OPA_ENGINE_DEVIATIONS:
        assert not same, f"{case.id} no longer deviates: remove it from OPA_ENGINE_DEVIATIONS"
        pytest.xfail(OPA_ENGINE_DEVIATIONS[case.id])
    assert same, f"OPA itself: {itself}\nrelgate's opa engine: {relgate_opa}"
