"""Mutated valid configs: each one is a clean ConfigError, or loads exactly what it says (nothing dropped).

Seeds are the quickstart and the Prometheus example. Mutations rename keys,
change types, stringify numbers, drop and duplicate keys. A mutation that loads
must be reflected faithfully in the loaded config, so a typo or a wrong type can
never leave a rule silently switched off.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relgate.config import Config, load_config
from relgate.errors import ConfigError
from relgate.settings import library_schemas
from relgate.sources.options import entry_schema
from relgate.yamltext import load_yaml
from tests.conftest import ROOT

SEEDS = {
    "quickstart": ROOT / "examples" / "quickstart" / "relgate.yaml",
    "prometheus": ROOT / "examples" / "prometheus" / "relgate.yaml",
}
ENV = {"PROMETHEUS_URL": "http://prometheus.internal:9090"}
MUTABLE = ("data", "sources", "enforcement", "mode", "waivers", "audit")
Path_ = tuple[Any, ...]


def seed(name: str) -> dict[str, Any]:
    document = load_yaml(SEEDS[name].read_text())
    assert isinstance(document, dict)
    return document


def paths(value: Any, at: Path_ = ()) -> Iterator[Path_]:
    if isinstance(value, dict):
        for key, item in value.items():
            if at or key in MUTABLE:
                yield (*at, key)
                yield from paths(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*at, index)
            yield from paths(item, (*at, index))


def parent_of(document: Any, path: Path_) -> Any:
    for part in path[:-1]:
        document = document[part]
    return document


def load_text(text: str) -> Config:
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "relgate.yaml"
        config.write_text(text)
        return load_config(config, ENV)


def without_twins(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_twins(v) for k, v in value.items()
                if not (k.endswith("_ns") and isinstance(v, int) and k[:-3] in value)}
    if isinstance(value, list):
        return [without_twins(v) for v in value]
    return value


def expanded(text: str) -> str:
    return re.sub(r"\$\{(\w+)(?::-([^}]*))?\}", lambda m: ENV.get(m.group(1), m.group(2) or ""), text)


def faithful(loaded: Any, written: Any) -> bool:
    """Loaded equals written, where text that is wholly a number (or true/false) may have become it."""
    if isinstance(written, str):
        written = expanded(written)
    if isinstance(written, dict):
        return isinstance(loaded, dict) and loaded.keys() == written.keys() and all(
            faithful(loaded[k], written[k]) for k in written)
    if isinstance(written, list):
        return isinstance(loaded, list) and len(loaded) == len(written) and all(
            faithful(a, b) for a, b in zip(loaded, written, strict=True))
    if isinstance(written, str) and not isinstance(loaded, str):
        if isinstance(loaded, bool):
            return written == ("true" if loaded else "false")
        return (isinstance(loaded, (int, float)) and re.fullmatch(r"[+-]?[0-9.eE+-]+", written) is not None
                and float(written) == loaded)
    if isinstance(written, float) and isinstance(loaded, int) and not isinstance(loaded, bool):
        return written == loaded
    return type(loaded) is type(written) and loaded == written


def entry_view(config: Config, index: int) -> dict[str, Any]:
    """A loaded source entry in the shape it was written (defaults applied where the entry omitted them)."""
    spec = config.sources[index]
    return {"type": spec.type, "name": spec.name, "required": spec.required, **spec.options}


def assert_clean_error(error: ConfigError) -> None:
    message = str(error)
    assert "\n" not in message and "relgate.yaml:" in message, message
    assert "Traceback" not in message


def assert_valid_by_reference(config: Config) -> None:
    """jsonschema, an independent implementation, agrees that what loaded fits the shipped schemas."""
    data = without_twins(dict(config.data))
    for section, described in library_schemas().items():
        if section in data:
            jsonschema.validate(data[section], described.schema, cls=jsonschema.Draft202012Validator)
    for index, spec in enumerate(config.sources):
        entry = entry_view(config, index)
        jsonschema.validate(entry, entry_schema(spec.type), cls=jsonschema.Draft202012Validator)


def assert_faithful(config: Config, mutated: dict[str, Any]) -> None:
    assert_valid_by_reference(config)
    assert faithful(without_twins(dict(config.data)), mutated.get("data", {}))
    for index, entry in enumerate(mutated.get("sources", [])):
        written = {k: v for k, v in entry.items() if k != "timeout"}
        written.setdefault("name", entry["type"])
        written.setdefault("required", True)
        assert faithful(entry_view(config, index), written), (entry_view(config, index), written)
    assert faithful(dict(config.enforcement), mutated.get("enforcement", {}))
    assert faithful(config.mode, mutated.get("mode", "enforce"))
    assert len(config.waivers) == len(mutated.get("waivers", []))
    for waiver, written in zip(config.waivers, mutated.get("waivers", []), strict=True):
        assert all(faithful(getattr(waiver, k), v) for k, v in written.items() if k != "scope")


def check(mutated: dict[str, Any]) -> None:
    try:
        config = load_text(yaml.safe_dump(mutated, sort_keys=False))
    except ConfigError as error:
        assert_clean_error(error)
        return
    assert_faithful(config, mutated)


def renamed(key: str, how: int) -> str:
    variants = [key.upper(), key.capitalize(), key[:-1], key + "s", key.replace("_", ""), key + "_x",
                key[1:], "max" if key != "max" else "maximum", "min" if key != "min" else "minimum"]
    return variants[how % len(variants)] or "x"


OTHER_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=8), st.lists(st.integers(0, 3), max_size=2), st.dictionaries(st.sampled_from(["a", "max"]),
                                                                                   st.integers(0, 3), max_size=2),
)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_the_seeds_load(name: str) -> None:
    config = load_text(SEEDS[name].read_text())
    assert_faithful(config, load_yaml(SEEDS[name].read_text()))


@pytest.mark.parametrize("name", sorted(SEEDS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_renamed_keys_are_refused_or_loaded_faithfully(name: str, data: st.DataObject) -> None:
    document = seed(name)
    keyed = [p for p in paths(document) if isinstance(p[-1], str)]
    path = data.draw(st.sampled_from(keyed))
    parent = parent_of(document, path)
    new = renamed(path[-1], data.draw(st.integers(0, 20)))
    if new in parent:
        return
    parent[new] = parent.pop(path[-1])
    check(document)


@pytest.mark.parametrize("name", sorted(SEEDS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_changed_types_are_refused_or_loaded_faithfully(name: str, data: st.DataObject) -> None:
    document = seed(name)
    path = data.draw(st.sampled_from(list(paths(document))))
    parent_of(document, path)[path[-1]] = data.draw(OTHER_VALUES)
    check(document)


@pytest.mark.parametrize("name", sorted(SEEDS))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_dropped_keys_are_refused_or_loaded_faithfully(name: str, data: st.DataObject) -> None:
    document = seed(name)
    keyed = [p for p in paths(document) if isinstance(p[-1], str)]
    path = data.draw(st.sampled_from(keyed))
    del parent_of(document, path)[path[-1]]
    check(document)


@pytest.mark.parametrize("name", sorted(SEEDS))
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_stringified_numbers_load_to_the_same_thresholds(name: str, data: st.DataObject) -> None:
    document = seed(name)
    numeric = [p for p in paths(document) if p[0] != "version" and
               isinstance(parent_of(document, p)[p[-1]], (int, float)) and
               not isinstance(parent_of(document, p)[p[-1]], bool)]
    chosen = data.draw(st.lists(st.sampled_from(numeric), min_size=1, unique=True))
    for path in chosen:
        parent = parent_of(document, path)
        parent[path[-1]] = json.dumps(parent[path[-1]])
    baseline = load_text(SEEDS[name].read_text())
    config = load_text(yaml.safe_dump(document, sort_keys=False))
    assert config.data == baseline.data
    assert [(s.options, s.timeout_s, s.required) for s in config.sources] == [
        (s.options, s.timeout_s, s.required) for s in baseline.sources]


def flow(value: Any, duplicate: Path_, at: Path_ = ()) -> str:
    """JSON-style YAML text; the mapping at `duplicate[:-1]` repeats the key `duplicate[-1]`."""
    if isinstance(value, dict):
        items = [f"{json.dumps(k)}: {flow(v, duplicate, (*at, k))}" for k, v in value.items()]
        if at == duplicate[:-1]:
            key = duplicate[-1]
            items.append(f"{json.dumps(key)}: {flow(value[key], duplicate, (*at, key))}")
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v, duplicate, (*at, i)) for i, v in enumerate(value)) + "]"
    return json.dumps(value)


@pytest.mark.parametrize("name", sorted(SEEDS))
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_duplicated_keys_are_always_refused(name: str, data: st.DataObject) -> None:
    document = seed(name)
    keyed = [p for p in paths(document) if isinstance(p[-1], str)] + [("version",), ("service",)]
    path = data.draw(st.sampled_from(keyed))
    with pytest.raises(ConfigError, match=r"relgate\.yaml:1: invalid YAML: duplicate key"):
        load_text(flow(document, path))
