"""action.yml's steps run as a runner runs them: install from a copy of the action's files, cache, every outcome
written, a Python that is too old refused with a clear message."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import stat
import sys
import xml.etree.ElementTree as ET
from importlib import metadata
from pathlib import Path
from types import ModuleType

import jsonschema
import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

from tests.action_runner import action_checkout, run_action, runner_env, snapshot
from tests.conftest import QUICKSTART, ROOT
from tests.output.code_scanning import upload_problems

SARIF_SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "real-world" / "schemas" / "sarif-schema-2.1.0.json")
                          .read_text())


def load_prepare() -> ModuleType:
    spec = importlib.util.spec_from_file_location("relgate_action_prepare", ROOT / "action" / "prepare.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


prepare = load_prepare()


def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(QUICKSTART, ws / "deploy", ignore=shutil.ignore_patterns(".relgate"))
    return ws


def test_full_run_installs_from_a_copy_caches_and_writes_every_file(tmp_path: Path) -> None:
    action = action_checkout(ROOT, tmp_path / "checkout")
    before = snapshot(action)
    ws = workspace(tmp_path)
    env = runner_env(tmp_path, GITHUB_WORKSPACE=str(ws), GITHUB_PATH=str(tmp_path / "path.txt"))
    inputs = {"working-directory": "deploy", "outputs": "sarif=out/g.sarif json=out/d.json junit=out/j.xml"}
    first = run_action(action, ws, inputs, env)
    assert first.ran == ["prepare", "cache", "install", "gate"], first.stdout
    assert first.returncode == 1 and first.outputs["decision"] == "deny", first.stdout
    assert snapshot(action) == before  # nothing built into the action's checkout: no build/, no *.egg-info
    venv = Path(first.steps["prepare"]["venv"])
    assert venv.is_relative_to(tmp_path / "tool-cache") and (venv / "relgate-action-key").is_file()
    key = first.steps["prepare"]["key"]
    python = re.escape(".".join(map(str, sys.version_info[:3])))
    assert re.fullmatch(rf"relgate-Linux-X64-cpython{python}-0\.1\.0-[0-9a-f]{{16}}-base", key), key
    sarif = (ws / "deploy" / "out" / "g.sarif").read_text()
    assert upload_problems(sarif) == []
    config_result = next(r for r in json.loads(sarif)["runs"][0]["results"] if r["ruleId"] == "tests.pass_rate")
    assert config_result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "deploy/relgate.yaml"
    assert (tmp_path / "path.txt").read_text().strip() == str(venv / "bin")  # `relgate` for later steps

    second = run_action(action, ws, inputs, env)  # the same runner: the virtual environment is reused
    assert second.steps["prepare"]["cached"] == "true" and second.ran == ["prepare", "gate"]
    assert second.outputs["decision"] == "deny"
    restored = run_action(action, ws, inputs, {**env, "RUNNER_TOOL_CACHE": str(tmp_path / "elsewhere")},
                          cache_hit=True)  # a fresh runner whose actions/cache restored the venv: no install
    assert restored.ran == ["prepare", "cache", "gate"]


def fake_python(directory: Path, version: str) -> Path:
    """A `python3` that is too old: answers the version probe, fails the >= 3.10 check."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "python3"
    script.write_text(f'#!/bin/sh\ncase "$2" in *"sys.version_info[:3]"*) echo {version};; '
                      f'*">= (3, 10)"*) exit 1;; esac\nexit 0\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.mark.parametrize("mode", ["enforce", "warn"])
def test_a_python_too_old_is_refused_clearly_and_every_output_is_still_written(tmp_path: Path, mode: str) -> None:
    old = fake_python(tmp_path / "bin", "3.8.10")
    ws = workspace(tmp_path)
    env = runner_env(tmp_path, GITHUB_WORKSPACE=str(ws))
    env["PATH"] = f"{old.parent}{os.pathsep}{env['PATH']}"
    outputs = "sarif=out/g.sarif json=out/d.json junit=out/j.xml markdown=out/s.md text=out/t.txt"
    run = run_action(ROOT, ws, {"working-directory": "deploy", "outputs": outputs, "mode": mode,
                                "environment": "production"}, env)
    assert run.ran == ["prepare", "gate"]
    assert run.returncode == (0 if mode == "warn" else 2)
    kind = "warning" if mode == "warn" else "error"
    assert (f"::{kind} title=relgate error::relgate could not run: relgate needs Python 3.10 or newer; python3 "
            "is Python 3.8.10: add actions/setup-python with python-version 3.12") in run.stdout
    assert run.outputs == {"decision": "error", "allowed": "false", "audit-id": "", "record-path": "",
                           "violations": "0"}
    out = ws / "deploy" / "out"
    sarif = (out / "g.sarif").read_text()
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(json.loads(sarif))
    assert upload_problems(sarif) == []
    run_doc = json.loads(sarif)["runs"][0]
    assert run_doc["invocations"][0]["executionSuccessful"] is False
    assert run_doc["automationDetails"]["id"] == "relgate/-/production/"
    assert json.loads((out / "d.json").read_text())["errors"][0].startswith("relgate could not run: relgate needs")
    assert ET.parse(out / "j.xml").getroot().get("errors") == "1"
    summary = (tmp_path / "summary.md").read_text()
    assert "relgate: error" in summary and "no decision could be made" in summary and "evaluated at" not in summary
    assert (out / "s.md").read_text() == summary
    assert "relgate: ERROR" in (out / "t.txt").read_text()


def test_no_python_at_all_and_a_bad_version_input(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    env = runner_env(tmp_path, GITHUB_WORKSPACE=str(ws))
    missing = run_action(ROOT, ws, {"python": "/nonexistent/python3.12"}, env)
    assert missing.returncode == 2 and "relgate needs Python 3.10 or newer; /nonexistent/python3.12" in missing.stdout
    bad = run_action(ROOT, ws, {"version": "latest; rm -rf /"}, env)
    assert bad.returncode == 2 and "input version: expected a release version like 0.2.0" in bad.stdout
    extras = run_action(ROOT, ws, {"extras": "postgres, mysql"}, env)
    assert extras.returncode == 2 and "input extras: unknown mysql" in extras.stdout


def test_hostile_inputs_reach_the_scripts_only_as_data(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    env = runner_env(tmp_path, GITHUB_WORKSPACE=str(ws))
    evil = '$(touch PWNED)`touch PWNED2`"; touch PWNED3 #\n::error::forged'
    run = run_action(ROOT, ws, {"python": evil, "environment": evil, "outputs": "json=out/d.json"}, env)
    assert not list(ws.rglob("PWNED*")) and not list(Path.cwd().glob("PWNED*"))
    commands = [line for line in run.stdout.splitlines() if line.startswith("::")]
    assert len(commands) == 1 and "::error::forged" not in commands[0] and "%0A" not in commands[0]
    assert json.loads((ws / "out" / "d.json").read_text())["decision"] == "error"


def test_the_venv_interpreter_and_key_per_platform() -> None:
    venv = Path("/cache/relgate")
    assert prepare.venv_python(venv, windows=True) == venv / "Scripts" / "python.exe"
    assert prepare.venv_python(venv, windows=False) == venv / "bin" / "python"
    base = {"RUNNER_OS": "Windows", "RUNNER_ARCH": "ARM64"}
    key = prepare.cache_key(base)
    assert key.startswith("relgate-Windows-ARM64-cpython") and key.endswith("-base")
    assert prepare.cache_key({**base, "RELGATE_EXTRAS": "postgres"}).endswith("-postgres")
    assert prepare.cache_key({**base, "RELGATE_VERSION": "v0.3.1"}).split("-")[4] == "0.3.1"
    assert prepare.cache_key({**base, "RELGATE_VERSION": "0.1.0"}) == key  # its own version: its own files
    assert prepare.venv_dir({"RUNNER_TOOL_CACHE": "C:\\hostedtoolcache"}, key).name == key


def runtime_requirements(name: str, extras: frozenset[str], seen: set[str]) -> set[str]:
    """Every distribution `name` (with `extras`) pulls in here, by the markers of this Python."""
    found = set()
    for text in metadata.requires(name) or []:
        requirement = Requirement(text)
        if requirement.marker and not any(requirement.marker.evaluate({"extra": e}) for e in (extras or {""})):
            continue
        canonical = re.sub(r"[-_.]+", "-", requirement.name).lower()
        if canonical not in seen:
            seen.add(canonical)
            found |= {canonical, *runtime_requirements(requirement.name, frozenset(requirement.extras), seen)}
    return found


def test_the_constraints_pin_everything_the_action_installs() -> None:
    pins: dict[str, list[str]] = {}
    for line in (ROOT / "action" / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate():
                pins.setdefault(re.sub(r"[-_.]+", "-", requirement.name).lower(), []).append(str(requirement.specifier))
    needed = runtime_requirements("relgate", frozenset({"postgres", "opa-server"}), set())
    assert needed - set(pins) == set(), "not pinned in action/constraints.txt"
    assert all(len(specs) == 1 and specs[0].startswith("==") for specs in pins.values())
    assert Marker('python_version < "3.11"').evaluate({"python_version": "3.10"})
