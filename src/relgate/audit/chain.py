"""Hash chain and signatures over audit records.

A record's hash covers its canonical form (see `canonical`, in the version the
record names) without the two fields that depend on the hash itself
(`relgatehash`, `relgatesig`), so the chain position (`relgateseq`,
`relgateprev`, `relgatestream`), the canonical-form version and the key id are
all protected.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from relgate.audit.canonical import CANON, CURRENT, canonical, digest_of
from relgate.errors import AuditError
from relgate.redact import looks_like_key_material

if TYPE_CHECKING:  # cryptography loads only when a key is used: an unsigned gate run never imports it
    from typing import Protocol

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    class PublicKey(Protocol):
        def public_bytes_raw(self) -> bytes: ...

    class Signer(Protocol):
        """What chaining needs of a private key: cryptography's Ed25519PrivateKey, or `sodium.SodiumSigningKey`."""

        def sign(self, data: bytes) -> bytes: ...

        def public_key(self) -> PublicKey: ...

__all__ = ["CANON", "canon_version", "canonical", "digest_of", "follow", "link", "record_hash"]

SEQ, PREV, STREAM, HASH, SIG, KEYID = (
    "relgateseq", "relgateprev", "relgatestream", "relgatehash", "relgatesig", "relgatekeyid",
)
UNHASHED = (HASH, SIG)
CHAIN_FIELDS = (SEQ, PREV, STREAM, HASH, SIG, KEYID, CANON)


def canon_version(record: Mapping[str, Any]) -> int:
    """The canonical form a record was written in: 1 when it names none, else exactly the integer 2."""
    if CANON not in record:
        return 1
    version = record[CANON]
    if type(version) is not int or version != CURRENT:
        raise AuditError(f"{CANON}: expected {CURRENT}, found {json.dumps(version)[:40]}")
    return version


def record_hash(record: Mapping[str, Any]) -> str:
    """The hash of a record in the canonical form it names (AuditError when it names none we know)."""
    body = {k: v for k, v in record.items() if k not in UNHASHED}
    return "sha256:" + hashlib.sha256(canonical(body, canon_version(record))).hexdigest()


def key_id(public: PublicKey) -> str:
    return hashlib.sha256(public.public_bytes_raw()).hexdigest()[:16]


def sign(digest: str, key: Signer) -> str:
    import binascii  # base64's own encoder, without loading the base64 module (and struct) into a gate run

    return binascii.b2a_base64(key.sign(digest.encode()), newline=False).decode()


def signature_valid(digest: str, signature: str, public: Ed25519PublicKey) -> bool:
    import base64

    from cryptography.exceptions import InvalidSignature

    try:
        public.verify(base64.b64decode(signature, validate=True), digest.encode())
    except (InvalidSignature, ValueError):
        return False
    return True


def _pem(value: str, what: str) -> bytes:
    """Accept PEM text or a path to a PEM file; errors never echo key material."""
    if "-----BEGIN" in value:
        return value.encode()
    shown = "" if looks_like_key_material(value) else f" {value!r}"  # never echo key material
    if "\0" in value:
        raise AuditError(f"{what}: not PEM text, and a file name cannot hold a NUL character")
    try:
        return Path(os.path.expanduser(value)).read_bytes()
    except OSError as exc:
        raise AuditError(f"{what}: cannot read key file{shown}: {exc.strerror or exc}") from None


# An unencrypted PKCS#8 Ed25519 private key (RFC 8410) is this DER prefix and the 32-byte seed.
_ED25519_PKCS8 = bytes.fromhex("302e020100300506032b657004220420")
_PEM_BEGIN, _PEM_END = b"-----BEGIN PRIVATE KEY-----", b"-----END PRIVATE KEY-----"


def _plain_ed25519_seed(pem: bytes) -> bytes | None:
    """The seed of a PEM that is exactly one plain PKCS#8 Ed25519 key (what `openssl genpkey` writes), else None.

    Read here because cryptography's PEM loader imports every cipher and key type with it (~20 ms of a
    signed gate run); anything else goes to that loader, which decides as before.
    """
    import binascii

    text = pem.strip()
    if not (text.startswith(_PEM_BEGIN) and text.endswith(_PEM_END)):
        return None
    body = text[len(_PEM_BEGIN):-len(_PEM_END)]
    if b"-" in body:
        return None
    try:
        der = _strict_base64(b"".join(body.split()))
    except (binascii.Error, ValueError):
        return None
    if len(der) != len(_ED25519_PKCS8) + 32 or not der.startswith(_ED25519_PKCS8):
        return None
    return der[len(_ED25519_PKCS8):]


