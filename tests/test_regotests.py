"""Test discovery names tests as `opa test` does and rewrites only what it must."""

from __future__ import annotations

import pytest

from relgate.engines.interface import PolicyModule, PolicySet
from relgate.errors import PolicyError
from relgate.regotests import is_helper, prepare


def discover(*texts: str) -> tuple[PolicySet, list[tuple[str, str]]]:
    policies = PolicySet(tuple(PolicyModule(f"m{i}.rego", text) for i, text in enumerate(texts)))
    prepared, tests = prepare(policies)
    return prepared, [(t.shown, t.full_name) for t in tests]


def test_rules_named_test_in_any_module_and_package_are_tests() -> None:
    _, tests = discover(
        "package team\nimport rego.v1\nallow if true\ntest_allow if allow\n",
        "package other.checks\nimport rego.v1\ntest_a if true\nnot_a_test if true\ncontest_x if true\n",
    )
    assert tests == [("data.team.test_allow", "data.team.test_allow"),
                     ("data.other.checks.test_a", "data.other.checks.test_a")]


def test_repeated_names_are_numbered_and_matched_as_opa_prints_them() -> None:
    prepared, tests = discover("package p\nimport rego.v1\ntest_x if true\ntest_x if false\ntest_x if 1 == 1\n")
    assert tests == [("data.p.test_x", "data.p.test_x"),
                     ("data.p.test_x#01", 'data.p["test_x#01"]'),
                     ("data.p.test_x#02", 'data.p["test_x#02"]')]
    text = prepared.modules[0].text
    assert text.count("test_x if") == 1 and "test_x__relgate_01 if false" in text


def test_repeated_names_count_across_files_of_one_package() -> None:
    _, tests = discover("package p\nimport rego.v1\ntest_x if true\n", "package p\nimport rego.v1\ntest_x if false\n",
                        "package q\nimport rego.v1\ntest_x if true\n")
    assert [name for name, _ in tests] == ["data.p.test_x", "data.p.test_x#01", "data.q.test_x"]


def test_ref_heads_skips_and_functions() -> None:
    _, tests = discover('package p\nimport rego.v1\na.test_deep if true\nx["test_s"] if true\n'
                        "todo_test_later if false\ntest_f(v) if v\n")
    assert tests == [("data.p.a.test_deep", "data.p.a.test_deep"), ("data.p.x.test_s", "data.p.x.test_s"),
                     ("data.p.todo_test_later", "data.p.todo_test_later"), ("data.p.test_f", "data.p.test_f")]


def test_parametrised_test_gets_a_case_helper_in_its_own_module() -> None:
    text = ('package p.q\nimport rego.v1\nimport data.lib as l\n\ntest_cases[tc.note] if {\n'
            '\tsome tc in [{"note": "a"}]\n\tl.ok(tc)\n}\n')
    prepared, tests = discover(text)
    assert tests == [("data.p.q.test_cases", "data.p.q.test_cases")]
    original, helper = prepared.modules
    assert original.text == text
    assert is_helper(helper.path) and helper.path.startswith("m0.rego")
    assert helper.text == ('package p.q\nimport rego.v1\nimport data.lib as l\n\n'
                           '_relgate_cases_0[tc.note] if {\nsome tc in [{"note": "a"}]\n}\n')


def test_modules_without_tests_are_left_alone() -> None:
    text = "package lib\nimport rego.v1\nhelper := 1\n"
    prepared, tests = discover(text, "package t\nimport rego.v1\ntest_h if data.lib.helper == 1\n")
    assert prepared.modules[0].text == text and len(tests) == 1


def test_module_that_cannot_be_read_is_an_error_naming_it() -> None:
    with pytest.raises(PolicyError, match=r"^cannot read the rules of m0\.rego:\d+:\d+: "):
        discover("package p\nimport rego.v1\ntest_x if {\n")
