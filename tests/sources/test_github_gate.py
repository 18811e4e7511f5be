"""A gate run with the GitHub source: approvals and required checks from GitHub decide; the token stays secret."""

from __future__ import annotations

import json
from pathlib import Path

import responses
import yaml
from click.testing import CliRunner

from relgate.cli import main
from tests.sources.test_github import API, REPO, TOKEN, event_file, register_gate_run


def config(tmp_path: Path, required: list[str]) -> Path:
    doc = {
        "version": 1, "service": "checkout", "environment": "production", "policies": ["builtin"],
        "data": {"approvals": {"min": 2, "max_age_hours": 72}, "checks": {"required": required}},
        "sources": [{"type": "github", "repo": "${GITHUB_REPOSITORY}", "token": "${GITHUB_TOKEN}", "api_url": API}],
    }
    path = tmp_path / "relgate.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def run(tmp_path: Path, required: list[str]) -> tuple[int, dict[str, object], str]:
    env = {"GITHUB_REPOSITORY": REPO, "GITHUB_TOKEN": TOKEN, "GITHUB_EVENT_PATH": str(event_file(tmp_path)),
           "GITHUB_ACTIONS": "true", "GITHUB_SHA": "merge-commit-sha"}
    result = CliRunner().invoke(main, ["check", "--config", str(config(tmp_path, required)),
                                       "--at", "2019-11-18T17:43:43Z", "--json"], env=env, catch_exceptions=False)
    log = (tmp_path / ".relgate" / "audit.jsonl").read_text()
    return result.exit_code, json.loads(result.stdout), result.stderr + result.stdout + log


@responses.activate
def test_gate_allows_with_two_fresh_approvals_and_green_checks(tmp_path: Path) -> None:
    register_gate_run()
    code, decision, everything = run(tmp_path, ["continuous-integration/jenkins", "security/brakeman"])
    assert code == 0, decision
    assert TOKEN not in everything


@responses.activate
def test_gate_denies_on_a_check_that_did_not_succeed(tmp_path: Path) -> None:
    register_gate_run()
    code, decision, everything = run(tmp_path, ["mighty_readme"])
    assert code == 1
    (violation,) = decision["violations"]  # type: ignore[misc]
    assert violation["id"] == "checks.required"
    assert violation["details"]["observed"] == [
        {"app": "octoapp", "status": "completed", "conclusion": "neutral", "completed_at": "2018-05-04T01:14:52Z"}
    ]
    assert TOKEN not in everything


@responses.activate
def test_gate_errors_when_github_rejects_the_token(tmp_path: Path) -> None:
    responses.get(f"{API}/repos/{REPO}/pulls/1347", status=401, json={"message": "Bad credentials"})
    code, decision, everything = run(tmp_path, ["build"])
    assert code == 2 and decision["decision"] == "error"
    assert "GitHub rejected the token" in everything and TOKEN not in everything
