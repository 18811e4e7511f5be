"""Attestations: an in-toto SLSA verification summary in DSSE, signed with the audit key."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from relgate.audit.attest import PAYLOAD_TYPE, pae
from relgate.audit.chain import key_id
from relgate.cli import main
from tests.audit.helpers import pem_pair
from tests.conftest import QUICKSTART_AT

COMMIT = "9f2c1e7a4b8d6c3e5f0a1b2c3d4e5f6a7b8c9d0e"


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_attest_and_verify(quickstart: Path, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    private, public = pem_pair(key, tmp_path)
    env = {"RELGATE_SIGNING_KEY": private, "GITHUB_ACTIONS": "true", "GITHUB_SHA": COMMIT}
    invoke("check", "--config", str(quickstart), "--at", QUICKSTART_AT, env=env)
    record_id = invoke("audit", "list", "--config", str(quickstart)).stdout.splitlines()[1].split()[1]
    out = tmp_path / "gate.intoto.json"
    made = invoke("audit", "attest", record_id, "--config", str(quickstart), "--output", str(out), env=env)
    assert made.exit_code == 0, made.output
    document = json.loads(out.read_text())
    payload = base64.b64decode(document["payload"])
    key.public_key().verify(base64.b64decode(document["signatures"][0]["sig"]), pae(PAYLOAD_TYPE, payload))
    claim = json.loads(payload)
    assert claim["_type"] == "https://in-toto.io/Statement/v1"
    assert claim["predicateType"] == "https://slsa.dev/verification_summary/v1"
    assert claim["subject"] == [{"name": f"git+commit:{COMMIT}", "digest": {"gitCommit": COMMIT}}]
    predicate = claim["predicate"]
    assert predicate["verificationResult"] == "FAILED" and predicate["verifier"]["version"]["relgate"]
    assert len(predicate["policy"]["digest"]["sha256"]) == 64
    assert {a["uri"] for a in predicate["inputAttestations"]} == {
        "relgate-evidence:scans", "relgate-evidence:tests", "relgate-evidence:change"}
    checked = invoke("audit", "verify-attestation", str(out), "--key", str(public))
    assert checked.exit_code == 0, checked.output
    signed, attests, policy = checked.stdout.splitlines()
    assert signed == f"signature valid: signed by key {key_id(key.public_key())}"
    assert attests.startswith(f"attests: the gate did not pass git+commit:{COMMIT} (decision deny, SLSA "
                              "verificationResult FAILED) at ")
    assert policy.startswith(f"policy: sha256:{predicate['policy']['digest']['sha256']} (relgate:checkout/production)")
    assert "{" not in checked.stdout


def test_a_private_key_as_key_is_a_usage_error(quickstart: Path, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    private, _ = pem_pair(key, tmp_path)
    env = {"RELGATE_SIGNING_KEY": private, "GITHUB_ACTIONS": "true", "GITHUB_SHA": COMMIT}
    invoke("check", "--config", str(quickstart), "--at", QUICKSTART_AT, env=env)
    row = invoke("audit", "list", "--config", str(quickstart)).stdout.splitlines()[1].split()
    assert row[-1] == COMMIT  # the commit column shows the commit
    record_id = row[1]
    out = tmp_path / "a.json"
    invoke("audit", "attest", record_id, "--config", str(quickstart), "--output", str(out), env=env)
    private_file = tmp_path / "private.pem"
    private_file.write_text(private)
    for command in (["audit", "verify-attestation", str(out)], ["audit", "verify", "--config", str(quickstart)]):
        result = invoke(*command, "--key", str(private_file))
        assert result.exit_code == 2, result.output
        assert "this is a private key; pass its public key" in result.stderr
        assert private.splitlines()[1] not in result.output


def test_wrong_key_or_edited_payload_fails(quickstart: Path, tmp_path: Path) -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    private, _ = pem_pair(key, tmp_path)
    _, other_public = pem_pair(other, tmp_path)
    env = {"RELGATE_SIGNING_KEY": private, "GITHUB_ACTIONS": "true", "GITHUB_SHA": COMMIT}
    invoke("check", "--config", str(quickstart), "--at", QUICKSTART_AT, env=env)
    record_id = invoke("audit", "list", "--config", str(quickstart)).stdout.splitlines()[1].split()[1]
    out = tmp_path / "a.json"
    invoke("audit", "attest", record_id, "--config", str(quickstart), "--output", str(out), env=env)
    assert invoke("audit", "verify-attestation", str(out), "--key", str(other_public)).exit_code == 1
    document = json.loads(out.read_text())
    claim = json.loads(base64.b64decode(document["payload"]))
    claim["predicate"]["verificationResult"] = "PASSED"
    document["payload"] = base64.b64encode(json.dumps(claim).encode()).decode()
    out.write_text(json.dumps(document))
    _, public = pem_pair(key, tmp_path)
    forged = invoke("audit", "verify-attestation", str(out), "--key", str(public))
    assert forged.exit_code == 1 and "no signature in the envelope verifies" in forged.stdout


def test_attest_without_a_key_is_an_error(quickstart: Path) -> None:
    invoke("check", "--config", str(quickstart), "--at", QUICKSTART_AT)
    record_id = invoke("audit", "list", "--config", str(quickstart)).stdout.splitlines()[1].split()[1]
    result = invoke("audit", "attest", record_id, "--config", str(quickstart), env={"RELGATE_SIGNING_KEY": ""})
    assert result.exit_code == 2 and "needs a signing key" in result.stderr
