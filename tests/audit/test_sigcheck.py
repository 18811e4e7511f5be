"""`sigcheck.signature_valid` gives OpenSSL's verdict on every signature, including those where libsodium differs.

libsodium and OpenSSL disagree on a few kinds of Ed25519 signature: libsodium refuses a
small-order R and a public key that is small-order or not canonically encoded, which
OpenSSL accepts. The shortcut trusts only libsodium's accepts, so its verdict must be
OpenSSL's on each kind. The signatures are built here with a small, plain Edwards-curve
implementation (RFC 8032's formulas), so each sits exactly on the difference it tests.
"""

from __future__ import annotations

import base64
import hashlib
import random

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError

from relgate.audit import sigcheck
from relgate.audit.chain import sign
from relgate.audit.chain import signature_valid as openssl_valid

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T)
IDENTITY: Point = (0, 1, 1, 0)


def add(a: Point, b: Point) -> Point:
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    e, f = (y1 - x1) * (y2 - x2) % P, (y1 + x1) * (y2 + x2) % P
    g, h = 2 * t1 * t2 * D % P, 2 * z1 * z2 % P
    e, f, g, h = f - e, h - g, h + g, f + e
    return e * f % P, g * h % P, f * g % P, e * h % P


def times(k: int, point: Point) -> Point:
    result = IDENTITY
    while k:
        if k & 1:
            result = add(result, point)
        point, k = add(point, point), k >> 1
    return result


def encode(point: Point) -> bytes:
    x, y, z, _ = point
    inverse = pow(z, P - 2, P)
    x, y = x * inverse % P, y * inverse % P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def decode(data: bytes) -> Point | None:
    number = int.from_bytes(data, "little")
    y, sign_bit = number & ((1 << 255) - 1), number >> 255
    if y >= P:
        return None
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if v * x * x % P == (-u) % P:
        x = x * SQRT_M1 % P
    elif v * x * x % P != u:
        return None
    if x & 1 != sign_bit:
        x = (-x) % P
    return x, y, 1, x * y % P


BASE = decode((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))
assert BASE is not None


def order_eight_point() -> Point:
    """A point of order 8: the torsion part of some point on the curve."""
    rng = random.Random(8)
    while True:
        found = decode(rng.getrandbits(255).to_bytes(32, "little"))
        if found is not None:
            torsion = times(L, found)
            if encode(times(4, torsion)) != encode(IDENTITY):
                return torsion


def challenge(r: bytes, a: bytes, message: bytes) -> int:
    return int.from_bytes(hashlib.sha512(r + a + message).digest(), "little") % L


def signed_with(secret: int, public: bytes, message: bytes, nonce: int) -> bytes:
    """R || s for the secret scalar behind `public` (which may carry a torsion part the scalar does not)."""
    r = encode(times(nonce, BASE))
    return r + ((nonce + challenge(r, public, message) * secret) % L).to_bytes(32, "little")


def libsodium_accepts(signature: bytes, message: bytes, public: bytes) -> bool:
    try:
        crypto_sign_open(signature + message, public)
    except BadSignatureError:
        return False
    return True


def case(signature: bytes, message: bytes, public: bytes) -> tuple[bool, bool, bool]:
    """(libsodium's verdict, OpenSSL's, the shortcut's) on one signature of `message` (a digest)."""
    key = Ed25519PublicKey.from_public_bytes(public)
    text, digest = base64.b64encode(signature).decode(), message.decode()
    return (libsodium_accepts(signature, message, public), openssl_valid(digest, text, key),
            sigcheck.signature_valid(digest, text, key))


DIGEST = b"sha256:" + hashlib.sha256(b"a record").hexdigest().encode()


def test_ordinary_signatures_and_forgeries() -> None:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    good = base64.b64decode(sign(DIGEST.decode(), key))
    assert case(good, DIGEST, public) == (True, True, True)
    for bad in (good[:63] + bytes([good[63] ^ 1]), bytes([good[0] ^ 1]) + good[1:], bytes(64)):
        assert case(bad, DIGEST, public) == (False, False, False)
    assert case(good, DIGEST + b"x", public) == (False, False, False)


