"""`relgate policy test`: run `test_*` rules with the same loader and engines the gate uses."""

from __future__ import annotations

from relgate.engines import make_engine
from relgate.engines.interface import PolicySet, TestOutcome
from relgate.errors import EngineError
from relgate.policy import is_test_file, package_of, test_rules


def run_policy_tests(policies: PolicySet, engine_name: str) -> list[TestOutcome]:
    """Evaluate every test rule once; true passes, anything else (undefined, false, error) fails."""
    engine = make_engine(engine_name)
    engine.load(policies, {})
    outcomes: list[TestOutcome] = []
    for module in policies.modules:
        if not is_test_file(module.path):
            continue
        package = package_of(module)
        if package is None:
            continue
        for rule in test_rules(module):
            try:
                value = engine.query(f"data.{package}.{rule}", {})
            except EngineError as exc:
                outcomes.append(TestOutcome(package, rule, False, str(exc)))
                continue
            outcomes.append(TestOutcome(package, rule, value is True))
    return outcomes
