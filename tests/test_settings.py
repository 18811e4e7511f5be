"""The `data:` sections: each library section's schema, string conversion, did-you-mean, user schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from relgate.config import load_config
from relgate.errors import ConfigError
from relgate.settings import library_schemas
from tests.conftest import write_config

LIBRARY = ("vulnerabilities", "tests", "approvals", "checks", "freeze_windows", "slo")
WINDOW = {"start": "2026-12-24T00:00:00Z", "end": "2026-12-27T00:00:00Z", "reason": "holiday"}


def load(tmp_path: Path, data: dict[str, Any], env: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
    return dict(load_config(write_config(tmp_path, data=data, **fields), env or {}).data)


def refused(tmp_path: Path, data: dict[str, Any], env: dict[str, str] | None = None, **fields: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, data, env, **fields)
    message = str(caught.value)
    assert "\n" not in message
    return message.split("relgate.yaml:", 1)[1]


def test_every_library_section_has_a_schema_beside_its_policy() -> None:
    assert set(library_schemas()) == set(LIBRARY)
    policies = Path(__file__).resolve().parent.parent / "src" / "relgate" / "policies"
    for section in LIBRARY:
        assert (policies / f"{section}.schema.json").is_file()


def test_every_setting_a_library_policy_reads_is_in_its_schema() -> None:
    """`cfg.x`, `object.get(cfg, "x", …)` and `data.config.<section>.x` in each .rego are declared."""
    import re

    policies = Path(__file__).resolve().parent.parent / "src" / "relgate" / "policies"
    packages = {"vulnerabilities": "vulnerabilities", "tests": "tests", "approvals": "approvals",
                "checks": "checks", "slo": "slo"}
    for rego, section in packages.items():
        text = (policies / f"{rego}.rego").read_text()
        read = set(re.findall(r"\b(?:cfg|settings)\.([a-z_]+)", text))
        read |= set(re.findall(r'object\.get\((?:cfg|settings), "([a-z_]+)"', text))
        assert read, rego
        declared = set(library_schemas()[section].schema["properties"])
        assert read <= declared, (section, read - declared)
    window = library_schemas()["freeze_windows"].schema["items"]["properties"]
    freeze = (policies / "freeze.rego").read_text()
    assert set(re.findall(r"\bw\.([a-z]+)\b", freeze)) - {"start_ns", "end_ns"} <= set(window)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"vulnerabilities": {"max": {"Critical": 0}}},
         "data.vulnerabilities.max.Critical: unknown field 'Critical' (did you mean 'critical'?)"),
        ({"vulnerabilities": {"maximum": {"critical": 0}}},
         "data.vulnerabilities.maximum: unknown field 'maximum' (did you mean 'max'?)"),
        ({"tests": {"min_passrate": 0.9}}, "data.tests.min_passrate: unknown field 'min_passrate' "
                                           "(did you mean 'min_pass_rate'?)"),
        ({"approvals": {"max_age": 72}}, "data.approvals.max_age: unknown field 'max_age' "
                                         "(did you mean 'max_age_hours'?)"),
        ({"checks": {"require": ["build"]}}, "data.checks.require: unknown field 'require' (did you mean 'required'?)"),
        ({"slo": {"min_budget": 0}}, "data.slo.min_budget: unknown field 'min_budget' "
                                     "(did you mean 'min_error_budget'?)"),
        ({"freeze_windows": [{**WINDOW, "until": "x"}]}, "data.freeze_windows[0].until: unknown field 'until'"),
        ({"vulnerabilites": {"max": {"critical": 0}}},
         "data.vulnerabilites: unknown data section 'vulnerabilites' (did you mean 'vulnerabilities'?)"),
        ({"approval": {"min": 1}}, "data.approval: unknown data section 'approval' (did you mean 'approvals'?)"),
    ],
)
def test_unknown_keys_are_refused_with_a_did_you_mean(tmp_path: Path, data: dict[str, Any], fragment: str) -> None:
    assert fragment in refused(tmp_path, data)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"vulnerabilities": {"max": {"critical": -1}}}, "max.critical: expected a number at least 0, found -1"),
        ({"vulnerabilities": {"max": {"critical": 0.5}}}, "max.critical: expected an integer, found 0.5"),
        ({"vulnerabilities": {"max": {"critical": True}}}, "max.critical: expected an integer, found true"),
        ({"vulnerabilities": {"max": {"critical": None}}}, "max.critical: expected an integer, found nothing"),
        ({"vulnerabilities": {"max": 0}}, "vulnerabilities.max: expected a mapping, found 0"),
        ({"vulnerabilities": {"categories": ["secrets"]}},
         "categories[0]: expected one of vulnerability, secret, misconfiguration, found 'secrets' "
         "(did you mean 'secret'?)"),
        ({"vulnerabilities": {"categories": []}}, "categories: expected a list of at least 1 item(s)"),
        ({"vulnerabilities": {"max_by_category": {"secret": {"critical": "none"}}}},
         "max_by_category.secret.critical: expected an integer"),
        ({"vulnerabilities": {"allow_list": "CVE-2026-0001"}}, "allow_list: expected a list, found 'CVE-2026-0001'"),
        ({"tests": {"min_pass_rate": 98}}, "tests.min_pass_rate: expected a number at most 1, found 98"),
        ({"tests": {"min_executed": -1}}, "tests.min_executed: expected a number at least 0"),
        ({"tests": {"max_skipped_ratio": 1.5}}, "tests.max_skipped_ratio: expected a number at most 1"),
        ({"approvals": {"allow_author": "yes"}}, "approvals.allow_author: expected true or false"),
        ({"approvals": {"allow_author": 1}}, "approvals.allow_author: expected true or false, found 1"),
        ({"approvals": {"max_age_hours": 0}}, "approvals.max_age_hours: expected a number more than 0"),
        ({"approvals": {"associations": ["owner"]}}, "associations[0]: expected one of OWNER"),
        ({"checks": {"required": ["build", "build"]}}, "checks.required[1]: expected unique items"),
        ({"freeze_windows": [{"start": "2026-12-24", "end": "2026-12-27T00:00:00Z"}]},
         "freeze_windows[0].start: expected an RFC 3339 date-time"),
        ({"freeze_windows": [{"start": "2026-12-24T00:00:00Z"}]}, "freeze_windows[0].end: required field is missing"),
        ({"freeze_windows": [{**WINDOW, "end": WINDOW["start"]}]},
         "freeze_windows[0].end: expected a time after start (2026-12-24T00:00:00Z), found 2026-12-24T00:00:00Z"),
        ({"freeze_windows": {"start": WINDOW["start"]}}, "data.freeze_windows: expected a list, found a mapping"),
        ({"slo": {"min_error_budget": 2}}, "slo.min_error_budget: expected a number at most 1"),
    ],
)
def test_types_and_ranges(tmp_path: Path, data: dict[str, Any], fragment: str) -> None:
    assert fragment in refused(tmp_path, data)


def test_the_agreed_new_settings_load(tmp_path: Path) -> None:
    data = {
        "vulnerabilities": {"max": {"critical": 0}, "categories": ["vulnerability", "secret"],
                            "max_by_category": {"secret": {"critical": 0, "high": 0}}},
        "tests": {"min_pass_rate": 0.98, "min_executed": 10, "max_skipped_ratio": 0.2},
        "approvals": {"min": 2, "allow_author": False, "associations": ["OWNER", "MEMBER"]},
    }
    assert load(tmp_path, data) == data


def test_numbers_from_environment_variables_convert_when_whole(tmp_path: Path) -> None:
    data = {"vulnerabilities": {"max": {"critical": "${CRIT}", "high": "${HIGH:-5}"}},
            "tests": {"min_pass_rate": "${RATE}"}, "approvals": {"allow_author": "${SELF}", "max_age_hours": "${AGE}"}}
    env = {"CRIT": "0", "RATE": "0.98", "SELF": "false", "AGE": "72"}
    loaded = load(tmp_path, data, env)
    assert loaded["vulnerabilities"]["max"] == {"critical": 0, "high": 5}
    assert loaded["tests"]["min_pass_rate"] == 0.98
    assert loaded["approvals"] == {"allow_author": False, "max_age_hours": 72}
    assert type(loaded["vulnerabilities"]["max"]["critical"]) is int


@pytest.mark.parametrize("text", ["", " 0", "0 ", "0x10", "1e3", "5.0", "five", "0.", "1_000", "٣", "+", "--1"])
def test_an_integer_field_refuses_text_that_is_not_wholly_an_integer(tmp_path: Path, text: str) -> None:
    message = refused(tmp_path, {"vulnerabilities": {"max": {"critical": "${CRIT}"}}}, {"CRIT": text})
    assert message.startswith("data.vulnerabilities.max.critical: expected an integer "
                              "(a string converts only when all of it is one), found ")
    assert "(from ${CRIT})" in message


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-Infinity", "1e999", "0.9 ", "98%", "1,5"])
def test_a_number_field_refuses_text_that_is_not_wholly_a_finite_number(tmp_path: Path, text: str) -> None:
    message = refused(tmp_path, {"tests": {"min_pass_rate": "${RATE}"}}, {"RATE": text})
    assert message.startswith("data.tests.min_pass_rate: expected a number")


@pytest.mark.parametrize("text", ["True", "yes", "1", "on", "FALSE", ""])
def test_a_boolean_field_takes_only_true_or_false_text(tmp_path: Path, text: str) -> None:
    assert "expected true or false" in refused(tmp_path, {"approvals": {"allow_author": "${SELF}"}}, {"SELF": text})


def test_quoted_numbers_typed_in_yaml_convert_like_variables(tmp_path: Path) -> None:
    """`critical: "0"` means 0 exactly as `${CRIT}` with CRIT=0 does: the rule is kept, never disabled."""
    loaded = load(tmp_path, {"vulnerabilities": {"max": {"critical": "0", "high": "5"}}})
    assert loaded["vulnerabilities"]["max"] == {"critical": 0, "high": 5}


def test_a_secret_looking_variable_is_not_echoed(tmp_path: Path) -> None:
    message = refused(tmp_path, {"tests": {"min_pass_rate": "${API_TOKEN}"}}, {"API_TOKEN": "ghp_abcdef123"})
    assert "ghp_abcdef123" not in message
    assert "a value from ${API_TOKEN} (not shown)" in message


def test_integral_floats_are_integers(tmp_path: Path) -> None:
    loaded = load(tmp_path, {"vulnerabilities": {"max": {"critical": 0.0}}})
    assert loaded["vulnerabilities"]["max"]["critical"] == 0
    assert type(loaded["vulnerabilities"]["max"]["critical"]) is int


def test_a_section_no_policy_reads_is_refused_with_builtin_only(tmp_path: Path) -> None:
    message = refused(tmp_path, {"tests": {"min_pass_rate": 0.9}, "webhook": {"url": "x"}})
    assert message.startswith("data.webhook: unknown data section 'webhook': no loaded policy mentions it")


# A user policy package with its own settings.


def user_policy(tmp_path: Path, section: str = "deploy_window", rego: str | None = None) -> None:
    folder = tmp_path / "team"
    folder.mkdir(exist_ok=True)
    (folder / "window.rego").write_text(rego or (
        "package relgate.team\nimport rego.v1\n\n"
        f"deny contains \"too many\" if count(input.changes) > data.config.{section}.max_changes\n"
    ))


SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["max_changes"],
    "properties": {"max_changes": {"type": "integer", "minimum": 0}, "owners": {"type": "array",
                                                                              "items": {"type": "string"}}},
}


def test_a_user_schema_file_applies_like_the_library_ones(tmp_path: Path) -> None:
    user_policy(tmp_path)
    (tmp_path / "team" / "deploy_window.schema.json").write_text(json.dumps(SCHEMA))
    policies = ["builtin", "team"]
    loaded = load(tmp_path, {"deploy_window": {"max_changes": "${MAX}"}}, {"MAX": "3"}, policies=policies)
    assert loaded["deploy_window"] == {"max_changes": 3}
    assert ("data.deploy_window.max_change: unknown field 'max_change' (did you mean 'max_changes'?)"
            in refused(tmp_path, {"deploy_window": {"max_change": 3}}, policies=policies))
    assert ("data.deploy_window.max_changes: required field is missing"
            in refused(tmp_path, {"deploy_window": {}}, policies=policies))
    assert ("data.deploy_window.owners[0]: expected a string, found 7"
            in refused(tmp_path, {"deploy_window": {"max_changes": 1, "owners": [7]}}, policies=policies))
    assert ("data.deploy_windows: unknown data section 'deploy_windows' (did you mean 'deploy_window'?)"
            in refused(tmp_path, {"deploy_windows": {"max_changes": 1}}, policies=policies))


def test_a_user_schema_in_opa_metadata_applies(tmp_path: Path) -> None:
    user_policy(tmp_path, rego=(
        "# METADATA\n"
        "# title: deploy window\n"
        "# schemas:\n"
        "#   - input: schema.input\n"
        "#   - data.config.deploy_window: {type: object, additionalProperties: false,\n"
        "#       properties: {max_changes: {type: integer, minimum: 0}}}\n"
        "package relgate.team\n\nimport rego.v1\n\n"
        "deny contains \"too many\" if count(input.changes) > data.config.deploy_window.max_changes\n"
    ))
    policies = ["team"]
    assert load(tmp_path, {"deploy_window": {"max_changes": "2"}}, policies=policies) == {
        "deploy_window": {"max_changes": 2}}
    assert ("data.deploy_window.max: unknown field 'max' (did you mean 'max_changes'?)"
            in refused(tmp_path, {"deploy_window": {"max": 2}}, policies=policies))


def test_a_user_schema_with_an_unsupported_keyword_is_refused(tmp_path: Path) -> None:
    user_policy(tmp_path)
    (tmp_path / "team" / "deploy_window.schema.json").write_text(json.dumps({"type": "object", "oneOf": []}))
    with pytest.raises(ConfigError, match=r"^team/deploy_window\.schema\.json:oneOf: unsupported schema keyword"):
        load(tmp_path, {"deploy_window": {}}, policies=["team"])


def test_a_user_schema_cannot_replace_a_library_section(tmp_path: Path) -> None:
    user_policy(tmp_path)
    (tmp_path / "team" / "tests.schema.json").write_text(json.dumps({"type": "object"}))
    with pytest.raises(ConfigError, match=r"team/tests\.schema\.json: a schema for the library's section 'tests'"):
        load(tmp_path, {"tests": {"min_pass_rate": 0.9}}, policies=["builtin", "team"])


def test_a_section_a_user_policy_mentions_needs_no_schema(tmp_path: Path) -> None:
    user_policy(tmp_path)
    assert load(tmp_path, {"deploy_window": {"max_changes": 3}}, policies=["team"]) == {
        "deploy_window": {"max_changes": 3}}


def test_the_settings_tables_in_the_docs_are_generated_from_the_schemas() -> None:
    from relgate.settings import reference

    text = (Path(__file__).resolve().parent.parent / "docs" / "policies.md").read_text()
    start = text.index("<!-- settings:start")
    body = text[text.index("-->", start) + 4:text.index("<!-- settings:end -->")]
    assert body == reference()


def test_schema_files_are_not_loaded_as_policy_data(tmp_path: Path) -> None:
    """`relgate policy test` loads JSON beside policies as data, as `opa test` does; schemas are not data."""
    from relgate.policydata import load_policy_data

    user_policy(tmp_path)
    (tmp_path / "team" / "deploy_window.schema.json").write_text(json.dumps(SCHEMA))
    (tmp_path / "team" / "other.schema.json").write_text(json.dumps({"type": "array"}))
    (tmp_path / "team" / "owners.json").write_text(json.dumps({"owners": ["lee"]}))
    assert load_policy_data([tmp_path / "team"]) == {"owners": ["lee"]}


def test_a_policy_taking_data_config_whole_may_read_any_section(tmp_path: Path) -> None:
    user_policy(tmp_path, rego="package relgate.team\nimport rego.v1\n\nwarn contains sprintf(\"%v\", [data.config])\n")
    assert load(tmp_path, {"anything": {"x": 1}}, policies=["team"]) == {"anything": {"x": 1}}
    user_policy(tmp_path, rego="package relgate.team\nimport rego.v1\n\nwarn contains data.config.other.x\n")
    assert "data.anything: unknown data section 'anything'" in refused(tmp_path, {"anything": {}}, policies=["team"])


def test_a_secret_looking_field_is_not_echoed_even_when_typed_in(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, {"tests": {"min_pass_rate": 0.9}},
             sources=[{"type": "github", "repo": "acme/x", "token": 1234567890}])
    assert str(caught.value).endswith("sources[0].token: expected a string, found a value (not shown)")
