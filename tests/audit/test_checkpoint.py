"""Checkpoints: a log that still extends one verifies; truncation and rewriting past it do not."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from relgate.audit.store import open_store
from relgate.cli import main
from tests.audit.helpers import body, pem_pair


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def keys(tmp_path: Path) -> tuple[str, Path, Ed25519PrivateKey]:
    key = Ed25519PrivateKey.generate()
    pem, public = pem_pair(key, tmp_path)
    return pem, public, key


def drop_last(url: str, keep: int) -> None:
    """Truncate a store behind relgate's back, keeping the first `keep` records."""
    if url.startswith("jsonl:"):
        path = Path(url[len("jsonl:"):])
        path.write_text("".join(path.read_text().splitlines(keepends=True)[:keep]))
    elif url.startswith("sqlite:"):
        with sqlite3.connect(url[len("sqlite:"):]) as connection:
            connection.execute("DELETE FROM relgate_records WHERE seq > ?", (keep,))
    else:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("DELETE FROM relgate_records WHERE seq > %s", (keep,))


def test_checkpoint_then_extend_truncate_rewrite(tmp_path: Path, keys: tuple[str, Path, Ed25519PrivateKey],
                                                 store_url: str) -> None:
    pem, public, key = keys
    url = store_url
    store = open_store(url)
    for _ in range(3):
        store.append(body(), "checkout/production", key=key)
    made = invoke("audit", "checkpoint", "--store", url, env={"RELGATE_SIGNING_KEY": pem})
    assert made.exit_code == 0
    checkpoint = tmp_path / "cp.json"
    checkpoint.write_text(made.stdout)
    assert json.loads(made.stdout)["streams"]["checkout/production"]["size"] == 3
    store.append(body(), "checkout/production", key=key)
    ok = invoke("audit", "verify", "--store", url, "--checkpoint", str(checkpoint), "--key", str(public))
    assert ok.exit_code == 0, ok.output
    drop_last(url, 2)
    truncated = invoke("audit", "verify", "--store", url, "--checkpoint", str(checkpoint))
    assert truncated.exit_code == 1 and "2 record(s), a checkpoint has 3 (truncated)" in truncated.stdout
    open_store(url).append(body(), "checkout/production")  # a different third record
    rewritten = invoke("audit", "verify", "--store", url, "--checkpoint", str(checkpoint))
    assert rewritten.exit_code == 1 and "rewritten" in rewritten.stdout


def test_forged_checkpoint_fails_its_signature(tmp_path: Path, keys: tuple[str, Path, Ed25519PrivateKey]) -> None:
    pem, public, key = keys
    url = f"jsonl:{tmp_path}/a.jsonl"
    open_store(url).append(body(), "checkout/production", key=key)
    document = json.loads(invoke("audit", "checkpoint", "--store", url, env={"RELGATE_SIGNING_KEY": pem}).stdout)
    document["size"] = 99
    forged = tmp_path / "cp.json"
    forged.write_text(json.dumps(document))
    result = invoke("audit", "verify", "--store", url, "--checkpoint", str(forged), "--key", str(public))
    assert result.exit_code == 1 and "checkpoint signature does not verify" in result.stdout
