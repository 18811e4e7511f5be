"""Ed25519 signing by libsodium for a gate run's own audit step, without loading cryptography.

Loading cryptography's Ed25519 module costs a signed gate run more than the rest of its
audit step (about 15-20 ms against 3 ms). Ed25519 signatures are deterministic (RFC 8032):
one key and one message give the same 64 bytes from any correct implementation, so a record
signed here is byte for byte the record cryptography would have signed
(tests/audit/test_sodium.py compares them on generated keys and messages). Only PyNaCl's
compiled module is loaded, not its Python bindings, which import every primitive it has.
Where that module is missing or not what this expects, the caller signs with cryptography.
"""

from __future__ import annotations

from typing import Any

_PUBLIC, _SECRET, _SIGNATURE = 32, 64, 64


class RawPublicKey:
    """A public key as its 32 bytes: all a record's key id needs (`chain.key_id`).

    The two classes here stand in for cryptography's key objects (behaviour, not data) and are plain slotted
    classes: a frozen dataclass costs about a millisecond to create on Python 3.11, a third of the step this
    module speeds up.
    """

    __slots__ = ("_raw",)

    def __init__(self, raw: bytes) -> None:
        self._raw = raw

    def public_bytes_raw(self) -> bytes:
        return self._raw


class SodiumSigningKey:
    """An Ed25519 private key held as libsodium's 64-byte secret key (the seed, then the public key); its repr
    is object's, so the secret never reaches a log or a traceback."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def sign(self, data: bytes) -> bytes:
        ffi, lib = _library()
        signed = ffi.new("unsigned char[]", _SIGNATURE + len(data))
        if lib.crypto_sign(signed, ffi.NULL, data, len(data), self._secret) != 0:
            raise RuntimeError("libsodium could not sign")  # never returned by crypto_sign; not a bad input
        return bytes(ffi.buffer(signed, _SIGNATURE))

    def public_key(self) -> RawPublicKey:
        return RawPublicKey(self._secret[_PUBLIC:])


def signing_key(seed: bytes) -> SodiumSigningKey | None:
    """The key of this 32-byte seed, or None when libsodium cannot be used here."""
    try:
        ffi, lib = _library()
        public = ffi.new("unsigned char[]", _PUBLIC)
        secret = ffi.new("unsigned char[]", _SECRET)
        if not hasattr(lib, "crypto_sign") or len(seed) != 32 or lib.crypto_sign_seed_keypair(
                public, secret, seed) != 0:  # without crypto_sign, `sign` could not work: cryptography signs
            return None
    except (ImportError, AttributeError, TypeError, OSError):
        return None
    return SodiumSigningKey(bytes(ffi.buffer(secret, _SECRET)))


def _library() -> tuple[Any, Any]:
    from nacl._sodium import ffi, lib

    if lib.sodium_init() < 0:
        raise OSError("libsodium did not start")
    return ffi, lib
