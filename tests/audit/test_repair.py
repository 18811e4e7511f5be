"""`relgate audit repair` removes only a torn final record, only from a log that verifies, and says so in the chain."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from relgate.audit.jsonl import JsonlStore
from relgate.audit.repair import REPAIR_STREAM, REPAIR_TYPE
from relgate.audit.store import open_store
from relgate.cli import main
from tests.audit.helpers import body, pem_pair
from tests.conftest import QUICKSTART_AT

STREAM = "checkout/production"
TORN = b'{"specversion":"1.0","id":"half-written'


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def torn_log(tmp_path: Path, key: Ed25519PrivateKey | None = None) -> Path:
    log = tmp_path / "audit.jsonl"
    store = JsonlStore(log)
    for _ in range(2):
        store.append(body(), STREAM, key=key)
    log.write_bytes(log.read_bytes() + TORN)
    return log


def test_repair_cuts_the_torn_tail_keeps_it_and_records_the_repair(tmp_path: Path) -> None:
    log = torn_log(tmp_path)
    result = invoke("audit", "repair", "--log", str(log))
    assert result.exit_code == 0, result.output
    assert f"removed the torn record at line 3 ({len(TORN)} bytes" in result.stdout
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["relgatestream"] for r in records] == [STREAM, STREAM, REPAIR_STREAM]
    repaired = records[-1]
    assert repaired["type"] == REPAIR_TYPE and repaired["data"]["removed"]["line"] == 3
    assert repaired["data"]["removed"]["sha256"] == hashlib.sha256(TORN).hexdigest()
    kept = log.with_name(repaired["data"]["removed"]["saved_to"])
    assert kept.read_bytes() == TORN
    assert invoke("audit", "verify", "--log", str(log)).exit_code == 0
    assert invoke("audit", "repair", "--log", str(log)).stdout.startswith("nothing to repair: 3 record(s) verify")


def test_repair_refuses_a_log_that_does_not_verify_and_leaves_it_alone(tmp_path: Path) -> None:
    log = torn_log(tmp_path)
    tampered = log.read_bytes().replace(b'"decision":"deny"', b'"decision":"allow"', 1)
    log.write_bytes(tampered)
    result = invoke("audit", "repair", "--log", str(log))
    assert result.exit_code == 1 and "not repaired" in result.stdout and "hash mismatch" in result.stdout
    assert log.read_bytes() == tampered


def test_a_signed_log_needs_the_key_and_gets_a_signed_repair_record(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    pem, public = pem_pair(key, tmp_path)
    log = torn_log(tmp_path, key)
    refused = invoke("audit", "repair", "--log", str(log))
    assert refused.exit_code == 2 and "the log is signed" in refused.stderr and log.read_bytes().endswith(TORN)
    assert invoke("audit", "repair", "--log", str(log), env={"RELGATE_SIGNING_KEY": pem}).exit_code == 0
    assert invoke("audit", "verify", "--log", str(log), "--key", str(public)).exit_code == 0


def test_gate_runs_again_after_a_crash_once_repaired(quickstart: Path) -> None:
    args = ("check", "--config", str(quickstart), "--at", QUICKSTART_AT)
    assert invoke(*args).exit_code == 1
    log = quickstart.parent / ".relgate" / "audit.jsonl"
    log.write_bytes(log.read_bytes() + TORN)
    blocked = invoke(*args)
    assert blocked.exit_code == 2 and "audit repair" in blocked.stderr
    assert invoke("audit", "repair", "--config", str(quickstart)).exit_code == 0
    assert invoke(*args).exit_code == 1
    assert invoke("audit", "verify", "--config", str(quickstart)).stdout.startswith("ok: 3 record(s) in 2 stream(s)")


def test_database_stores_have_nothing_to_repair(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path}/gate.db"
    open_store(url).append(body(), STREAM)
    result = invoke("audit", "repair", "--store", url)
    assert result.exit_code == 0 and result.stdout.startswith("nothing to repair: 1 record(s) verify")


def test_repair_of_a_missing_log_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    result = invoke("audit", "repair", "--log", str(tmp_path / "typo.jsonl"))
    assert result.exit_code == 2 and "no audit log" in result.stderr and not (tmp_path / "typo.jsonl").exists()
