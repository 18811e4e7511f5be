"""The shipped facts of the bundled library are exactly what a fresh parse says, and only ever stand in for it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from relgate.engines.library_facts import TABLE, library, shipped_facts, table
from relgate.engines.rego_ast import module_facts, parsed_facts
from relgate.policy import load_policies


def test_the_shipped_table_is_current() -> None:
    fresh = table(library())
    shipped = json.loads(TABLE.read_text(encoding="utf-8"))
    assert shipped == fresh, "a library policy changed: run `python -m relgate.engines.library_facts`"


def test_every_library_module_is_in_the_table_and_agrees_with_a_parse() -> None:
    policies = library()
    assert all(shipped_facts(m) is not None for m in policies.modules)
    assert module_facts(policies) == parsed_facts(policies)


def test_a_changed_byte_or_version_is_parsed_not_looked_up(tmp_path: Path) -> None:
    module = library().modules[0]
    for changed in (replace(module, text=module.text + "\n"), replace(module, rego_version="v0"),
                    replace(module, text=module.text.replace("package ", "package  ", 1))):
        assert shipped_facts(changed) is None


def test_a_library_text_under_another_path_keeps_its_own_path(tmp_path: Path) -> None:
    source = library().modules[0]
    (tmp_path / "copy.rego").write_text(source.text)
    (tmp_path / "own.rego").write_text("package relgate.own\n\nimport rego.v1\n\ndeny contains msg if {\n"
                                      "\tmsg := sprintf(\"%v\", [time.now_ns()])\n}\n")
    policies = load_policies([str(tmp_path)], tmp_path)
    facts = module_facts(policies)
    assert facts == parsed_facts(policies)
    assert all(f.path in {m.path for m in policies.modules} for f in facts)
    assert any(c.name == "time.now_ns" and c.where.endswith("own.rego:6:27") for f in facts for c in f.calls)
