"""The opa-server engine over OPA's documented REST API (`responses` plays the server)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from click.testing import CliRunner

from relgate.cli import main
from relgate.engines import make_engine
from relgate.engines.opa_server import policy_id
from relgate.errors import EngineError, PolicyError
from relgate.policy import load_policies
from tests.conftest import QUICKSTART_AT, ROOT

OPA = "http://opa.internal:8181"
FIXTURES = ROOT / "tests" / "fixtures" / "real-world" / "opa"


class FakeOpa:
    """Answers /v1/data/relgate by asking the embedded engine, as an OPA with the same policies would."""

    def __init__(self, provenance: dict[str, Any] | None = None) -> None:
        self.policies: dict[str, str] = {}
        self.data: dict[str, Any] = {}
        self.provenance = provenance

    def put_policy(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        self.policies[str(request.url).split("/v1/policies/", 1)[1]] = str(request.body.decode())  # type: ignore[union-attr]
        return 200, {}, "{}"

    def put_data(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        self.data[str(request.url).rsplit("/", 1)[1]] = json.loads(request.body or "null")
        return 204, {}, ""

    def query(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        engine = make_engine("regorus")
        engine.load(load_policies(["builtin"], ROOT), self.data or {"config": {}, "waivers": []})
        body: dict[str, Any] = {"result": engine.query("data.relgate", json.loads(request.body or "{}")["input"])}
        if self.provenance:
            body["provenance"] = self.provenance
        return 200, {}, json.dumps(body)

    def register(self) -> None:
        responses.add_callback(responses.PUT, re.compile(f"{OPA}/v1/policies/.*"), callback=self.put_policy)
        responses.add_callback(responses.PUT, re.compile(f"{OPA}/v1/data/.*"), callback=self.put_data)
        responses.add_callback(responses.POST, re.compile(f"{OPA}/v1/data/relgate.*"), callback=self.query)


def gate(quickstart: Path, opa: dict[str, Any]) -> Any:
    text = quickstart.read_text() + f"engine: opa-server\nopa: {json.dumps(opa)}\n"
    quickstart.write_text(text)
    return CliRunner().invoke(main, ["check", "--config", str(quickstart), "--at", QUICKSTART_AT, "--json"],
                              catch_exceptions=False)


@responses.activate
def test_pushes_policies_and_data_then_decides_like_the_embedded_engine(quickstart: Path) -> None:
    server = FakeOpa()
    server.register()
    remote = gate(quickstart, {"url": OPA, "token": "opa-secret-token"})
    assert remote.exit_code == 1
    decision = json.loads(remote.stdout)
    assert sorted(server.policies) == sorted(policy_id(f"builtin/{p.name}")
                                             for p in (ROOT / "policies").glob("*.rego") if "_test" not in p.name)
    assert server.data["config"]["vulnerabilities"] == {"max": {"critical": 0, "high": 5}}
    assert server.data["waivers"] == [{"id": "WVR-1", "policy": "relgate.vulnerabilities", "match": "CVE-2026-0001"}]
    assert {c.request.headers["Authorization"] for c in responses.calls} == {"Bearer opa-secret-token"}
    assert "provenance=true" in str(responses.calls[-1].request.url)
    embedded = json.loads(CliRunner().invoke(main, ["check", "--config", str(quickstart), "--at", QUICKSTART_AT,
                                                    "--json", "--engine", "regorus", "--no-audit"]).stdout)
    for key in ("decision", "violations", "warnings", "waived"):
        assert decision[key] == embedded[key], key
    assert decision["engine"] == "opa-server"


@responses.activate
def test_without_push_the_bundle_revision_is_recorded(quickstart: Path) -> None:
    provenance = json.loads((FIXTURES / "data-api" / "post-v1-data-example.provenance.response.json").read_text())
    server = FakeOpa(provenance["provenance"])
    server.data = {"config": {"tests": {"min_pass_rate": 0.5}}, "waivers": []}
    server.register()
    result = gate(quickstart, {"url": OPA, "push": False})
    assert not server.policies
    decision = json.loads(result.stdout)
    assert decision["policy_digest"] == "opa-bundles:authz@ID-b1298a6c-6ad8-11e9-a26f-d38b5ceadad5"
    assert result.exit_code == 0  # the server's own thresholds decided
    record = json.loads((quickstart.parent / ".relgate" / "audit.jsonl").read_text())
    assert record["data"]["customData"]["decision_log"]["bundles"]["relgate"]["revision"].startswith("opa-bundles:")


@responses.activate
def test_compile_error_names_our_file_and_line() -> None:
    body = json.loads((FIXTURES / "error-invalid-parameter.response.json").read_text())
    body["errors"][0]["location"]["file"] = policy_id("builtin/approvals.rego")
    responses.put(re.compile(f"{OPA}/v1/policies/.*"), status=400, json=body)
    engine = make_engine("opa-server", {"url": OPA})
    with pytest.raises(PolicyError, match=r"^builtin/approvals\.rego:3:1: var x is unsafe$"):
        engine.load(load_policies(["builtin"], ROOT), {"config": {}})


@responses.activate
def test_server_error_fails_closed(quickstart: Path) -> None:
    responses.put(re.compile(f"{OPA}/v1/.*"), status=200, json={})
    responses.post(re.compile(f"{OPA}/v1/data/relgate.*"), status=500,
                   json={"code": "internal_error", "message": "storage closed"})
    result = gate(quickstart, {"url": OPA, "retries": 0})
    assert result.exit_code == 2
    assert "opa-server http://opa.internal:8181: data.relgate failed: HTTP 500 (storage closed)" in result.stderr


def test_unreachable_server_is_an_engine_error() -> None:
    engine = make_engine("opa-server", {"url": "http://127.0.0.1:9", "retries": 0, "push": False})
    with pytest.raises(EngineError, match="cannot connect"):
        engine.query("data.relgate", {})


def test_bad_url_is_a_config_error() -> None:
    with pytest.raises(Exception, match=r"opa\.url: expected http\(s\)://host:port"):
        make_engine("opa-server", {"url": "opa:8181"})
