"""Secrets placed in the environment, config data, URLs and headers never reach any output, error, record or spool.

A policy here echoes its whole data and input into messages, ids and details: the
worst a policy author (or a compromised policy) can do with what relgate gives it.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from relgate.cli import main
from relgate.redact import MASK, forget_all
from tests.conftest import QUICKSTART_AT
from tests.test_redact import SECRETS

ECHO = """package relgate.echo

import rego.v1

deny contains {"msg": sprintf("config %v", [data.config]), "id": sprintf("echo.%v", [data.config]),
               "details": {"config": data.config, "input": input}}

warn contains sprintf("change %v", [input.change])
"""
FORMATS = ("json", "sarif", "junit", "markdown", "github")
# Fenced so that a short random secret cannot be an innocent substring of a field name or a hash.
FENCED = SECRETS.map(lambda s: f"Zq{s}Jx")


def gate_dir(base: Path) -> Path:
    (base / "policies").mkdir(parents=True)
    (base / "policies" / "echo.rego").write_text(ECHO)
    sink = {"url": "http://127.0.0.1:9/ingest?access_token=${SINK_TOKEN}", "name": "lake", "retries": 0,
            "timeout": 1, "headers": {"Authorization": "Bearer ${SINK_BEARER}", "X-Tenant": "${TENANT}"}}
    config = {
        "version": 1, "service": "checkout", "environment": "production", "policies": ["policies"],
        "data": {"webhook_token": "${HOOK_TOKEN}", "notify": {"url": "https://bot:${DB_PASSWORD}@hooks.example/x",
                                                               "plain": "${API_KEY}"},
                 "session_cookie": "sid=${SESSION}"},
        "sources": [{"type": "file", "name": "change", "path": "change.json", "key": "change_facts"}],
        "audit": {"log": "audit.jsonl", "spool": "spool", "sinks": [sink]},
    }
    (base / "relgate.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (base / "change.json").write_text(json.dumps({"ticket": "CHG-1"}))
    return base / "relgate.yaml"


def everything_written(base: Path, *results: Result) -> str:
    """stdout and stderr of every run, and every file the runs left behind (outputs, log, spool)."""
    texts = [r.stdout + "\n" + r.stderr for r in results]
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(base.rglob("*")) if p.is_file()]
    return "\n".join(texts)


@given(secrets=st.lists(FENCED, min_size=7, max_size=7, unique=True))
@settings(max_examples=8, deadline=None)
def test_no_secret_reaches_any_output_error_record_or_spool(secrets: list[str]) -> None:
    names = ["HOOK_TOKEN", "DB_PASSWORD", "API_KEY", "SESSION", "SINK_TOKEN", "SINK_BEARER", "TENANT"]
    env = dict(zip(names, secrets, strict=True))
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        config = gate_dir(base)
        runner = CliRunner()
        outputs = [f"{name}={base / 'out' / name}" for name in FORMATS]
        check = runner.invoke(main, ["check", "--config", str(config), "--at", QUICKSTART_AT, "--json",
                                     *[arg for o in outputs for arg in ("--output", o)]],
                              env={**env, "GITHUB_STEP_SUMMARY": str(base / "summary.md"),
                                   "GITHUB_OUTPUT": str(base / "gh-output")}, catch_exceptions=False)
        context = runner.invoke(main, ["context", "--config", str(config), "--at", QUICKSTART_AT], env=env,
                                catch_exceptions=False)
        forget_all()  # a later process knows nothing of this run's secrets: the stored bytes must be clean
        listing = runner.invoke(main, ["audit", "list", "--log", str(base / "audit.jsonl")], catch_exceptions=False)
        assert check.exit_code == 1, check.stderr
        assert list((base / "spool").rglob("*.json")), "the undeliverable record was spooled"
        written = everything_written(base, check, context, listing)
        for name, secret in env.items():
            assert secret not in written, f"{name} leaked"
        record = json.loads((base / "audit.jsonl").read_text().splitlines()[0])
        replay_data = record["data"]["customData"]["replay"]["data"]
        assert replay_data["webhook_token"] == MASK and replay_data["session_cookie"] == MASK


def test_a_malformed_signing_key_in_the_environment_is_not_echoed(quickstart: Path) -> None:
    key = "MC4CAQAwBQYDK2VwBCIEIHv7cQyXq0Jm3xJ5tLw4b2mNf8sR1uVzA9kE6pYhD0gT"
    result = CliRunner().invoke(main, ["check", "--config", str(quickstart), "--at", QUICKSTART_AT],
                                env={"RELGATE_SIGNING_KEY": key}, catch_exceptions=False)
    assert result.exit_code == 2
    assert "RELGATE_SIGNING_KEY" in result.stderr and "cannot read key file" in result.stderr
    assert key[:12] not in result.output and key[:12] not in everything_written(quickstart.parent)


def test_a_prometheus_header_with_a_newline_is_one_clean_line_everywhere(tmp_path: Path) -> None:
    secret = "prom-token-5f2a9c71d0"
    config = tmp_path / "relgate.yaml"
    config.write_text(yaml.safe_dump({
        "version": 1, "service": "api", "environment": "production", "policies": ["builtin"],
        "data": {"slo": {"min_error_budget": 0}},
        "sources": [{"type": "prometheus", "name": "slo", "url": "http://127.0.0.1:9",
                     "headers": {"Authorization": "Bearer ${PROM_TOKEN}"},
                     "slos": [{"name": "api", "objective": 0.99, "error_ratio": "x{{window}}"}]}],
        "audit": {"log": "audit.jsonl"},
    }))
    result = CliRunner().invoke(main, ["check", "--config", str(config), "--json"],
                                env={"PROM_TOKEN": f"{secret}\nX-Injected: yes"}, catch_exceptions=False)
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("relgate: error:")]
    assert errors == ["relgate: error: required source 'slo' failed: source 'slo': headers.Authorization: "
                      "a header value must be one line of visible ASCII without leading or trailing space "
                      "(the value is not shown)"]
    written = everything_written(tmp_path, result)
    assert secret not in written and "X-Injected" not in written
    assert json.loads(result.stdout)["decision"] == "error"
