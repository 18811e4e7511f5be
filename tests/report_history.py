"""A small gate history with every shape the report reads: real gate records (chained and signed) and odd ones.

`tests/fixtures/report/` holds this history as a log (history.ndjson: JSON lines, named so the canonical-form
tests that read every *.jsonl fixture leave its odd records alone) and the report of it in each format, as
`relgate audit report` printed them before the report's reader was rewritten for speed
(regenerate the log with `python -m tests.report_history`, never the expected reports).
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from relgate.audit.chain import HASH, SEQ, link
from relgate.timeutil import format_ns
from tests.audit.helpers import body

FIXTURES = Path(__file__).parent / "fixtures" / "report"
START = 1_764_000_000 * 10**9
HOUR = 3600 * 10**9
STREAMS = [("checkout", "production"), ("checkout", "staging"), ("search", "production"),
           ("zürich-ü", "prod ##[warning] \u2028")]
COMMITS = [f"{n:040x}" for n in range(1, 24)]


def _gate(rng: random.Random, index: int) -> tuple[str, dict[str, Any]]:
    """A record as a gate run writes it, with what varies from run to run drawn at random."""
    service, environment = rng.choice(STREAMS)
    at = START + rng.randrange(0, 96) * HOUR // 4  # coarse times: ties within a stream
    commit = rng.choice(COMMITS)
    decision = rng.choice(["allow", "allow", "deny", "error"])
    record = copy.deepcopy(body()) if index % 4 == 0 else {  # a whole gate record, or only what the report reads
        "id": f"rec-{index}", "data": {"customData": {"decision_log": {"input": {}, "result": {}},
                                                      "value_stream": {}}}}
    log = record["data"]["customData"]["decision_log"]
    context, result = log["input"], log["result"]
    context.update({"evaluated_at_ns": at, "evaluated_at": format_ns(at), "service": service,
                    "environment": environment, "change": {"commit": commit, "actor": "lee"}})
    if rng.random() < 0.7:
        context["change"]["committed_at_ns"] = at - rng.randrange(1, 30) * HOUR // 2
    elif rng.random() < 0.5:
        context["change_facts"] = {"committed_at_ns": at - rng.randrange(1, 9) * HOUR}
    if rng.random() < 0.3:
        context["deployments"] = {"last_success_at": None, "recent": [
            {"id": rng.choice([rng.randrange(9), f"d{rng.randrange(9)}"]), "sha": rng.choice([*COMMITS[:8], None]),
             "state": rng.choice(["success", "success", "failure", "error", None]),
             "created_at": format_ns(START + rng.randrange(0, 96) * HOUR // 4),
             **({"succeeded_at": format_ns(at)} if rng.random() < 0.6 else {}),
             **({"failed_at": format_ns(at + HOUR)} if rng.random() < 0.2 else {})}
            for _ in range(rng.randrange(1, 4))]}
    violations: list[Any] = []
    if decision == "deny":
        violations = [{"policy": rng.choice(["relgate.tests", "relgate.slo"]), "id": f"r{rng.randrange(4)}",
                       "msg": rng.choice(["too low ##[warning] \x1b[31m", "ünïcödé \u202e", "plain"]),
                       "details": {"observed": rng.random()}} for _ in range(rng.randrange(1, 3))]
    result.update({"decision": decision, "service": service, "environment": environment,
                   "evaluated_at": format_ns(at), "mode": rng.choice(["enforce", "enforce", "warn"]),
                   "violations": violations, "errors": ["source down", 7] if decision == "error" else []})
    result["waived"] = [{"waiver_id": f"WVR-{rng.randrange(4)}", "policy": "relgate.vulnerabilities",
                         "findings": [f"CVE-{rng.randrange(9)}"] if rng.random() < 0.7 else [],
                         "id": "vulnerabilities.max", "approved_by": "sec", "reason": "not reachable ##[x]",
                         "expires": "2027-01-01"} for _ in range(rng.randrange(0, 3) if rng.random() < 0.3 else 0)]
    result["overrides"] = ([{"actor": "kim", "reason": "hotfix \u00e9", "policy": "relgate.tests", "id": "r1",
                             "msg": "pass rate"}] if rng.random() < 0.1 else [])
    stream = record["data"]["customData"]["value_stream"]
    stream.update({"service": service, "environment": environment, "commit": commit,
                   "approval_wait_seconds": rng.choice([float(rng.randrange(0, 5000)), rng.randrange(0, 5000),
                                                        None])})
    return f"{service}/{environment}", record


def _odd(rng: random.Random, index: int) -> dict[str, Any]:
    """Records a reader must take as the generic reader does: missing, misplaced and unusual values."""
    at = START + rng.randrange(0, 96) * HOUR // 4
    result: dict[str, Any] = {"decision": rng.choice(["allow", "deny", "error"]), "service": "search",
                              "environment": "production"}
    context: dict[str, Any] = {"evaluated_at_ns": at}
    stream: dict[str, Any] = {"commit": rng.choice(COMMITS)}
    kind = index % 14
    if kind == 0:
        return {"id": f"odd-{index}", "data": {"customData": {"something": "else"}}}  # not a gate record
    if kind == 1:
        return {"id": f"odd-{index}", "data": {"customData": {"decision_log": {"result": "allow"}}}}
    if kind == 2:
        context = {"evaluated_at": "not a time"}  # no time at all: left out
        result["evaluated_at"] = "never"
    elif kind == 3:
        context = {}
        result["evaluated_at"] = format_ns(at)  # time from the result
    elif kind == 4:
        del result["service"], result["environment"]  # stream names from the value stream
        stream.update({"service": "checkout", "environment": "staging"})
    elif kind == 5:
        del result["decision"]  # an error
        result["violations"] = ["not an object", {"policy": "relgate.tests"}]
        result["waived"] = [{"waiver_id": 3}]  # (a non-object here is a crash)
        result["overrides"] = ["nope", {"actor": "x"}]
    elif kind == 6:
        context["change"] = {"commit": "c0ffee", "committed_at_ns": True}  # a JSON true is an int in Python
        stream = {}
    elif kind == 7:
        context["evaluated_at_ns"] = float(at)
        context["change"] = {"committed_at_ns": float(at - HOUR)}  # not an integer: no lead time
    elif kind == 8:
        context["big"] = 123456789012345678901234567890  # beyond 64 bits
        stream["approval_wait_seconds"] = 12
    elif kind == 9:
        result["mode"] = ""
        result["decision"] = "allow"
        context["deployments"] = {"recent": ["x", {"created_at": "bad"}, {"id": None, "created_at": format_ns(at)}]}
    elif kind == 10:
        result["service"] = 42
        result["errors"] = [None, {"a": 1}]
        stream["commit"] = ""
    elif kind == 11:
        context = None  # type: ignore[assignment]
        result["evaluated_at"] = format_ns(at)
    elif kind == 12:
        context["deployments"] = "none"
        result["decision"] = "allow"
        stream["approval_wait_seconds"] = 1e300
    else:
        result["waived"] = [{"waiver_id": "WVR-9", "findings": ["CVE-1", 2], "policy": None},
                            {"waiver_id": "WVR-9", "findings": None}]
        result["overrides"] = [{"actor": None, "reason": ["a"], "policy": "p", "id": 1, "msg": None, "extra": 1}]
    return {"id": f"odd-{index}", "data": {"customData": {
        "decision_log": {"input": context, "result": result}, "value_stream": stream}}}


def lines(count: int = 300, seed: int = 13) -> Iterator[str]:
    """The log's lines: chained, signed gate records and odd records, out of time order, with blank lines."""
    rng = random.Random(seed)
    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"relgate report fixture").digest())
    heads: dict[str, tuple[int, str]] = {}
    for index in range(count):
        if index % 9 == 4:
            yield json.dumps(_odd(rng, index), ensure_ascii=rng.random() < 0.5) + "\n"
            continue
        stream, record_body = _gate(rng, index)
        seq, head = heads.get(stream, (0, ""))
        record = link(record_body, stream, seq, head, key)
        heads[stream] = (record[SEQ], record[HASH])
        yield json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n"
        if index % 50 == 17:
            yield "\n"


