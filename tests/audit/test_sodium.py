"""A gate run's record signed by libsodium is byte for byte the record cryptography signs, and verifies as one.

Ed25519 is deterministic, so the two must agree on every key and message; where
libsodium cannot be used the gate signs with cryptography, as before.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from relgate.audit import sodium
from relgate.audit.chain import key_id, link, load_signer, load_signing_key
from relgate.audit.store import open_store
from relgate.audit.verify import verify_store
from relgate.errors import AuditError
from tests.audit.helpers import body, pem_pair


@given(seed=st.binary(min_size=32, max_size=32), message=st.binary(max_size=300))
def test_libsodium_signs_exactly_as_cryptography(seed: bytes, message: bytes) -> None:
    ours = sodium.signing_key(seed)
    theirs = Ed25519PrivateKey.from_private_bytes(seed)
    assert ours is not None
    assert ours.sign(message) == theirs.sign(message)
    assert ours.public_key().public_bytes_raw() == theirs.public_key().public_bytes_raw()


def test_a_record_linked_with_either_key_is_the_same_record(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    private, _ = pem_pair(key, tmp_path)
    signer = load_signer(private)
    assert isinstance(signer, sodium.SodiumSigningKey)
    assert key_id(signer.public_key()) == key_id(key.public_key())
    record = body()
    assert json.dumps(link(record, "s/p", 4, "sha256:" + "1" * 64, signer)) == json.dumps(
        link(record, "s/p", 4, "sha256:" + "1" * 64, load_signing_key(private)))


def test_records_signed_by_libsodium_verify_with_the_public_key(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    private, _ = pem_pair(key, tmp_path)
    store = open_store(f"jsonl:{tmp_path}/audit.jsonl")
    for _ in range(3):
        store.append(body(), "checkout/production", key=load_signer(private))
    report = verify_store(store, key.public_key())
    assert report.ok and report.count == 3 and report.signatures_checked


def test_the_secret_is_never_shown() -> None:
    seed = os.urandom(32)
    key = sodium.signing_key(seed)
    assert key is not None
    assert seed.hex() not in repr(key) and repr(seed) not in repr(key) and "secret" not in repr(key)


def test_without_libsodium_cryptography_signs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    private, _ = pem_pair(Ed25519PrivateKey.generate(), tmp_path)

    def missing() -> None:
        raise ImportError("no PyNaCl")

    monkeypatch.setattr(sodium, "_library", missing)
    signer = load_signer(private)
    assert isinstance(signer, Ed25519PrivateKey)
    assert signer.sign(b"x") == load_signing_key(private).sign(b"x")


def test_a_key_of_another_shape_is_read_by_cryptography_as_before(tmp_path: Path) -> None:
    """An encrypted or non-PKCS#8 key is not a plain seed: cryptography's loader decides, with its errors."""
    from cryptography.hazmat.primitives import serialization

    key = Ed25519PrivateKey.generate()
    openssh = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption()).decode()
    for load in (load_signer, load_signing_key):
        with pytest.raises(AuditError, match=r"^signing key: not an unencrypted PEM private key$"):
            load(openssh)


def test_a_libsodium_module_that_cannot_sign_leaves_signing_to_cryptography(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    private, _ = pem_pair(Ed25519PrivateKey.generate(), tmp_path)
    ffi, lib = sodium._library()

    class WithoutSign:
        crypto_sign_seed_keypair = lib.crypto_sign_seed_keypair

    monkeypatch.setattr(sodium, "_library", lambda: (ffi, WithoutSign()))
    assert isinstance(load_signer(private), Ed25519PrivateKey)
