"""The differential corpus: gate-shaped Rego policies with their inputs and data, and how to compare answers.

A case is `cases/<topic>/<name>.rego` with an optional `<name>.json` beside it
({"about": str, "data": object, "inputs": [object, ...]}), or a directory
`cases/<topic>/<name>/` holding several modules and a `case.json`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from relgate.engines.capabilities import gap as refused_on
from relgate.engines.interface import Engine, PolicyModule, PolicySet
from relgate.errors import PolicyError, RelgateError

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
GAPS = HERE / "gaps.yaml"
KINDS = ("missing", "error", "panic", "syntax", "wrong")
_REFUSAL = re.compile(r"([\w.]+) cannot run on engine regorus")


@dataclass(frozen=True)
class Case:
    """One policy set and the inputs it is evaluated against."""

    id: str
    policies: PolicySet
    data: Mapping[str, Any]
    inputs: tuple[Mapping[str, Any], ...]
    about: str


def load_cases(root: Path = CASES) -> list[Case]:
    """Every case under `root`, sorted by id."""
    cases: list[Case] = []
    for topic in sorted(p for p in root.iterdir() if p.is_dir()):
        for entry in sorted(topic.iterdir()):
            if entry.is_dir():
                modules = sorted(entry.glob("*.rego"))
                meta_file = entry / "case.json"
                case_id = f"{topic.name}/{entry.name}"
            elif entry.suffix == ".rego":
                modules = [entry]
                meta_file = entry.with_suffix(".json")
                case_id = f"{topic.name}/{entry.stem}"
            else:
                continue
            meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
            policies = PolicySet(tuple(
                PolicyModule(str(m.relative_to(root)), m.read_text(encoding="utf-8")) for m in modules
            ))
            inputs = tuple(meta.get("inputs") or [{}])
            cases.append(Case(case_id, policies, meta.get("data") or {}, inputs, str(meta.get("about", ""))))
    return cases




@dataclass(frozen=True)
class Gap:
    """A measured disagreement: what kind, which built-ins (if one is to blame) or which feature, and why."""

    case: str
    kind: str
    builtins: tuple[str, ...]
    feature: str
    why: str
    accepted: str = ""


def load_gaps(path: Path = GAPS) -> dict[str, Gap]:
    """The documented gaps, keyed by case id."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    gaps: dict[str, Gap] = {}
    for case_id, entry in raw.items():
        if entry.get("kind") not in KINDS:
            raise ValueError(f"{path.name}:{case_id}.kind: expected one of {KINDS}, found {entry.get('kind')!r}")
        if not entry.get("builtin") and not entry.get("feature"):
            raise ValueError(f"{path.name}:{case_id}: expected a builtin list or a feature")
        gaps[case_id] = Gap(case_id, entry["kind"], tuple(entry.get("builtin") or ()),
                            str(entry.get("feature", "")), str(entry.get("why", "")), str(entry.get("accepted", "")))
    return gaps


def _canonical(value: Any) -> Any:
    """JSON value with integral floats as ints: 2.0 and 2 are one JSON number, 2**53+1 stays exact."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    return value


def _elements(values: tuple[Any, ...]) -> list[str]:
    return sorted({json.dumps(_canonical(v), sort_keys=True, ensure_ascii=False) for v in values})


Answer = dict[str, dict[str, list[str]]] | str
"""Per package the canonical deny and warn elements, or "error" when the engine could not evaluate."""


def answer(engine: Engine, input_doc: Mapping[str, Any]) -> Answer:
    """What a gate on this engine sees for one input."""
    try:
        outcomes = engine.evaluate(input_doc)
    except RelgateError:
        return "error"
    return {o.package: {"deny": _elements(o.deny), "warn": _elements(o.warn)} for o in outcomes}


@dataclass(frozen=True)
class Run:
    """One engine on one case: a load refusal, or an answer per input."""

    refused: str | None
    answers: tuple[Answer, ...]


def run(engine: Engine, case: Case) -> Run:
    """Load the case's policies and data once, then evaluate every input."""
    try:
        engine.load(case.policies, case.data)
    except PolicyError as exc:
        return Run(str(exc), ())
    return Run(None, tuple(answer(engine, i) for i in case.inputs))


@dataclass(frozen=True)
class Verdict:
    """How a case came out: agree, a documented gap handled safely, a documented wrong answer, or a failure."""

    status: str  # "agree" | "gap" | "known-wrong" | "fail"
    detail: str = ""


