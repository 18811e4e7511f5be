"""Print the differential corpus's measured agreement (the numbers docs/engines.md quotes).

    python -m tests.engines.differential.measure
"""

from __future__ import annotations

import sys
import time
from collections import Counter

from relgate.engines import make_engine
from tests.engines.differential.corpus import Answer, judge, load_cases, load_gaps, run
from tests.engines.differential.test_differential import reference_engine


def decision(answer: Answer) -> str:
    """What the gate would decide from one answer: error, deny (any deny element) or allow."""
    if isinstance(answer, str):
        return "error"
    return "deny" if any(p["deny"] for p in answer.values()) else "allow"


def main() -> int:
    cases = load_cases()
    gaps = load_gaps()
    started = time.perf_counter()
    evaluations = identical = cases_identical = 0
    flips: list[str] = []
    verdicts: Counter[str] = Counter()
    failures: list[str] = []
    for case in cases:
        reference = run(reference_engine(), case)
        candidate = run(make_engine("regorus"), case)
        verdict = judge(case, reference, candidate, gaps.get(case.id))
        verdicts[verdict.status] += 1
        if verdict.status == "fail":
            failures.append(f"{case.id}: {verdict.detail}")
        evaluations += len(case.inputs)
        if candidate.refused is None and reference.refused is None:
            same = sum(r == c for r, c in zip(reference.answers, candidate.answers, strict=True))
            for index, (r, c) in enumerate(zip(reference.answers, candidate.answers, strict=True)):
                if decision(c) != "error" and decision(r) != decision(c):
                    flips.append(f"{case.id}#{index} ({decision(r)} -> {decision(c)})")
        else:
            if reference.refused is not None and candidate.refused is None:
                flips += [f"{case.id}#{i} (refused at load -> {decision(c)})"
                          for i, c in enumerate(candidate.answers) if decision(c) != "error"]
            same = len(case.inputs) if (candidate.refused is None) == (reference.refused is None) else 0
        identical += same
        cases_identical += same == len(case.inputs)
    elapsed = time.perf_counter() - started
    kinds = Counter(g.kind for g in gaps.values())
    print(f"cases: {len(cases)} policies, {evaluations} policy x input evaluations ({elapsed:.2f} s)")
    print(f"identical answers: {cases_identical}/{len(cases)} cases ({100 * cases_identical / len(cases):.1f}%), "
          f"{identical}/{evaluations} evaluations ({100 * identical / evaluations:.1f}%)")
    print(f"decision flips (OPA allow/deny/error -> a different regorus allow/deny): {len(flips)}: " + ", ".join(flips))
    print("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))
    print("documented gaps by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    refusable = sorted({b for g in gaps.values() if g.kind == "wrong" for b in g.builtins})
    features = sorted({g.feature for g in gaps.values() if g.kind == "wrong" and not g.builtins})
    print("wrong answers by built-in: " + ", ".join(refusable))
    print("wrong answers by feature: " + "; ".join(features))
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
