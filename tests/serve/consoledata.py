"""A console test store: real gate runs (deny, override, waiver, hostile text) and a long linked stream.

The first records are made by `relgate.check_run` itself; the bulk stream copies a
real record's body with other verdicts, commits and days and chains each copy with
the audit chain's own `link`, so every page, filter and verify walk sees a valid log.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path
from typing import Any

from relgate.api import check_run
from relgate.audit.chain import HASH, SEQ, STREAM, link
from relgate.timeutil import parse_ns
from tests.serve.standins import gate_dir, set_facts

HOSTILE = "<script>alert(1)</script>"
BULK = 1200
BULK_STREAM = "bulk/production"


def seed(directory: Path) -> dict[str, Any]:
    config = gate_dir(
        directory, store="sqlite:.relgate/audit.db", public_url="http://127.0.0.1",
        console={"checkpoints": "checkpoints"},
        top={"enforcement": {"relgate.facts": "soft-mandatory"},
             "waivers": [{"id": "WVR-7", "policy": "relgate.facts", "match": "facts.not_ok",
                          "scope": {"environment": "staging"}, "expires": "2099-01-01T00:00:00Z",
                          "approved_by": "security-team", "reason": "known flaky in staging <i>"}]})
    set_facts(directory, ok=False, reason=HOSTILE)
    env: dict[str, str] = {}
    denied = check_run(config, env=env, change={"actor": HOSTILE, "commit": "c0ffee00" + "1" * 32}).record
    overridden = check_run(config, env=env, override="hotfix approved by the on-call lead", actor="alice",
                           change={"actor": "alice", "commit": "ab" * 20}).record
    waived = check_run(config, env=env, environment="staging", change={"commit": "cd" * 20}).record
    assert denied and overridden and waived
    assert overridden["data"]["customData"]["decision_log"]["result"]["decision"] == "allow"
    db = directory / ".relgate" / "audit.db"
    checkpoints = directory / "checkpoints"
    checkpoints.mkdir()
    streams = {r[STREAM]: {"size": r[SEQ], "head": r[HASH]} for r in (denied, overridden, waived)}
    checkpoint = {"format": "relgate-checkpoint/1", "origin": f"sqlite:{db}", "size": 3, "streams": streams,
                  "created_at": "2026-11-30T00:00:00Z"}
    (checkpoints / "2026-11-30.json").write_text(json.dumps(checkpoint))
    bulk_deny: list[str] = []
    one_day: list[str] = []
    rows = []
    previous = ""
    for index in range(BULK):
        body = copy.deepcopy({k: v for k, v in denied.items() if not k.startswith("relgate")})
        record_id = f"00000000-0000-4000-8000-{index:012d}"
        verdict = "allow" if index % 3 == 0 else "deny"
        day = f"2026-11-0{1 + index * 5 // BULK}"
        body["id"] = record_id
        body["time"] = f"{day}T{(index % 24):02d}:00:00Z"
        custom = body["data"]["customData"]
        custom["decision_log"]["result"]["decision"] = verdict
        if verdict == "allow":
            custom["decision_log"]["result"]["violations"] = []
        custom["decision_log"]["requested_by"] = "bulk-bot"
        custom["value_stream"].update(service="bulk", commit=f"{index:040x}", decided_at=body["time"])
        custom["decision_log"]["input"]["evaluated_at_ns"] = parse_ns(body["time"])
        custom["decision_log"]["result"]["evaluated_at"] = body["time"]
        record = link(body, BULK_STREAM, index, previous, None)
        previous = record[HASH]
        rows.append((BULK_STREAM, record[SEQ], record_id, record[HASH], json.dumps(record)))
        if verdict == "deny":
            bulk_deny.append(record_id)
        if day == "2026-11-02":
            one_day.append(record_id)
    with sqlite3.connect(db) as connection:
        connection.executemany("INSERT INTO relgate_records (stream, seq, id, hash, body) VALUES (?, ?, ?, ?, ?)",
                               rows)
    return {
        "config": config,
        "denied": denied["id"], "overridden": overridden["id"], "waived": waived["id"],
        "records": {r["id"]: r for r in (denied, overridden, waived)},
        "bulk_deny_newest_first": list(reversed(bulk_deny)),
        "policy_digest": overridden["data"]["customData"]["decision_log"]["result"]["policy_digest"],
        "evidence_digest": denied["data"]["customData"]["evidence"]["facts"],
        "checkpoint_name": "2026-11-30.json",
        "expected": {
            "facts_rule": [denied["id"], overridden["id"], waived["id"]],
            "alice": [overridden["id"]],
            "commit_prefix": [denied["id"]],
            "one_day": list(reversed(one_day))[:50],
            "staging": [waived["id"]],
        },
    }
