"""The record is a valid CloudEvent carrying a valid CDEvent, with secrets masked."""

from __future__ import annotations

import json
import re

import jsonschema
from referencing import Registry, Resource

from relgate.audit.record import RecordMeta, build_record, mask_secrets
from relgate.decision import Verdict
from relgate.timeutil import parse_ns
from tests.audit.helpers import body
from tests.conftest import ROOT

SCHEMAS = ROOT / "tests" / "fixtures" / "real-world"


def test_record_is_a_cloudevent() -> None:
    schema = json.loads((SCHEMAS / "cloudevents" / "cloudevents-1.0-json-schema.json").read_text())
    record = body()
    jsonschema.Draft7Validator(schema).validate(record)
    assert record["specversion"] == "1.0" and record["datacontenttype"] == "application/json"


def test_time_keeps_nanoseconds_in_an_extension_attribute() -> None:
    at_ns = parse_ns("2026-11-23T12:00:00.123456789Z")
    meta = RecordMeta(service="checkout", environment="production", requested_at_ns=at_ns, decided_at_ns=at_ns)
    record = build_record({"decision": "allow"}, {}, meta)
    assert re.fullmatch(r"[a-z0-9]{1,20}", "relgatetimens")  # a valid CloudEvents extension name
    assert record["time"] == "2026-11-23T12:00:00.123456789Z" and record["relgatetimens"] == str(at_ns)
    microseconds = record["time"][:26] + "Z"  # what an SDK that re-serialises `time` keeps
    assert parse_ns(microseconds) != at_ns and int(record["relgatetimens"]) == at_ns


def test_data_is_a_cdevents_pipelinerun_finished() -> None:
    root = SCHEMAS / "cdevents" / "v0.5.1"
    resources = [(json.loads(p.read_text())["$id"], json.loads(p.read_text())) for p in (root / "links").glob("*.json")]
    registry = Registry().with_resources((uri, Resource.from_contents(doc)) for uri, doc in resources)
    schema = json.loads((root / "pipelinerunfinished.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, registry=registry)
    for verdict, outcome in ((Verdict.DENY, "failure"), (Verdict.ALLOW, "success"), (Verdict.ERROR, "error")):
        event = body(verdict)["data"]
        validator.validate(event)
        assert event["subject"]["content"]["outcome"] == outcome


def test_decision_log_carries_masked_input_and_result() -> None:
    log = body()["data"]["customData"]["decision_log"]
    assert log["input"]["deploy"]["api_token"] == "***"
    assert log["input"]["deploy"]["headers"]["Authorization"] == "***"
    assert sorted(log["masked"]) == ["/deploy/api_token", "/deploy/headers/Authorization"]
    assert "ghp_very_secret" not in json.dumps(body())
    assert log["result"]["decision"] == "deny" and log["result"]["audit_id"] == log["decision_id"]
    assert log["bundles"] == {"relgate": {"revision": "sha256:abc"}}


def test_value_stream_fields() -> None:
    stream = body()["data"]["customData"]["value_stream"]
    assert stream["commit"] == "9f2c1e7"
    assert stream["approval_wait_seconds"] == 3600.0  # the latest approval came an hour before evaluation
    assert stream["requested_at"] == "2026-11-23T10:33:20Z"


def test_masking_leaves_ordinary_values() -> None:
    value, masked = mask_secrets({"tokenizer": "", "a": [{"password": "p"}], "b": 1})
    assert value == {"tokenizer": "", "a": [{"password": "***"}], "b": 1}
    assert masked == ["/a/0/password"]


def test_event_ids_are_random_version_4_uuids() -> None:
    import uuid

    from relgate.audit.record import event_uuid

    seen = {event_uuid() for _ in range(500)}
    assert len(seen) == 500
    for text in seen:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