INCIDENTS = """\
incidents:
  - {id: INC-1, started_at: "2025-11-25T03:00:00Z", resolved_at: "2025-11-25T05:00:00Z",
     service: checkout, environment: production, commit: "0000000000000000000000000000000000000003"}
  - {id: INC-2, started_at: "2025-11-25T10:00:00Z", environment: production}
  - {id: INC-3, started_at: "2025-11-25T12:00:00Z", resolved_at: "2025-11-25T14:30:00Z", service: search}
"""

# (name, arguments after `relgate audit report --log LOG --incidents INCIDENTS`)
REPORTS = [("report.json", ["--format", "json"]), ("report.html", ["--format", "html"]),
           ("report.txt", ["--format", "text"]),
           ("since-checkout.json", ["--format", "json", "--since", "2025-11-25T06:00:00Z", "--service", "checkout"]),
           ("production.txt", ["--format", "text", "--environment", "production"])]


if __name__ == "__main__":
    FIXTURES.mkdir(parents=True, exist_ok=True)
    (FIXTURES / "history.ndjson").write_text("".join(lines()), encoding="utf-8")
    (FIXTURES / "incidents.yaml").write_text(INCIDENTS, encoding="utf-8")
    print(f"wrote {FIXTURES}", file=sys.stderr)
