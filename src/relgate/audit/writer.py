"""Record one gate decision: build the event, sign it if a key is set, append it to the log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from relgate.audit.chain import load_signer
from relgate.audit.record import RecordMeta, build_record
from relgate.audit.store import AuditStore
from relgate.config import Config
from relgate.decision import Decision
from relgate.redact import mask_secrets, scrub_value
from relgate.timeutil import now_ns

SIGNING_KEY_ENV = "RELGATE_SIGNING_KEY"


def append_decision(
    *,
    config: Config,
    store: AuditStore,
    decision: Decision,
    context: Mapping[str, Any],
    evidence: Mapping[str, str],
    env: Mapping[str, str],
    requested_at_ns: int,
    metrics: Mapping[str, int],
) -> dict[str, Any]:
    """Append the decision's record and return it (with its id, sequence and hash)."""
    key_source = env.get(SIGNING_KEY_ENV) or config.signing_key
    key = load_signer(key_source, SIGNING_KEY_ENV if env.get(SIGNING_KEY_ENV) else "audit.signing_key") \
        if key_source else None
    found = context.get("change")
    change: Mapping[str, Any] = found if isinstance(found, dict) else {}
    meta = RecordMeta(
        service=decision.service,
        environment=decision.environment,
        requested_at_ns=requested_at_ns,
        decided_at_ns=now_ns(),
        requested_by=str(change.get("actor") or env.get("USER") or ""),
        commit=str(change.get("commit") or ""),
        artifact=str(change.get("artifact") or ""),
        run_url=str(change.get("run_url") or ""),
        evidence=evidence,
        replay={
            "evaluated_at": decision.evaluated_at,
            "data": mask_secrets(dict(config.data))[0],
            "waivers": [w.__dict__ for w in config.waivers],
            "enforcement": dict(config.enforcement),
            "mode": decision.mode.value,
            "policies": list(config.policies),
            "engine": decision.engine,
        },
        metrics=metrics,
    )
    body = scrub_value(build_record(decision.to_json(), context, meta))  # no secret reaches the store or a sink
    return store.append(body, stream=f"{decision.service}/{decision.environment}", key=key)
