"""Small builders for audit tests: a decision, a context, and a record body."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from relgate.audit.record import RecordMeta, build_record
from relgate.decision import Decision, Verdict, Violation

NOW = 1_795_430_000 * 10**9


def decision(verdict: Verdict = Verdict.DENY) -> Decision:
    violations = (Violation("relgate.tests", "pass rate too low", "tests.pass_rate", {"pass_rate": 0.9}),)
    return Decision(verdict=verdict, service="checkout", environment="production",
                    evaluated_at="2026-11-23T12:00:00Z", violations=violations if verdict is Verdict.DENY else (),
                    policy_digest="sha256:abc", engine="regorus")


def context() -> dict[str, Any]:
    return {
        "evaluated_at": "2026-11-23T12:00:00Z",
        "evaluated_at_ns": NOW,
        "service": "checkout",
        "environment": "production",
        "change": {"commit": "9f2c1e7", "actor": "lee"},
        "approvals": [{"user": "kim", "state": "APPROVED", "submitted_at_ns": NOW - 3600 * 10**9}],
        "deploy": {"api_token": "ghp_very_secret", "headers": {"Authorization": "Bearer xyz"}},
        "sources": {},
    }


def body(verdict: Verdict = Verdict.DENY, service: str = "checkout") -> dict[str, Any]:
    meta = RecordMeta(service=service, environment="production", requested_at_ns=NOW, decided_at_ns=NOW + 10**9,
                      requested_by="lee", commit="9f2c1e7", evidence={"tests": "sha256:1"},
                      replay={"evaluated_at": "2026-11-23T12:00:00Z", "data": {}, "mode": "enforce"})
    return build_record(decision(verdict).to_json(), context(), meta)


def pem_pair(key: Ed25519PrivateKey, directory: Path) -> tuple[str, Path]:
    """The private key as PEM text (as RELGATE_SIGNING_KEY holds it) and a public key PEM file."""
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = directory / f"pub-{key.public_key().public_bytes_raw().hex()[:12]}.pem"
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public
