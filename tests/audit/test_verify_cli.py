"""`relgate audit verify` never passes on nothing, says what it proved, and reads paths by one rule."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from relgate.audit.store import open_store
from relgate.cli import main
from relgate.timeutil import format_ns
from tests.audit.helpers import NOW, body, pem_pair
from tests.conftest import QUICKSTART_AT

STREAM = "checkout/production"


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def one_line_error(result: Result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("relgate: error:") and "Traceback" not in result.output, result.output
    for part in parts:
        assert part in lines[0], (part, lines[0])


def log_with(tmp_path: Path, count: int, key: Ed25519PrivateKey | None = None) -> Path:
    store = open_store(f"jsonl:{tmp_path}/audit.jsonl")
    for _ in range(count):
        store.append(body(), STREAM, key=key)
    return tmp_path / "audit.jsonl"


def test_missing_log_is_an_error_not_zero_records(tmp_path: Path) -> None:
    one_line_error(invoke("audit", "verify", "--log", str(tmp_path / "typo.jsonl")), "typo.jsonl", "no audit log")


def test_missing_sqlite_file_and_dropped_table_are_errors(tmp_path: Path) -> None:
    one_line_error(invoke("audit", "verify", "--store", f"sqlite:{tmp_path}/none.db"), "no audit store")
    assert not (tmp_path / "none.db").exists()  # reading never creates a store
    url = f"sqlite:{tmp_path}/gate.db"
    open_store(url).append(body(), STREAM)
    with sqlite3.connect(tmp_path / "gate.db") as connection:
        connection.execute("DROP TABLE relgate_records")
    one_line_error(invoke("audit", "verify", "--store", url), "no relgate_records table")


def test_dropped_postgres_table_is_an_error(postgres_url: str) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS relgate_records, relgate_schema")
    one_line_error(invoke("audit", "verify", "--store", postgres_url), "no relgate_records table")


def test_empty_log_does_not_pass(tmp_path: Path) -> None:
    (tmp_path / "audit.jsonl").write_text("")
    one_line_error(invoke("audit", "verify", "--log", str(tmp_path / "audit.jsonl")), "holds no record")


def test_missing_config_named_explicitly_is_an_error(tmp_path: Path) -> None:
    result = invoke("audit", "verify", "--config", str(tmp_path / "nope.yaml"))
    one_line_error(result, "nope.yaml")


def test_verify_says_what_it_proved_and_warns_without_a_checkpoint(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    _, public = pem_pair(key, tmp_path)
    log = log_with(tmp_path, 3, key)
    open_store(f"jsonl:{log}").append(body(service="search"), "search/production", key=key)
    result = invoke("audit", "verify", "--log", str(log), "--key", str(public))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ok: 4 record(s) in 2 stream(s); chain and signatures valid")
    decided = format_ns(NOW + 10**9)
    assert lines[1].startswith(f"  checkout/production: seq 1..3, {decided} .. {decided}, signed (key ")
    assert "signatures verified" in lines[1] and "canonical form v2" in lines[1]
    assert "no checkpoint bounds the log's length" in result.stderr
    unchecked = invoke("audit", "verify", "--log", str(log))
    assert "signatures NOT checked" in unchecked.stdout
    proof = json.loads(invoke("audit", "verify", "--log", str(log), "--json").stdout)
    assert proof["ok"] and proof["records"] == 4 and not proof["bounded_by_checkpoint"]
    assert {s["name"]: s["last_seq"] for s in proof["streams"]} == {STREAM: 3, "search/production": 1}


def test_blank_and_torn_lines_fail_at_their_line(tmp_path: Path) -> None:
    log = log_with(tmp_path, 2)
    text = log.read_text()
    log.write_text(text + "\n")
    blank = invoke("audit", "verify", "--log", str(log))
    assert blank.exit_code == 1 and f"FAIL: {log}:3: record : blank line" in blank.stdout
    log.write_text(text + '{"specversion":"1.0","id":"x')
    torn = invoke("audit", "verify", "--log", str(log))
    assert torn.exit_code == 1 and ":3: record : torn final record" in torn.stdout and "audit repair" in torn.stdout


@pytest.mark.parametrize(("old", "new", "said"), [
    ('"relgateseq":1,', '"relgateseq":NaN,', "not JSON"),
    ('"relgateseq":1,', '"relgateseq":1.0,', "relgateseq: expected an integer, found 1.0"),
    ('"relgateseq":1,', '"relgateseq":"1",', "relgateseq: expected an integer"),
    ('"relgatehash":"', '"relgatehash":7,"x":"', "relgatehash: expected a string"),
])
def test_unreadable_record_is_one_line_and_exit_two(tmp_path: Path, old: str, new: str, said: str) -> None:
    log = log_with(tmp_path, 2)
    text = log.read_text()
    assert old in text
    log.write_text(text.replace(old, new, 1))
    one_line_error(invoke("audit", "verify", "--log", str(log)), f"{log}:1:", said)


def test_checkpoint_out_previous_and_growth(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    pem, public = pem_pair(key, tmp_path)
    env = {"RELGATE_SIGNING_KEY": pem}
    log = log_with(tmp_path, 2, key)
    first, second = tmp_path / "cp" / "1.json", tmp_path / "cp" / "2.json"
    made = invoke("audit", "checkpoint", "--log", str(log), "--out", str(first), env=env)
    assert made.exit_code == 0 and made.stdout == "" and "2 record(s)" in made.stderr
    open_store(f"jsonl:{log}").append(body(), STREAM, key=key)
    assert invoke("audit", "checkpoint", "--log", str(log), "--previous", str(first), "--out", str(second),
                  env=env).exit_code == 0
    document = json.loads(second.read_text())
    assert document["format"] == "relgate-checkpoint/2" and document["records"] == 3
    assert document["previous"].startswith("sha256:") and document["streams"][STREAM]["size"] == 3
    open_store(f"jsonl:{log}").append(body(), STREAM, key=key)
    both = invoke("audit", "verify", "--log", str(log), "--key", str(public), "--checkpoint", str(first),
                  "--checkpoint", str(second))
    assert both.exit_code == 0 and "only grew across 2 checkpoints" in both.stdout
    assert f"extends checkpoint {second}" in both.stdout and "1 added since" in both.stdout
    assert "no checkpoint bounds" not in both.stderr


def test_checkpoint_refuses_a_log_cut_since_the_previous_one(tmp_path: Path) -> None:
    log = log_with(tmp_path, 3)
    first = tmp_path / "cp.json"
    assert invoke("audit", "checkpoint", "--log", str(log), "--out", str(first)).exit_code == 0
    log.write_text("".join(log.read_text().splitlines(keepends=True)[:2]))
    refused = invoke("audit", "checkpoint", "--log", str(log), "--previous", str(first), "--out", str(first))
    assert refused.exit_code == 1 and "will not checkpoint" in refused.stdout and "(truncated)" in refused.stdout
    assert json.loads(first.read_text())["records"] == 3  # the old checkpoint was not overwritten


def test_two_checkpoints_that_disagree_fail(tmp_path: Path) -> None:
    log = log_with(tmp_path, 2)
    first = tmp_path / "a.json"
    invoke("audit", "checkpoint", "--log", str(log), "--out", str(first))
    other = log_with(tmp_path / "other", 2)
    second = tmp_path / "b.json"
    invoke("audit", "checkpoint", "--log", str(other), "--out", str(second))
    result = invoke("audit", "verify", "--log", str(log), "--checkpoint", str(first), "--checkpoint", str(second))
    assert result.exit_code == 1 and "name different records as number 2" in result.stdout


def test_malformed_checkpoint_is_an_error(tmp_path: Path) -> None:
    log = log_with(tmp_path, 1)
    bad = tmp_path / "cp.json"
    bad.write_text(json.dumps({"format": "relgate-checkpoint/2", "streams": {STREAM: {"size": "1", "head": "x"}}}))
    one_line_error(invoke("audit", "verify", "--log", str(log), "--checkpoint", str(bad)), f"streams.{STREAM}")


def test_flags_are_relative_to_the_working_directory_config_values_to_the_config(
        quickstart: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert invoke("check", "--config", str(quickstart), "--at", QUICKSTART_AT, "--audit-log", "x.jsonl").exit_code == 1
    assert (work / "x.jsonl").is_file() and not (quickstart.parent / "x.jsonl").exists()
    assert invoke("audit", "verify", "--log", "x.jsonl").exit_code == 0
    assert invoke("check", "--config", str(quickstart), "--at", QUICKSTART_AT, "--store", "sqlite:g.db").exit_code == 1
    assert (work / "g.db").is_file()
    assert invoke("audit", "verify", "--store", "sqlite:g.db").exit_code == 0
    assert invoke("check", "--config", str(quickstart), "--at", QUICKSTART_AT).exit_code == 1
    assert (quickstart.parent / ".relgate" / "audit.jsonl").is_file()  # audit.log: relative to the config
    verified = invoke("audit", "verify", "--config", str(quickstart))
    assert verified.exit_code == 0 and str(quickstart.parent / ".relgate" / "audit.jsonl") in verified.stdout


def test_replay_over_a_missing_or_empty_store_does_not_pass(tmp_path: Path) -> None:
    one_line_error(invoke("replay", "--log", str(tmp_path / "none.jsonl"), "--policies", "builtin",
                          "--fail-on-flip"), "no audit log")
    (tmp_path / "empty.jsonl").write_text("")
    one_line_error(invoke("replay", "--log", str(tmp_path / "empty.jsonl"), "--policies", "builtin",
                          "--fail-on-flip"), "no decision replayed", "cannot pass on nothing")
    lenient = invoke("replay", "--log", str(tmp_path / "empty.jsonl"), "--policies", "builtin")
    assert lenient.exit_code == 0 and "warning" in lenient.stderr and "no decision replayed" in lenient.stderr