def judge(case: Case, reference: Run, candidate: Run, gap: Gap | None) -> Verdict:
    """Compare the candidate (regorus) with the reference (OPA) under the documented gaps."""
    if candidate.refused is not None:
        if reference.refused is not None:
            return Verdict("agree", "both refuse at load")
        listed = refused_builtins(candidate.refused)
        if gap is None and listed:
            # The policy calls a built-in on relgate's refusal list (engines/gaps.json): the whole
            # policy is refused, even where this particular call would agree.
            return Verdict("gap", f"refused at load: {', '.join(listed)} (relgate's refusal list)")
        if gap is None:
            return Verdict("fail", f"regorus refuses at load what OPA runs: {candidate.refused}")
        named = [b for b in gap.builtins if b in candidate.refused]
        if gap.kind == "syntax" or named or listed:
            return Verdict("gap", f"refused at load: {candidate.refused}")
        return Verdict("fail", f"refused at load without naming {', '.join(gap.builtins)}: {candidate.refused}")
    if reference.refused is None and reference.answers == candidate.answers:
        if gap is not None:
            return Verdict("fail", f"listed in {GAPS.name} as {gap.kind} but both engines now agree: remove it")
        return Verdict("agree")
    diff = _describe(case, reference, candidate)
    if gap is None:
        return Verdict("fail", "undocumented disagreement:\n" + diff)
    if gap.kind in ("missing", "error", "panic"):
        differing = [c for r, c in _pairs(reference, candidate) if r != c]
        if all(c == "error" for c in differing):
            return Verdict("gap", f"fails closed ({gap.kind}): {gap.why}")
        return Verdict("fail", f"listed as {gap.kind}, but regorus answers where it should fail closed:\n" + diff)
    if gap.kind == "wrong":
        return Verdict("known-wrong", f"{', '.join(gap.builtins) or gap.feature}: {gap.why}")
    return Verdict("fail", f"listed as {gap.kind}, but regorus loads the policy:\n" + diff)


def run_opa_itself(case: Case) -> Run:
    """The case through the OPA bindings directly, with none of relgate's checks: OPA's own answer."""
    from opa_bindings import OpaEngine, OpaError, OpaUndefinedError

    opa = OpaEngine()
    try:
        for module in case.policies.modules:
            opa.add_policy(module.path, module.text)
        opa.add_data(json.loads(json.dumps(dict(case.data))))
        opa.eval_query("true")
    except OpaError as exc:
        return Run(exc.message, ())
    answers: list[Answer] = []
    for input_doc in case.inputs:
        try:
            tree = opa.eval_document("relgate", dict(input_doc))
        except OpaUndefinedError:
            tree = {}
        except OpaError:
            answers.append("error")
            continue
        answers.append(dict(_packages(tree, "relgate")))
    return Run(None, tuple(answers))


def _packages(tree: Any, name: str) -> Iterator[tuple[str, dict[str, list[str]]]]:
    if not isinstance(tree, dict):
        return
    if isinstance(tree.get("deny"), list) or isinstance(tree.get("warn"), list):
        deny, warn = tree.get("deny"), tree.get("warn")
        yield name, {"deny": _elements(tuple(deny) if isinstance(deny, list) else ()),
                     "warn": _elements(tuple(warn) if isinstance(warn, list) else ())}
    for key, value in sorted(tree.items()):
        if key not in ("deny", "warn"):
            yield from _packages(value, f"{name}.{key}")


def refused_builtins(message: str) -> list[str]:
    """The built-ins a load-time refusal names that are on relgate's refusal list for regorus."""
    names = _REFUSAL.findall(message)
    return sorted({n for n in names if refused_on("regorus", n)}) if names else []


def _pairs(reference: Run, candidate: Run) -> list[tuple[Answer, Answer]]:
    if reference.refused is not None:
        return [("refused", c) for c in candidate.answers]
    return list(zip(reference.answers, candidate.answers, strict=True))


def _describe(case: Case, reference: Run, candidate: Run) -> str:
    lines = []
    for index, (ref, cand) in enumerate(_pairs(reference, candidate)):
        if ref != cand:
            lines.append(f"  input {index} {json.dumps(case.inputs[index])[:200]}")
            lines.append(f"    opa:     {ref}")
            lines.append(f"    regorus: {cand}")
    if reference.refused is not None:
        lines.insert(0, f"  opa refuses at load: {reference.refused}")
    return "\n".join(lines)
