"""`relgate audit verify | list | show` on records written by real gate runs."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from relgate.cli import main
from tests.audit.helpers import pem_pair
from tests.conftest import QUICKSTART_AT


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def gate(config: Path, env: dict[str, str] | None = None) -> None:
    assert invoke("check", "--config", str(config), "--at", QUICKSTART_AT, env=env).exit_code == 1


def test_verify_list_show_after_two_runs(quickstart: Path) -> None:
    gate(quickstart)
    gate(quickstart)
    verified = invoke("audit", "verify", "--config", str(quickstart))
    assert verified.exit_code == 0 and verified.stdout.startswith("ok: 2 record(s) in 1 stream(s)")
    header, *listing = invoke("audit", "list", "--config", str(quickstart)).stdout.splitlines()
    assert header.split() == ["TIME", "ID", "STREAM", "SEQ", "DECISION", "VIOLATIONS", "COMMIT"]
    assert len(listing) == 2 and all(line.split()[3:6] == [str(i), "deny", "2"] for i, line in enumerate(listing, 1))
    assert all(line.split()[6] == "-" for line in listing)  # no commit recorded outside CI
    record_id = listing[1].split()[1]
    shown = json.loads(invoke("audit", "show", record_id[:10], "--config", str(quickstart)).stdout)
    assert shown["id"] == record_id and shown["relgateseq"] == 2


def test_verify_names_the_tampered_record_and_exits_one(quickstart: Path) -> None:
    gate(quickstart)
    gate(quickstart)
    log = quickstart.parent / ".relgate" / "audit.jsonl"
    text = log.read_text().replace('"decision":"deny"', '"decision":"allow"', 1)
    log.write_text(text)
    result = invoke("audit", "verify", "--log", str(log))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"FAIL: {log}:1: record ") and "hash mismatch" in result.stdout


def test_signed_records_verify_with_the_public_key(quickstart: Path, tmp_path: Path) -> None:
    pem, public = pem_pair(Ed25519PrivateKey.generate(), tmp_path)
    gate(quickstart, env={"RELGATE_SIGNING_KEY": pem})
    log = quickstart.parent / ".relgate" / "audit.jsonl"
    assert "relgatesig" in log.read_text() and "PRIVATE KEY" not in log.read_text()
    assert invoke("audit", "verify", "--log", str(log), "--key", str(public)).exit_code == 0
    _, other = pem_pair(Ed25519PrivateKey.generate(), tmp_path)
    assert invoke("audit", "verify", "--log", str(log), "--key", str(other)).exit_code == 1


def test_unknown_record_is_a_one_line_error(quickstart: Path) -> None:
    gate(quickstart)
    result = invoke("audit", "show", "nope", "--config", str(quickstart))
    assert result.exit_code == 2 and result.stderr.startswith("relgate: error:") and "no record" in result.stderr


def test_check_and_verify_against_a_sqlite_store(quickstart: Path, tmp_path: Path) -> None:
    store = f"sqlite:{tmp_path}/gate.db"
    for _ in range(2):
        assert invoke("check", "--config", str(quickstart), "--at", QUICKSTART_AT, "--store", store).exit_code == 1
    verified = invoke("audit", "verify", "--store", store)
    assert verified.exit_code == 0 and verified.stdout.startswith("ok: 2 record(s)")
    assert len(invoke("audit", "list", "--store", store).stdout.splitlines()) == 3  # the header and two records


def test_config_audit_store_is_used(quickstart: Path, tmp_path: Path) -> None:
    quickstart.write_text(quickstart.read_text().replace("audit: {log: .relgate/audit.jsonl}",
                                                         "audit: {store: 'sqlite:gate.db'}"))
    gate(quickstart)
    assert (quickstart.parent / "gate.db").exists() and not (quickstart.parent / ".relgate").exists()
    assert invoke("audit", "verify", "--config", str(quickstart)).stdout.startswith("ok: 1 record(s)")
