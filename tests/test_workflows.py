"""The repository's workflows, the examples and the README's snippets match what action.yml and the CLI accept.

These workflows cannot run here; their structure is checked instead: the inputs
and outputs they use exist, every relgate command they run parses, no expression
is pasted into a script, and the release workflow builds what this test builds.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from relgate.cli import main
from tests.conftest import ROOT

ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
EXAMPLES = sorted((ROOT / "examples" / "github").glob("*.yml"))


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    if True in document:  # YAML 1.1 reads the key `on` as a boolean
        document["on"] = document.pop(True)
    return document


def steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def is_relgate(step: dict[str, Any]) -> bool:
    uses = str(step.get("uses", ""))
    return uses == "./" or re.fullmatch(r"[\w.-]+/relgate@[\w.-]+", uses) is not None


def relgate_commands(script: str) -> list[list[str]]:
    commands = []
    for line in script.splitlines():
        line = line.strip()
        if line.startswith("relgate "):
            words = shlex.split(line.split(" >", 1)[0].split(" |", 1)[0])
            commands.append(words[1:])
    return commands


def parse_cli(args: list[str]) -> None:
    """Resolve the subcommand path and parse the options as click would (unknown ones raise)."""
    command: click.Command = main
    context = main.make_context("relgate", list(args), resilient_parsing=True)
    rest = list(args)
    while isinstance(command, click.Group):
        name, rest = rest[0], rest[1:]
        found = command.get_command(context, name)
        assert found is not None, f"no command {name!r} in relgate {' '.join(args)}"
        command = found
        context = command.make_context(name, list(rest), parent=context, resilient_parsing=isinstance(
            command, click.Group))


@pytest.mark.parametrize("path", WORKFLOWS + EXAMPLES, ids=lambda p: p.name)
def test_workflow_uses_only_what_the_action_and_the_cli_accept(path: Path) -> None:
    document = load(path)
    assert document["on"] and document["jobs"]
    ids = {}
    for step in steps(document):
        assert "${{" not in str(step.get("run", "")), (path.name, step.get("name"))  # expressions go through env
        if is_relgate(step):
            unknown = set(step.get("with", {})) - set(ACTION["inputs"])
            assert not unknown, f"{path.name}: not inputs of action.yml: {unknown}"
            if "id" in step:
                ids[step["id"]] = step
        for args in relgate_commands(str(step.get("run", ""))):
            parse_cli(args)
    text = path.read_text()
    for ident, name in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text):
        if ident in ids:
            assert name in ACTION["outputs"], f"{path.name}: {name} is not an output of action.yml"
    assert "pip install relgate" not in text  # relgate is not on PyPI yet: the action or the repository


def test_the_action_runs_on_all_three_systems_and_on_every_outcome() -> None:
    gate = load(ROOT / ".github" / "workflows" / "gate.yml")
    job = gate["jobs"]["gate"]
    assert set(job["strategy"]["matrix"]["os"]) == {"ubuntu-latest", "macos-latest", "windows-latest"}
    uses = [s for s in job["steps"] if s.get("uses") == "./"]
    assert {s["with"].get("mode") for s in uses} == {"warn"} and len(uses) == 2
    assert any("does-not-exist" in s["with"].get("config", "") for s in uses)  # the error path writes files too
    upload = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif"))
    assert upload["if"].startswith("always()")
    old = gate["jobs"]["old-python"]
    assert any(s.get("with", {}).get("python-version") == "3.9" for s in old["steps"])


def test_examples_keep_one_audit_chain_and_publish_a_checkpoint() -> None:
    branch = (ROOT / "examples" / "github" / "audit-log-on-a-branch.yml").read_text()
    assert "concurrency:" in branch and "relgate audit checkpoint" in branch and "git push" in branch
    postgres = load(ROOT / "examples" / "github" / "audit-store-postgresql.yml")
    gate = next(s for s in steps(postgres) if is_relgate(s))
    assert gate["with"]["extras"] == "postgres"
    text = (ROOT / "examples" / "github" / "audit-store-postgresql.yml").read_text()
    assert "relgate audit checkpoint --store" in text


def test_release_workflow_publishes_with_trusted_publishing_on_tags() -> None:
    release = load(ROOT / ".github" / "workflows" / "release.yml")
    assert release["on"] == {"push": {"tags": ["v*"]}}
    build = "\n".join(str(s.get("run", "")) for s in release["jobs"]["build"]["steps"])
    assert "python -m build --sdist --wheel" in build
    publish = release["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"} and publish["environment"] == "pypi"
    assert any(str(s.get("uses", "")).startswith("pypa/gh-action-pypi-publish@") for s in publish["steps"])
    assert "password" not in str(publish) and "token" not in str(publish.get("steps"))  # OIDC, no stored secret


def test_the_release_build_makes_a_complete_sdist_and_wheel(tmp_path: Path) -> None:
    source = tmp_path / "src-copy"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "*.egg-info", "__pycache__",
                                                                "build", "dist", ".hypothesis", ".*_cache"))
    done = subprocess.run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir",
                           str(tmp_path / "dist"), str(source)], capture_output=True, text=True, check=False,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("relgate-*-py3-none-any.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("relgate/policies/tests.rego", "relgate/schemas/config.schema.json", "relgate/engines/gaps.json",
                   "relgate/py.typed"):
        assert needed in names, needed
    sdist = next((tmp_path / "dist").glob("relgate-*.tar.gz"))
    with tarfile.open(sdist) as archive:
        members = archive.getnames()
    assert any(m.endswith("/pyproject.toml") for m in members) and any(m.endswith("/README.md") for m in members)


def test_readme_action_snippets_use_real_inputs_and_make_no_pypi_claim() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "relgate@" in b]
    used = [step for block in blocks for step in (block if isinstance(block, list) else
                                                   [s for job in block.get("jobs", {}).values()
                                                    for s in job.get("steps", [])])] if blocks else []
    relgate_steps = [s for s in used if isinstance(s, dict) and is_relgate(s)]
    assert len(relgate_steps) >= 2
    for step in relgate_steps:
        assert set(step.get("with", {})) <= set(ACTION["inputs"]), step
    snippets = "".join(b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "relgate@" in b)
    commented = set(re.findall(r"^ +# ([a-z-]+): ", snippets, re.M))  # inputs shown commented out
    assert {"version", "extras", "cache"} <= commented <= set(ACTION["inputs"])
    assert "pip install relgate" not in readme and "pip install relgate[" not in readme
