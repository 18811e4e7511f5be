"""End to end: Trivy's secret and misconfiguration findings gate a release per category."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from relgate.cli import main
from tests.conftest import QUICKSTART_AT, ROOT

TRIVY = ROOT / "tests" / "fixtures" / "real-world" / "trivy"


def gate(directory: Path, report: str, vulnerabilities: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    shutil.copy(TRIVY / report, directory / "trivy.json")
    (directory / "relgate.yaml").write_text(
        "version: 1\nservice: s\nenvironment: e\npolicies: [builtin]\naudit: {enabled: false}\n"
        f"data: {{vulnerabilities: {json.dumps(vulnerabilities)}}}\n"
        "sources:\n  - {type: trivy, name: trivy, path: trivy.json}\n")
    result = CliRunner().invoke(main, ["check", "--config", str(directory / "relgate.yaml"), "--at", QUICKSTART_AT,
                                       "--json", "--no-audit"], catch_exceptions=False)
    decision: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, decision


def test_a_critical_aws_key_blocks_the_release(tmp_path: Path) -> None:
    code, decision = gate(tmp_path, "trivy-repo-secrets.json", {"max_by_category": {"secret": {"critical": 0}}})
    assert code == 1
    (violation,) = decision["violations"]
    assert violation["id"] == "vulnerabilities.category_max_exceeded"
    assert violation["msg"] == "1 critical secret findings exceed the maximum of 0: aws-access-key-id"


def test_secrets_left_out_of_the_categories_do_not_count(tmp_path: Path) -> None:
    settings = {"max": {"critical": 0}, "categories": ["vulnerability"]}
    code, decision = gate(tmp_path, "trivy-repo-secrets.json", settings)
    assert (code, decision["decision"]) == (0, "allow")


def test_k8s_misconfigurations_count_under_max(tmp_path: Path) -> None:
    code, decision = gate(tmp_path, "trivy-k8s-cluster-scoped-resources.json", {"max": {"medium": 1}})
    assert code == 1
    (violation,) = decision["violations"]
    assert violation["details"]["findings"] == ["KSV001", "KSV113"]
