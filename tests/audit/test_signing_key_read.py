"""A plain PKCS#8 Ed25519 signing key is read without cryptography's PEM loader, and to the same key.

The loader imports every cipher and key type cryptography has (most of a signed gate
run's extra start-up); the short path must accept nothing the loader would refuse
and read every key it accepts to exactly the loader's key.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.exceptions import InternalError, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from relgate.audit.chain import _plain_ed25519_seed, load_public_key, load_signing_key
from relgate.errors import AuditError


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


KEY = Ed25519PrivateKey.generate()
PEM = _pem(KEY)


def _loader(pem: bytes) -> bytes | None:
    """The seed cryptography's own loader reads from this PEM, or None when it refuses it."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm, InternalError):
        return None
    return key.private_bytes_raw() if isinstance(key, Ed25519PrivateKey) else None


@settings(max_examples=400, deadline=None)
@given(position=st.integers(0, len(PEM)), removed=st.integers(0, 3), inserted=st.binary(max_size=4))
def test_a_mutated_key_file_is_read_as_the_loader_reads_it(position: int, removed: int, inserted: bytes) -> None:
    mutated = PEM[:position] + inserted + PEM[position + removed:]
    seed = _plain_ed25519_seed(mutated)
    if seed is not None:
        assert seed == _loader(mutated)
    if b"-----BEGIN" not in mutated:
        return  # load_signing_key would take the text for a file name
    text = mutated.decode("latin-1")
    expected = _loader(text.encode())  # the bytes load_signing_key reads from the text (UTF-8)
    if expected is None:
        with pytest.raises(AuditError):
            load_signing_key(text)
    else:
        assert load_signing_key(text).private_bytes_raw() == expected


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=32, max_size=32))
def test_any_seed_round_trips(seed: bytes) -> None:
    pem = _pem(Ed25519PrivateKey.from_private_bytes(seed))
    assert _plain_ed25519_seed(pem) == seed
    assert load_signing_key(pem.decode()).private_bytes_raw() == seed


def test_other_keys_go_to_the_loader_which_decides_as_before() -> None:
    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    encrypted = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(b"passphrase"))
    assert _plain_ed25519_seed(other) is None and _plain_ed25519_seed(encrypted) is None
    with pytest.raises(AuditError, match="expected an Ed25519 key"):
        load_signing_key(other.decode())
    with pytest.raises(AuditError, match="not an unencrypted PEM private key"):
        load_signing_key(encrypted.decode())


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_a_key_from_openssl_genpkey_loads_without_the_pem_loader(tmp_path: Path) -> None:
    path = tmp_path / "gate.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(path)], check=True,
                   capture_output=True)
    program = (
        "import sys\n"
        "from relgate.audit.chain import load_signing_key\n"
        f"key = load_signing_key({str(path)!r})\n"
        "print(key.private_bytes_raw().hex(), 'cryptography.hazmat.primitives.serialization' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    seed_hex, loader_loaded = done.stdout.split()
    assert bytes.fromhex(seed_hex) == _loader(path.read_bytes())
    assert loader_loaded == "False"


@pytest.mark.parametrize("load", [load_signing_key, load_public_key])
def test_a_key_value_with_a_nul_character_is_a_clean_error(load: Callable[[str], object]) -> None:
    with pytest.raises(AuditError, match="cannot hold a NUL character"):
        load("keys/gate\0.pem")


def test_a_key_of_a_type_cryptography_does_not_know_is_a_clean_error() -> None:
    """Found by the mutation test above: one changed byte of the algorithm's OID made the loader raise
    UnsupportedAlgorithm (not a ValueError), which escaped as a traceback."""
    der = bytearray(base64.b64decode(b"".join(PEM.strip().splitlines()[1:-1])))
    der[der.index(bytes.fromhex("2b6570")) + 2] = 0x7F  # 1.3.101.112 (Ed25519) becomes 1.3.101.127
    pem = b"-----BEGIN PRIVATE KEY-----\n" + base64.b64encode(bytes(der)) + b"\n-----END PRIVATE KEY-----\n"
    with pytest.raises(AuditError, match="not an unencrypted PEM private key"):
        load_signing_key(pem.decode())


def test_a_key_openssl_cannot_set_up_is_a_clean_error() -> None:
    """Also found by the mutation test: a mangled OID that OpenSSL knows but cannot build a key from
    raised cryptography's InternalError."""
    mutated = PEM[:43] + b"v" + PEM[44:]
    with pytest.raises(AuditError, match="not an unencrypted PEM private key"):
        load_signing_key(mutated.decode("latin-1"))


@given(st.one_of(st.binary(max_size=60), st.text(alphabet="AB+/=z9-_ \n", max_size=60).map(str.encode),
                 st.binary(max_size=45).map(base64.b64encode)))
def test_the_strict_base64_reader_is_the_standard_librarys(data: bytes) -> None:
    """The key reader decodes without loading the base64 module: the same bytes, and the same refusals."""
    from relgate.audit.chain import _strict_base64

    try:
        expected: bytes | None = base64.b64decode(data, validate=True)
    except ValueError:
        expected = None
    try:
        found: bytes | None = _strict_base64(data)
    except ValueError:
        found = None
    assert found == expected
