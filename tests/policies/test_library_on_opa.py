"""The library's own unit tests (*_test.rego) hold on real OPA, the reference engine, as on regorus."""

from __future__ import annotations

from opa_bindings import OpaEngine, OpaError

from relgate import policy
from tests.conftest import ROOT


def test_library_unit_tests_pass_on_real_opa() -> None:
    policies = policy.load_policies(["builtin"], ROOT, include_tests=True)
    opa = OpaEngine()
    for module in policies.modules:
        opa.add_policy(module.path, module.text)
    failed, ran = [], 0
    for module in policies.modules:
        if not module.path.endswith("_test.rego"):
            continue
        for rule in policy.test_rules(module):
            ran += 1
            path = f"{policy.package_of(module)}.{rule}"
            try:
                value = opa.eval_document(path)
            except OpaError as exc:
                value = f"error: {exc}"
            if value is not True:
                failed.append(f"{path}: {value}")
    assert failed == []
    assert ran >= 100
