"""One gate run as a CloudEvents 1.0 event carrying a CDEvent and an OPA-style decision log."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from relgate.redact import mask_secrets
from relgate.timeutil import format_ns

CDEVENT_TYPE = "dev.cdevents.pipelinerun.finished.0.3.0"
CDEVENTS_VERSION = "0.5.1"
_OUTCOME = {"allow": "success", "deny": "failure", "error": "error"}


@dataclass(frozen=True)
class RecordMeta:
    """What the record needs beyond the decision: who, when, on what evidence, and how to replay it."""

    service: str
    environment: str
    requested_at_ns: int
    decided_at_ns: int
    requested_by: str = ""
    commit: str = ""
    artifact: str = ""
    run_url: str = ""
    evidence: Mapping[str, str] = field(default_factory=dict)
    replay: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, int] = field(default_factory=dict)


def event_uuid() -> str:
    """A random (version 4) UUID in its usual spelling, as str(uuid.uuid4()) gives, from os.urandom.

    Not uuid.uuid4() itself: importing uuid loads `platform`, a cost every gate run would pay at start-up.
    """
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # the RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def approval_wait_seconds(context: Mapping[str, Any], decided_at_ns: int) -> float | None:
    """From the latest approval to this decision: the wait a value-stream report measures."""
    approvals = context.get("approvals")
    if not isinstance(approvals, list):
        facts = context.get("change_facts")
        approvals = facts.get("approvals") if isinstance(facts, dict) else None
    stamps = [a["submitted_at_ns"] for a in approvals or [] if isinstance(a, dict)
              and isinstance(a.get("submitted_at_ns"), int)]
    return (decided_at_ns - max(stamps)) / 1e9 if stamps else None


def build_record(decision: Mapping[str, Any], context: Mapping[str, Any], meta: RecordMeta) -> dict[str, Any]:
    """The record body, before the store adds its chain fields."""
    event_id = event_uuid()
    source = f"/relgate/{meta.service or '-'}/{meta.environment or '-'}"
    decided_at = format_ns(meta.decided_at_ns)
    masked_input, masked_paths = mask_secrets(dict(context))
    verdict = str(decision.get("decision", "error"))
    content: dict[str, Any] = {"pipelineName": "relgate", "outcome": _OUTCOME.get(verdict, "error")}
    if meta.run_url:
        content["uri"] = meta.run_url
    if decision.get("errors"):
        content["errors"] = "\n".join(str(e) for e in decision["errors"])
    result = {**decision, "audit_id": event_id}
    cdevent = {
        "context": {
            "specversion": CDEVENTS_VERSION,
            "id": event_id,
            "source": source,
            "type": CDEVENT_TYPE,
            "timestamp": decided_at,
        },
        "subject": {"id": meta.commit or event_id, "source": source, "content": content},
        "customDataContentType": "application/json",
        "customData": {
            "decision_log": {
                "decision_id": event_id,
                "path": "data.relgate",
                "bundles": {"relgate": {"revision": decision.get("policy_digest", "")}},
                "input": masked_input,
                "result": result,
                "masked": masked_paths,
                "erased": [],
                "requested_by": meta.requested_by,
                "timestamp": decided_at,
                "metrics": dict(meta.metrics),
            },
            "value_stream": {
                "service": meta.service,
                "environment": meta.environment,
                "commit": meta.commit,
                "artifact": meta.artifact,
                "requested_at": format_ns(meta.requested_at_ns),
                "decided_at": decided_at,
                "approval_wait_seconds": approval_wait_seconds(
                    context, int(context.get("evaluated_at_ns") or meta.decided_at_ns)
                ),
            },
            "evidence": dict(meta.evidence),
            "replay": dict(meta.replay),
        },
    }
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": CDEVENT_TYPE,
        "subject": meta.commit or f"{meta.service}/{meta.environment}",
        "time": decided_at,
        # CloudEvents SDKs re-serialise `time` to microseconds; the exact instant survives in this extension
        # (a String: CloudEvents Integers are 32-bit).
        "relgatetimens": str(meta.decided_at_ns),
        "datacontenttype": "application/json",
        "data": cdevent,
    }
