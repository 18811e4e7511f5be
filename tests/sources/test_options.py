"""Source options: declared once, checked on load, and documented exactly as declared."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from relgate.config import load_config
from relgate.errors import ConfigError
from relgate.sources import SOURCE_TYPES
from relgate.sources.options import COMMON, SLO_FIELDS, SOURCE_OPTIONS, reference
from tests.conftest import ROOT, write_config

SOURCES_DIR = ROOT / "src" / "relgate" / "sources"
DATA = {"tests": {"min_pass_rate": 0.9}}


def load_sources(tmp_path: Path, *sources: dict[str, Any], env: dict[str, str] | None = None) -> Any:
    return load_config(write_config(tmp_path, data=DATA, sources=list(sources)), env or {}).sources


def refused(tmp_path: Path, *sources: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_sources(tmp_path, *sources)
    return str(caught.value).split("relgate.yaml:", 1)[1]


def test_every_source_type_declares_its_options() -> None:
    assert set(SOURCE_OPTIONS) == set(SOURCE_TYPES)


def test_source_modules_read_only_declared_options() -> None:
    """Every `spec.option("x")` / `option("x")` in a source module is declared for some type that uses it."""
    declared = {o.name for options in SOURCE_OPTIONS.values() for o in options}
    slo_fields = {o.name for o in SLO_FIELDS}
    for module in SOURCES_DIR.glob("*.py"):
        text = module.read_text()
        read = set(re.findall(r"\.option\(\s*\"([a-z_]+)\"", text))
        assert read <= declared, (module.name, read - declared)
        if module.name == "prometheus.py":
            entry_reads = set(re.findall(r"entry(?:\.get\(|\[)\"([a-z_]+)\"", text))
            assert entry_reads <= slo_fields, entry_reads - slo_fields


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ({"type": "sarif", "paths": ["a"], "requird": False},
         "sources[0].requird: unknown sarif source option 'requird' (did you mean 'required'?); expected one of "
         "allow_failed_runs, name, path, paths, required, timeout, type"),
        ({"type": "junit", "paths": ["a"], "tiemout": "5s"},
         "sources[0].tiemout: unknown junit source option 'tiemout' (did you mean 'timeout'?)"),
        ({"type": "file", "path": ["a.yaml", "b.yaml"]},
         "sources[0].path: expected a string, found a list (for several files use `paths`)"),
        ({"type": "junit", "paths": "reports/*.xml"},
         "sources[0].paths: expected a list, found 'reports/*.xml' (a list, even for one pattern, or use `path`)"),
        ({"type": "junit"}, "sources[0].paths: required field is missing (a junit source reads files"),
        ({"type": "junit", "path": "a", "paths": ["b"]}, "sources[0].path: give `path` or `paths`, not both"),
        ({"type": "junit", "paths": []}, "sources[0].paths: expected a list of at least 1 item(s)"),
        ({"type": "junit", "paths": ["a"], "required": "no"}, "sources[0].required: expected true or false"),
        ({"type": "junit", "paths": ["a"], "timeout": "soon"},
         "sources[0].timeout: expected a duration like 10s, 2m or 500ms, found 'soon'"),
        ({"type": "junit", "paths": ["a"], "timeout": 0}, "timeout: expected a duration above 0 and at most 24h"),
        ({"type": "junit", "paths": ["a"], "timeout": "1000h"}, "timeout: expected a duration above 0 and at most 24h"),
        ({"type": "sarif", "paths": ["a"], "allow_failed_runs": "yes"},
         "sources[0].allow_failed_runs: expected true or false"),
        ({"type": "grype", "paths": ["a"], "allow_failed_runs": True},
         "sources[0].allow_failed_runs: unknown grype source option 'allow_failed_runs'"),
        ({"type": "file", "path": "a", "key": ""}, "sources[0].key: expected a non-empty string"),
        ({"type": "github", "repo": "checkout"}, "sources[0].repo: expected text matching"),
        ({"type": "github", "deployments_limit": 0}, "deployments_limit: expected a number at least 1"),
        ({"type": "github", "pull_request": "#12"}, "sources[0].pull_request: expected an integer"),
        ({"type": "github", "api_url": "api.github.com"}, "sources[0].api_url: expected text matching"),
        ({"type": "prometheus", "slos": [{"name": "a", "objective": 0.99, "error_ratio": "x"}]},
         "sources[0].url: required field is missing"),
        ({"type": "prometheus", "url": "http://p:9090", "slos": []}, "sources[0].slos: expected a list of at least 1"),
        ({"type": "prometheus", "url": "http://p:9090", "slos": [{"name": "a", "objective": 99, "error_ratio": "x"}]},
         "sources[0].slos[0].objective: expected a number less than 1, found 99"),
        ({"type": "prometheus", "url": "http://p:9090", "slos": [{"name": "a", "objective": 0.9, "good": "x"}]},
         "sources[0].slos[0]: expected either `good` and `total`, or `error_ratio`"),
        ({"type": "prometheus", "url": "http://p:9090",
          "slos": [{"name": "a", "objective": 0.9, "error_ratio": "x", "windwo": "30d"}]},
         "sources[0].slos[0].windwo: unknown SLO field 'windwo' (did you mean 'window'?)"),
        ({"type": "prometheus", "url": "http://p:9090", "headers": {"X-Org": 5},
          "slos": [{"name": "a", "objective": 0.9, "error_ratio": "x"}]},
         "sources[0].headers.X-Org: expected a string, found 5"),
        ({"type": "ci", "paths": ["a"]}, "sources[0].paths: unknown ci source option 'paths'"),
        ({"type": "sarf", "paths": ["a"]}, "sources[0].type: unknown source type 'sarf' (did you mean 'sarif'?)"),
        ({"type": ["sarif"]}, "sources[0].type: expected a string, found a list"),
    ],
)
def test_unknown_and_mistyped_options_name_source_and_option(
    tmp_path: Path, source: dict[str, Any], fragment: str
) -> None:
    message = refused(tmp_path, source)
    assert fragment in message, message


def test_values_from_the_environment_are_typed(tmp_path: Path) -> None:
    (spec,) = load_sources(
        tmp_path,
        {"type": "github", "repo": "acme/checkout", "pull_request": "${PR}", "checks": "${CHECKS}",
         "timeout": "${TIMEOUT}", "required": "${REQUIRED}"},
        env={"PR": "42", "CHECKS": "false", "TIMEOUT": "15", "REQUIRED": "true"},
    )
    assert spec.options == {"repo": "acme/checkout", "pull_request": 42, "checks": False}
    assert (spec.timeout_s, spec.required) == (15.0, True)


def test_a_secret_option_is_never_echoed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_sources(tmp_path, {"type": "github", "repo": "acme/x", "token": ["${GH_TOKEN}"]},
                     env={"GH_TOKEN": "ghp_secret"})
    assert "sources[0].token: expected a string, found a value (not shown)" in str(caught.value)
    assert "ghp_secret" not in str(caught.value)


def readme_sources_table() -> dict[str, set[str]]:
    text = (ROOT / "README.md").read_text()
    table = text[text.index("| type | fills | options |"):]
    rows: dict[str, set[str]] = {}
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        # Options are the backticked names outside parentheses (which hold defaults and notes).
        rows[cells[0].strip("`")] = set(re.findall(r"`([a-z_]+)`", re.sub(r"\([^)]*\)", "", cells[-1])))
    return rows


def test_readme_sources_table_lists_exactly_the_declared_options() -> None:
    rows = readme_sources_table()
    assert set(rows) == set(SOURCE_OPTIONS)
    for kind, options in SOURCE_OPTIONS.items():
        assert rows[kind] == {o.name for o in options}, kind
    readme = (ROOT / "README.md").read_text()
    for option in COMMON[1:]:
        assert f"`{option.name}`" in readme[readme.index("Every source takes"):][:200]


def test_the_options_reference_is_generated_from_the_declarations() -> None:
    assert (ROOT / "docs" / "source-options.md").read_text() == reference()
