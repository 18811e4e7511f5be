"""Run action.yml's composite steps as a runner does, closely enough to test the wiring and the scripts.

It reads action.yml, evaluates each step's `if:` (the `==`, `!=` and `&&` forms the
action uses), fills `${{ inputs.* }}`, `${{ steps.*.outputs.* }}` and
`${{ github.action_repository }}` in `env:`, `with:` and `working-directory:`, runs
`run:` steps with bash in a fresh GITHUB_OUTPUT file each, and stands in for
`actions/cache` (a miss unless told otherwise). The runner's own parsing of
GITHUB_OUTPUT's `name<<DELIMITER` blocks is reproduced.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

_EXPR = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


@dataclass
class ActionRun:
    """What one run of the action produced."""

    returncode: int
    stdout: str
    outputs: dict[str, str]
    steps: dict[str, dict[str, str]] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)


def parse_outputs(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            values[name] = "\n".join(lines[i + 1:end])
            i = end + 1
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
            i += 1
        else:
            i += 1
    return values


class Context:
    def __init__(self, inputs: dict[str, str], repository: str) -> None:
        self.inputs = inputs
        self.steps: dict[str, dict[str, str]] = {}
        self.repository = repository

    def value(self, expression: str) -> str:
        parts = expression.strip().split(".")
        if parts[0] == "inputs":
            return self.inputs.get(".".join(parts[1:]), "")
        if parts[0] == "steps" and parts[2] == "outputs":
            return self.steps.get(parts[1], {}).get(".".join(parts[3:]), "")
        if expression.strip() == "github.action_repository":
            return self.repository
        raise AssertionError(f"expression this stand-in does not know: {expression}")

    def fill(self, text: str) -> str:
        return _EXPR.sub(lambda m: self.value(m.group(1)), text)

    def condition(self, expression: str) -> bool:
        for clause in expression.split("&&"):
            match = re.fullmatch(r"\s*([\w.-]+)\s*(==|!=)\s*'([^']*)'\s*", clause)
            assert match, f"condition this stand-in does not know: {clause}"
            left = self.value(match.group(1))
            if (left == match.group(3)) != (match.group(2) == "=="):
                return False
        return True


def run_action(action_dir: Path, workspace: Path, inputs: dict[str, str], env: dict[str, str],
               cache_hit: bool = False, repository: str = "") -> ActionRun:
    """Run the composite action at `action_dir` with `inputs` (defaults from action.yml) in `workspace`."""
    action = yaml.safe_load((action_dir / "action.yml").read_text())
    given = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    unknown = set(inputs) - set(given)
    assert not unknown, f"not inputs of the action: {unknown}"
    given.update(inputs)
    context = Context(given, repository)
    stdout: list[str] = []
    ran: list[str] = []
    returncode = 0
    for index, step in enumerate(action["runs"]["steps"]):
        ident = step.get("id", f"step{index}")
        if "if" in step and not context.condition(step["if"]):
            continue
        ran.append(ident)
        if "uses" in step:
            assert step["uses"].startswith("actions/cache@"), step["uses"]
            context.steps[ident] = {"cache-hit": "true" if cache_hit else "false"}
            continue
        output_file = workspace.parent / f"github-output-{ident}"
        output_file.write_text("")
        step_env = {**env, "GITHUB_ACTION_PATH": str(action_dir), "GITHUB_OUTPUT": str(output_file),
                    **{k: context.fill(str(v)) for k, v in step.get("env", {}).items()}}
        cwd = workspace / context.fill(step.get("working-directory", "."))
        done = subprocess.run(["bash", "-c", step["run"]], cwd=cwd, env=step_env, capture_output=True, text=True,
                              timeout=600, check=False)
        stdout.append(done.stdout + done.stderr)
        context.steps[ident] = parse_outputs(output_file.read_text())
        if done.returncode != 0:
            returncode = done.returncode
            break
    outputs = {name: context.fill(str(spec["value"])) for name, spec in action["outputs"].items()}
    return ActionRun(returncode, "".join(stdout), outputs, context.steps, ran)


def action_checkout(root: Path, target: Path) -> Path:
    """The files a `uses: OWNER/relgate@ref` checkout holds that the action needs, copied to `target`."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    target.mkdir(parents=True, exist_ok=True)
    for name in ("action.yml", "pyproject.toml", "README.md"):
        shutil.copy2(root / name, target / name)
    shutil.copytree(root / "action", target / "action", ignore=ignore)
    shutil.copytree(root / "src", target / "src", ignore=ignore)
    return target


def snapshot(directory: Path) -> dict[str, int]:
    return {str(p.relative_to(directory)): p.stat().st_mtime_ns for p in directory.rglob("*")}


def runner_env(tmp: Path, **extra: str) -> dict[str, str]:
    """What a hosted runner sets for a step, minus what the test does not need."""
    for name in ("summary.md", "tool-cache", "temp"):
        path = tmp / name
        if name.endswith(".md"):
            path.write_text("")
        else:
            path.mkdir(exist_ok=True)
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PIP_FIND_LINKS", "PIP_CERT",
                                                         "PIP_DEFAULT_TIMEOUT", "PIP_DISABLE_PIP_VERSION_CHECK",
                                                         "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "SSL_CERT_FILE")}
    return {**base, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
            "RUNNER_TOOL_CACHE": str(tmp / "tool-cache"), "RUNNER_TEMP": str(tmp / "temp"), "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/checkout",
            "GITHUB_RUN_ID": "77", "GITHUB_ACTOR": "lee", **extra}