def test_a_mixed_order_public_key_both_accept_or_both_refuse() -> None:
    """A = aB + T (T of order 8): cofactorless verification passes exactly when 8 divides the challenge."""
    secret = 0x1234567 * 8 + 5
    public = encode(add(times(secret, BASE), order_eight_point()))
    seen = set()
    for nonce in range(1, 40):
        signature = signed_with(secret, public, DIGEST, nonce)
        divides = challenge(signature[:32], public, DIGEST) % 8 == 0
        assert case(signature, DIGEST, public) == (divides, divides, divides)
        seen.add(divides)
    assert seen == {True, False}


def test_where_only_openssl_accepts_the_shortcut_says_what_openssl_says() -> None:
    identity = encode(IDENTITY)
    non_canonical_identity = (1 + P).to_bytes(32, "little")  # y = 1 + p: the identity, not canonically
    order_eight = encode(order_eight_point())
    for public in (identity, non_canonical_identity):  # A small-order: any [s]B is R for any message
        nonce = 987654321
        signature = encode(times(nonce, BASE)) + nonce.to_bytes(32, "little")
        assert case(signature, DIGEST, public) == (False, True, True)
    secret = 0x7654321
    public = encode(times(secret, BASE))
    r = encode(IDENTITY)  # R small-order: s = h·a, so [s]B - [h]A is the identity
    signature = r + (challenge(r, public, DIGEST) * secret % L).to_bytes(32, "little")
    assert case(signature, DIGEST, public) == (False, True, True)
    for nonce in range(1, 30):  # A of order 8 with 8 | h: R = [s]B, accepted by OpenSSL alone
        r = encode(times(nonce, BASE))
        if challenge(r, order_eight, DIGEST) % 8 == 0:
            assert case(r + nonce.to_bytes(32, "little"), DIGEST, order_eight) == (False, True, True)
            break
    else:
        pytest.fail("no challenge divisible by 8 in 30 nonces")


def test_where_both_refuse() -> None:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    good = base64.b64decode(sign(DIGEST.decode(), key))
    s = int.from_bytes(good[32:], "little")
    assert case(good[:32] + (s + L).to_bytes(32, "little"), DIGEST, public) == (False, False, False)  # s >= L
    y = int.from_bytes(good[:32], "little") & ((1 << 255) - 1)
    if y + P < 2**255:  # R spelt non-canonically: never the canonical encoding both compare with
        assert case((y + P).to_bytes(32, "little") + good[32:], DIGEST, public) == (False, False, False)


@pytest.mark.parametrize("text", ["", "not base64!", "AAAA", base64.b64encode(bytes(65)).decode(), "é"])
def test_what_is_not_a_signature_is_refused_as_openssl_refuses_it(text: str) -> None:
    key = Ed25519PrivateKey.generate().public_key()
    assert sigcheck.signature_valid(DIGEST.decode(), text, key) is openssl_valid(DIGEST.decode(), text, key) is False


def test_a_libsodium_that_accepts_a_large_s_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """One built with ED25519_COMPAT checks only s < 2^253 where OpenSSL refuses s >= L: trusting its accepts
    would pass a signature OpenSSL refuses. Such a libsodium is simulated here by reducing s first."""
    import nacl.bindings

    real = nacl.bindings.crypto_sign_open

    def compat(signed: bytes, public: bytes) -> bytes:
        s = int.from_bytes(signed[32:64], "little")
        if s >= 2**253:
            raise BadSignatureError("s has its top bits set")
        return real(signed[:32] + (s % L).to_bytes(32, "little") + signed[64:], public)

    _, probe_secret = nacl.bindings.crypto_sign_seed_keypair(sigcheck.PROBE_SEED)
    probe = nacl.bindings.crypto_sign(sigcheck.PROBE_MESSAGE, probe_secret)
    assert int.from_bytes(probe[32:64], "little") + L < 2**253  # the probe's s + L is one such a libsodium takes
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    good = base64.b64decode(sign(DIGEST.decode(), key))
    large = good[:32] + (int.from_bytes(good[32:], "little") + L).to_bytes(32, "little")
    monkeypatch.setattr(nacl.bindings, "crypto_sign_open", compat)
    sigcheck._libsodium.cache_clear()
    try:
        assert case(good, DIGEST, public)[1:] == (True, True)
        if int.from_bytes(large[32:], "little") < 2**253:
            assert compat(large + DIGEST, public) == DIGEST  # this libsodium accepts it, OpenSSL does not
            assert case(large, DIGEST, public)[1:] == (False, False)
        assert sigcheck._libsodium() is None
    finally:
        monkeypatch.undo()
        sigcheck._libsodium.cache_clear()
    assert sigcheck._libsodium() is not None