def _strict_base64(data: bytes) -> bytes:
    """`base64.b64decode(data, validate=True)` as this Python's standard library does it (3.11 made it stricter),
    without loading the base64 module."""
    import binascii

    if sys.version_info >= (3, 11):
        return binascii.a2b_base64(data, strict_mode=True)
    if not re.fullmatch(rb"[A-Za-z0-9+/]*={0,2}", data):
        raise binascii.Error("Non-base64 digit found")
    return binascii.a2b_base64(data)


def load_signer(value: str, what: str = "signing key") -> Signer:
    """`load_signing_key` for a gate run's own record: a plain Ed25519 key signs by libsodium where it can (the same
    signatures, without loading cryptography; see `sodium`)."""
    pem = _pem(value, what)
    seed = _plain_ed25519_seed(pem)
    if seed is not None:
        from relgate.audit.sodium import signing_key

        key = signing_key(seed)
        if key is not None:
            return key
    return _private_key(pem, seed, what)


def load_signing_key(value: str, what: str = "signing key") -> Ed25519PrivateKey:
    pem = _pem(value, what)
    return _private_key(pem, _plain_ed25519_seed(pem), what)


def _private_key(pem: bytes, seed: bytes | None, what: str) -> Ed25519PrivateKey:
    """cryptography's key of `pem`, whose plain Ed25519 seed (`_plain_ed25519_seed`) the caller has read."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if seed is not None:
        return Ed25519PrivateKey.from_private_bytes(seed)
    from cryptography.exceptions import InternalError, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm, InternalError):  # a key type OpenSSL cannot set up
        raise AuditError(f"{what}: not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditError(f"{what}: expected an Ed25519 key")
    return key


def load_public_key(value: str, what: str = "public key") -> Ed25519PublicKey:
    from cryptography.exceptions import InternalError, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    pem = _pem(value, what)
    if b"PRIVATE KEY-----" in pem:
        raise AuditError(f"{what}: this is a private key; pass its public key (openssl pkey -in KEY -pubout)")
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError, UnsupportedAlgorithm, InternalError):
        raise AuditError(f"{what}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditError(f"{what}: expected an Ed25519 key")
    return key


def link(
    body: Mapping[str, Any], stream: str, last_seq: int, last_hash: str, key: Signer | None
) -> dict[str, Any]:
    """The record that follows (`last_seq`, `last_hash`) in `stream`: chained, hashed and maybe signed.

    Every store calls this while holding its own per-stream lock, so the chain is
    the same whichever store keeps it.
    """
    record = {k: v for k, v in body.items() if k not in CHAIN_FIELDS}
    record.update({STREAM: stream, SEQ: last_seq + 1, PREV: last_hash, CANON: CURRENT})
    if key is not None:
        record[KEYID] = key_id(key.public_key())
    try:
        record = as_stored(record)
        digest = record_hash(record)
    except AuditError as exc:
        raise AuditError(f"cannot record the decision in stream {stream!r}: {exc}") from None
    record[HASH] = digest
    if key is not None:
        record[SIG] = sign(digest, key)
    return record


def as_stored(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record exactly as a store will read it back (tuples as lists, keys as strings), so the hash fits it."""
    try:
        stored: dict[str, Any] = json.loads(json.dumps(record, ensure_ascii=False, allow_nan=False))
    except RecursionError:
        raise AuditError("the record is nested too deeply to be stored") from None
    except (ValueError, TypeError) as exc:
        raise AuditError(f"the record is not JSON: {exc}") from None
    return stored


def follow(record: Mapping[str, Any], last_seq: int, last_hash: str) -> dict[str, Any]:
    """An existing record, accepted only where it fits: the next seq, linked to the head, hash intact.

    Imports use this so a record keeps its hash and signature in its new store.
    """
    if record.get(HASH) != record_hash(record):  # in the record's own canonical form
        raise AuditError(f"record {record.get('id')}: hash mismatch; refusing to import a changed record")
    if record.get(SEQ) != last_seq + 1 or record.get(PREV) != last_hash:
        raise AuditError(
            f"record {record.get('id')}: stream {record.get(STREAM)} is at {last_seq} in the target store, "
            f"the record is number {record.get(SEQ)}; import into an empty or matching store"
        )
    return dict(record)
