"""The hash chain: every field but the hash and signature is covered; tampering is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from relgate.audit.chain import canonical, load_public_key, load_signing_key, record_hash
from relgate.audit.jsonl import JsonlStore
from relgate.audit.verify import verify
from relgate.errors import AuditError
from tests.audit.helpers import body


def store_with(tmp_path: Path, count: int, key: Ed25519PrivateKey | None = None) -> JsonlStore:
    store = JsonlStore(tmp_path / "audit.jsonl")
    for _ in range(count):
        store.append(body(), stream="checkout/production", key=key)
    return store


def lines(store: JsonlStore) -> list[str]:
    return store.path.read_text().splitlines(keepends=True)


def test_canonical_form_ignores_key_order_and_keeps_big_integers_exact() -> None:
    assert canonical({"b": 1, "a": 2}) == canonical({"a": 2, "b": 1}) == b'{"a":2,"b":1}'
    assert canonical({"t": 1_795_430_000_000_000_000}) == b'{"t":1795430000000000000}'
    assert canonical({"t": "1795430000000000000"}) == b'{"t":"1795430000000000000"}'
    assert canonical({"t": 1_795_430_000_000_000_000}, 1) == b'{"t":"1795430000000000000"}'  # the old, ambiguous form


def test_hash_covers_every_field_except_hash_and_signature() -> None:
    record = {**body(), "relgateseq": 1, "relgateprev": "", "relgatestream": "s"}
    digest = record_hash(record)
    assert record_hash({**record, "relgatehash": "x", "relgatesig": "y"}) == digest
    for field in ("relgateseq", "relgateprev", "relgatestream", "time", "data"):
        assert record_hash({**record, field: "changed"}) != digest, field


def test_appends_chain_with_sequence_and_previous_hash(tmp_path: Path) -> None:
    store = store_with(tmp_path, 3)
    records = [r for _, r in store.records()]
    assert [r["relgateseq"] for r in records] == [1, 2, 3]
    assert records[0]["relgateprev"] == ""
    assert records[2]["relgateprev"] == records[1]["relgatehash"]
    assert verify(store.entries()).ok


def test_streams_chain_separately(tmp_path: Path) -> None:
    store = JsonlStore(tmp_path / "audit.jsonl")
    store.append(body(), stream="checkout/production")
    other = store.append(body(service="search"), stream="search/production")
    store.append(body(), stream="checkout/production")
    assert other["relgateseq"] == 1 and other["relgateprev"] == ""
    report = verify(store.entries())
    assert report.ok and len(report.streams) == 2 and report.count == 3


def test_edited_field_is_named(tmp_path: Path) -> None:
    store = store_with(tmp_path, 3)
    text = lines(store)
    edited = json.loads(text[1])
    edited["data"]["customData"]["decision_log"]["result"]["decision"] = "allow"
    text[1] = json.dumps(edited) + "\n"
    store.path.write_text("".join(text))
    report = verify(store.entries())
    assert (report.ok, report.line, report.record_id) == (False, 2, edited["id"])
    assert "hash mismatch" in report.reason


def test_deleted_line_is_named(tmp_path: Path) -> None:
    store = store_with(tmp_path, 4)
    text = lines(store)
    del text[1]
    store.path.write_text("".join(text))
    report = verify(store.entries())
    assert (report.ok, report.line) == (False, 2) and "sequence 3 where 2" in report.reason


def test_reordered_lines_are_named(tmp_path: Path) -> None:
    store = store_with(tmp_path, 3)
    text = lines(store)
    text[1], text[2] = text[2], text[1]
    store.path.write_text("".join(text))
    report = verify(store.entries())
    assert (report.ok, report.line) == (False, 2)


def test_truncated_tail_still_verifies_but_a_rewritten_one_does_not(tmp_path: Path) -> None:
    store = store_with(tmp_path, 3)
    text = lines(store)
    store.path.write_text("".join(text[:2]))
    assert verify(store.entries()).ok  # detecting truncation needs a published checkpoint
    replaced = json.loads(text[2])
    replaced["relgateprev"] = "sha256:" + "0" * 64
    store.path.write_text("".join(text[:2]) + json.dumps(replaced) + "\n")
    assert not verify(store.entries()).ok


def test_signatures_verify_with_the_right_key_only(tmp_path: Path) -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    store = store_with(tmp_path, 2, key=key)
    assert verify(store.entries(), key.public_key()).ok
    report = verify(store.entries(), other.public_key())
    assert not report.ok and "signature" in report.reason and report.line == 1


def test_unsigned_records_fail_when_a_key_is_given(tmp_path: Path) -> None:
    store = store_with(tmp_path, 1)
    report = verify(store.entries(), Ed25519PrivateKey.generate().public_key())
    assert not report.ok and "unsigned" in report.reason


def test_keys_load_from_pem_text_or_file(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    (tmp_path / "k.pem").write_text(pem)
    pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "k.pub").write_bytes(pub)
    assert load_signing_key(pem).private_bytes_raw() == key.private_bytes_raw()
    assert load_signing_key(str(tmp_path / "k.pem")).private_bytes_raw() == key.private_bytes_raw()
    assert load_public_key(str(tmp_path / "k.pub")).public_bytes_raw() == key.public_key().public_bytes_raw()


def test_bad_key_error_never_shows_the_key() -> None:
    secret = "-----BEGIN PRIVATE KEY-----\nnot-really-a-key-but-secret\n-----END PRIVATE KEY-----\n"
    with pytest.raises(AuditError) as caught:
        load_signing_key(secret)
    assert "not-really" not in str(caught.value)


def test_torn_last_line_refuses_append_and_leaves_file_alone(tmp_path: Path) -> None:
    store = store_with(tmp_path, 2)
    torn = store.path.read_bytes() + b'{"specversion":"1.0","id":"x'
    store.path.write_bytes(torn)
    with pytest.raises(AuditError, match=r"audit\.jsonl:3: torn final record"):
        store.append(body(), stream="checkout/production")
    assert store.path.read_bytes() == torn


def test_get_by_id_prefix(tmp_path: Path) -> None:
    store = store_with(tmp_path, 2)
    first = next(r for _, r in store.records())
    assert store.get(first["id"][:8])["id"] == first["id"]
    with pytest.raises(AuditError, match="no record with id"):
        store.get("zzzz")
