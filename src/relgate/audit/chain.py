"""Hash chain and signatures over audit records.

A record's hash covers its RFC 8785 canonical form without the two fields
that depend on the hash itself (`relgatehash`, `relgatesig`), so the chain
position (`relgateseq`, `relgateprev`, `relgatestream`) and the key id are
all protected. RFC 8785 has no integers beyond 2^53 (I-JSON); nanosecond
timestamps are larger, so such integers are canonicalised as decimal strings.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from relgate.errors import AuditError
from relgate.redact import looks_like_key_material

SEQ, PREV, STREAM, HASH, SIG, KEYID = (
    "relgateseq", "relgateprev", "relgatestream", "relgatehash", "relgatesig", "relgatekeyid",
)
UNHASHED = (HASH, SIG)


_SAFE_INTEGER = 2**53 - 1


def _i_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _i_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_i_json(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _SAFE_INTEGER:
        return str(value)
    return value


def canonical(value: Any) -> bytes:
    """RFC 8785 bytes of a JSON value, with integers beyond 2^53 written as decimal strings."""
    return bytes(rfc8785.dumps(_i_json(value)))


def digest_of(value: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical(value)).hexdigest()


def record_hash(record: Mapping[str, Any]) -> str:
    return digest_of({k: v for k, v in record.items() if k not in UNHASHED})


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(digest: str, key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.sign(digest.encode())).decode()


def signature_valid(digest: str, signature: str, public: Ed25519PublicKey) -> bool:
    try:
        public.verify(base64.b64decode(signature, validate=True), digest.encode())
    except (InvalidSignature, ValueError):
        return False
    return True


def _pem(value: str, what: str) -> bytes:
    """Accept PEM text or a path to a PEM file; errors never echo key material."""
    if "-----BEGIN" in value:
        return value.encode()
    try:
        return Path(os.path.expanduser(value)).read_bytes()
    except OSError as exc:
        shown = "" if looks_like_key_material(value) else f" {value!r}"  # never echo key material
        raise AuditError(f"{what}: cannot read key file{shown}: {exc.strerror or exc}") from None


def load_signing_key(value: str, what: str = "signing key") -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(_pem(value, what), password=None)
    except (ValueError, TypeError):
        raise AuditError(f"{what}: not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditError(f"{what}: expected an Ed25519 key")
    return key


def load_public_key(value: str, what: str = "public key") -> Ed25519PublicKey:
    pem = _pem(value, what)
    if b"PRIVATE KEY-----" in pem:
        raise AuditError(f"{what}: this is a private key; pass its public key (openssl pkey -in KEY -pubout)")
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise AuditError(f"{what}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditError(f"{what}: expected an Ed25519 key")
    return key


def link(
    body: Mapping[str, Any], stream: str, last_seq: int, last_hash: str, key: Ed25519PrivateKey | None
) -> dict[str, Any]:
    """The record that follows (`last_seq`, `last_hash`) in `stream`: chained, hashed and maybe signed.

    Every store calls this while holding its own per-stream lock, so the chain is
    the same whichever store keeps it.
    """
    record = {k: v for k, v in body.items() if k not in (SEQ, PREV, STREAM, HASH, SIG, KEYID)}
    record.update({STREAM: stream, SEQ: last_seq + 1, PREV: last_hash})
    if key is not None:
        record[KEYID] = key_id(key.public_key())
    digest = record_hash(record)
    record[HASH] = digest
    if key is not None:
        record[SIG] = sign(digest, key)
    return record


def follow(record: Mapping[str, Any], last_seq: int, last_hash: str) -> dict[str, Any]:
    """An existing record, accepted only where it fits: the next seq, linked to the head, hash intact.

    Imports use this so a record keeps its hash and signature in its new store.
    """
    if record.get(HASH) != record_hash(record):
        raise AuditError(f"record {record.get('id')}: hash mismatch; refusing to import a changed record")
    if record.get(SEQ) != last_seq + 1 or record.get(PREV) != last_hash:
        raise AuditError(
            f"record {record.get('id')}: stream {record.get(STREAM)} is at {last_seq} in the target store, "
            f"the record is number {record.get(SEQ)}; import into an empty or matching store"
        )
    return dict(record)
