"""A gate decision as an in-toto Statement with a SLSA Verification Summary, in a signed DSSE envelope."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from relgate import __version__
from relgate.audit.chain import key_id
from relgate.errors import AuditError

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
VSA_TYPE = "https://slsa.dev/verification_summary/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
VERIFIER_ID = "urn:relgate:gate"
_SHA256 = re.compile(r"sha256:([0-9a-f]{64})")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE's pre-authentication encoding: what is actually signed."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def _digest(text: str) -> dict[str, str]:
    match = _SHA256.search(text)
    return {"sha256": match.group(1)} if match else {}


def statement(record: Mapping[str, Any]) -> dict[str, Any]:
    """The in-toto Statement for one audit record."""
    custom = record.get("data", {}).get("customData", {})
    result = custom.get("decision_log", {}).get("result", {})
    stream = custom.get("value_stream", {})
    subjects = []
    if stream.get("artifact"):
        subjects.append({"name": stream["artifact"], "digest": _digest(stream["artifact"]) or
                         {"sha256": "unknown"}})
    if stream.get("commit"):
        commit = str(stream["commit"])
        subjects.append({"name": f"git+commit:{commit}",
                         "digest": {"gitCommit": commit} if _COMMIT.match(commit) else {"sha256": "unknown"}})
    if not subjects:
        raise AuditError(f"record {record.get('id')}: no artifact or commit recorded to attest to")
    predicate = {
        "verifier": {"id": VERIFIER_ID, "version": {"relgate": __version__}},
        "timeVerified": record.get("time"),
        "resourceUri": stream.get("artifact") or subjects[-1]["name"],
        "policy": {"uri": f"relgate:{result.get('service', '')}/{result.get('environment', '')}",
                   "digest": _digest(str(result.get("policy_digest", ""))) or
                   {"sha256": str(result.get("policy_digest", ""))}},
        "inputAttestations": [{"uri": f"relgate-evidence:{name}", "digest": _digest(str(value))}
                              for name, value in sorted(custom.get("evidence", {}).items())],
        "verificationResult": "PASSED" if result.get("decision") == "allow" else "FAILED",
        "verifiedLevels": [],
        "slsaVersion": "1.0",
        "relgate": {"audit_id": record.get("id"), "decision": result.get("decision"),
                    "record_hash": record.get("relgatehash")},
    }
    return {"_type": STATEMENT_TYPE, "subject": subjects, "predicateType": VSA_TYPE, "predicate": predicate}


def envelope(record: Mapping[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    payload = json.dumps(statement(record), separators=(",", ":"), sort_keys=True).encode()
    signature = key.sign(pae(PAYLOAD_TYPE, payload))
    return {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode(),
        "signatures": [{"keyid": key_id(key.public_key()), "sig": base64.b64encode(signature).decode()}],
    }


def open_envelope(document: Mapping[str, Any], public_key: Ed25519PublicKey) -> dict[str, Any]:
    """The statement inside a DSSE envelope, once one of its signatures verifies with the key."""
    if document.get("payloadType") != PAYLOAD_TYPE:
        raise AuditError(f"not an in-toto DSSE envelope (payloadType {document.get('payloadType')!r})")
    try:
        payload = base64.b64decode(str(document.get("payload", "")), validate=True)
    except ValueError:
        raise AuditError("envelope payload is not base64") from None
    for entry in document.get("signatures") or []:
        try:
            public_key.verify(base64.b64decode(str(entry.get("sig", "")), validate=True), pae(PAYLOAD_TYPE, payload))
        except (InvalidSignature, ValueError):
            continue
        parsed: dict[str, Any] = json.loads(payload)
        if parsed.get("_type") != STATEMENT_TYPE or parsed.get("predicateType") != VSA_TYPE:
            raise AuditError("signed payload is not an in-toto Statement with a SLSA verification summary")
        return parsed
    raise AuditError("no signature in the envelope verifies with the given public key")
