"""Signature checks for verification: OpenSSL's verdict, reached through libsodium when libsodium accepts.

Ed25519 verification is most of `relgate audit verify --key`, and libsodium (PyNaCl)
verifies twice as fast as OpenSSL (cryptography) here. They do not accept the same
signatures: libsodium also refuses a small-order R, and a public key that is small-order
or not canonically encoded, which OpenSSL accepts. But what libsodium accepts, OpenSSL
accepts: both require s < L, decode the same canonical key to the same point, hash the
same bytes R || A || M, and accept only when the encoding of [s]B - [h]A is byte for byte
R (OpenSSL's `ossl_ed25519_verify`, libsodium's `crypto_sign_ed25519_verify_detached`,
no cofactor, no batching). So a libsodium accept is final, and whatever libsodium refuses
goes to OpenSSL, which decides: the verdict is always OpenSSL's (`chain.signature_valid`).
tests/audit/test_sigcheck.py holds this on signatures built to sit on each difference.

That holds for libsodium as PyNaCl ships it. One built with ED25519_COMPAT (PyNaCl can be
built on the system's libsodium) checks only that s < 2^253, so it accepts signatures whose
s is L or more, which OpenSSL refuses; the libsodium found is therefore first asked to
verify one such signature, and is not used when it accepts it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from relgate.audit.chain import signature_valid as openssl_valid

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


L = 2**252 + 27742317777372353535851937790883648493  # the order of Ed25519's base point
PROBE_SEED, PROBE_MESSAGE = bytes(range(32)), b"relgate: does this libsodium refuse s >= L?"


@cache
def _libsodium() -> tuple[Callable[[bytes, bytes], bytes], type[Exception]] | None:
    """PyNaCl's `crypto_sign_open` and its refusal, loaded on the first signature (not by unsigned runs), when
    this libsodium accepts only what OpenSSL accepts (see above)."""
    try:
        from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair
        from nacl.exceptions import BadSignatureError
    except ImportError:  # OpenSSL alone: the same verdicts, slower
        return None
    public, secret = crypto_sign_seed_keypair(PROBE_SEED)
    signed = crypto_sign(PROBE_MESSAGE, secret)
    large_s = signed[:32] + (int.from_bytes(signed[32:64], "little") + L).to_bytes(32, "little") + PROBE_MESSAGE
    for candidate, accept in ((signed, True), (large_s, False)):
        try:
            crypto_sign_open(candidate, public)
        except BadSignatureError:
            if accept:
                return None
        else:
            if not accept:
                return None
    return crypto_sign_open, BadSignatureError


def signature_valid(digest: str, signature: str, public: Ed25519PublicKey) -> bool:
    """`chain.signature_valid`, libsodium first (its accept is final), then OpenSSL."""
    sodium = _libsodium()
    if sodium is not None:
        try:
            raw = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) == 64:
            try:
                sodium[0](raw + digest.encode(), public.public_bytes_raw())
            except sodium[1]:
                pass
            else:
                return True
    return openssl_valid(digest, signature, public)
