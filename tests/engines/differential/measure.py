"""Print the differential corpus's measured agreement (the numbers docs/engines.md quotes).

    python -m tests.engines.differential.measure
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from unittest.mock import patch

from relgate.engines import make_engine
from tests.engines.differential.corpus import Answer, Run, judge, load_cases, load_gaps, run
from tests.engines.differential.test_differential import reference_engine


def decision(answer: Answer) -> str:
    """What the gate would decide from one answer: error, deny (any deny element) or allow."""
    if isinstance(answer, str):
        return "error"
    return "deny" if any(p["deny"] for p in answer.values()) else "allow"


def outcome(reference: Run, candidate: Run) -> list[str]:
    """Per input, what a gate on regorus gets compared with OPA: identical, refused, error or different."""
    if candidate.refused is not None:
        return ["identical" if reference.refused is not None else "refused"] * max(len(candidate.answers), 1)
    if reference.refused is not None:
        return ["error" if c == "error" else "different" for c in candidate.answers]
    return ["identical" if r == c else "error" if c == "error" else "different"
            for r, c in zip(reference.answers, candidate.answers, strict=True)]


def worst(per_input: list[str]) -> str:
    for kind in ("different", "refused", "error"):
        if kind in per_input:
            return kind
    return "identical"


def flips(case_id: str, reference: Run, candidate: Run) -> list[str]:
    """Inputs where regorus decides allow/deny and OPA decided (or refused) otherwise."""
    if candidate.refused is not None:
        return []
    refs = [None] * len(candidate.answers) if reference.refused is not None else list(reference.answers)
    return [f"{case_id}#{i} ({'refused at load' if r is None else decision(r)} -> {decision(c)})"
            for i, (r, c) in enumerate(zip(refs, candidate.answers, strict=True))
            if decision(c) != "error" and (r is None or decision(r) != decision(c))]


def main() -> int:
    cases = load_cases()
    gaps = load_gaps()
    started = time.perf_counter()
    as_run: Counter[str] = Counter()
    as_run_inputs: Counter[str] = Counter()
    raw: Counter[str] = Counter()
    raw_inputs: Counter[str] = Counter()
    flipped: list[str] = []
    verdicts: Counter[str] = Counter()
    failures: list[str] = []
    for case in cases:
        reference = run(reference_engine(), case)
        candidate = run(make_engine("regorus"), case)
        verdict = judge(case, reference, candidate, gaps.get(case.id))
        verdicts[verdict.status] += 1
        if verdict.status == "fail":
            failures.append(f"{case.id}: {verdict.detail}")
        per_input = outcome(reference, candidate)
        as_run[worst(per_input)] += 1
        as_run_inputs.update(per_input)
        flipped += flips(case.id, reference, candidate)
        # regorus itself, without relgate's refusal list: how often the engine alone agrees
        with patch("relgate.engines.capabilities.gap", return_value=None):
            bare = run(make_engine("regorus"), case)
        per_input = outcome(reference, bare)
        raw[worst(per_input)] += 1
        raw_inputs.update(per_input)
    elapsed = time.perf_counter() - started
    evaluations = sum(len(c.inputs) for c in cases)

    def line(title: str, cases_by: Counter[str], inputs_by: Counter[str]) -> str:
        parts = [f"{k} {cases_by[k]} ({100 * cases_by[k] / len(cases):.1f}%) / {inputs_by[k]}"
                 for k in ("identical", "refused", "error", "different")]
        return f"{title}: " + ", ".join(parts)

    print(f"cases: {len(cases)} policies, {evaluations} policy x input evaluations ({elapsed:.2f} s)")
    print("(policies / evaluations) identical = same deny/warn sets as OPA; refused = relgate refuses the policy")
    print("at load; error = an evaluation error where OPA answers; different = a different answer")
    print(line("regorus as relgate runs it", as_run, as_run_inputs))
    print(line("regorus alone (no refusal list)", raw, raw_inputs))
    print(f"decision flips (regorus allows or denies where OPA decided otherwise): {len(flipped)}: "
          + ", ".join(flipped))
    print("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))
    kinds = Counter(g.kind for g in gaps.values())
    print("documented gaps by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    not_refused = sorted({g.feature or ", ".join(g.builtins) for g in gaps.values()
                          if g.kind == "wrong" and (g.accepted or not g.builtins)})
    print("wrong answers relgate does not refuse: " + "; ".join(not_refused))
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
