"""Export (CDEvents valid against v0.5.1, CloudEvents, CSV) and import that keeps the chain."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner, Result
from referencing import Registry, Resource

from relgate.audit.store import open_store
from relgate.audit.verify import verify
from relgate.cli import main
from tests.audit.helpers import body
from tests.conftest import ROOT

SCHEMAS = ROOT / "tests" / "fixtures" / "real-world"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def log_with(tmp_path: Path, count: int) -> str:
    url = f"jsonl:{tmp_path}/audit.jsonl"
    store = open_store(url)
    for _ in range(count):
        store.append(body(), "checkout/production")
    return url


def test_cdevents_export_validates(tmp_path: Path) -> None:
    url = log_with(tmp_path, 2)
    events = json.loads(invoke("audit", "export", "--store", url, "--format", "cdevents").stdout)
    root = SCHEMAS / "cdevents" / "v0.5.1"
    docs = [json.loads(p.read_text()) for p in (root / "links").glob("*.json")]
    registry = Registry().with_resources((d["$id"], Resource.from_contents(d)) for d in docs)
    validator = jsonschema.Draft202012Validator(json.loads((root / "pipelinerunfinished.json").read_text()),
                                                registry=registry)
    assert len(events) == 2
    for event in events:
        validator.validate(event)


def test_cloudevents_batch_export_validates(tmp_path: Path) -> None:
    url = log_with(tmp_path, 2)
    batch = json.loads(invoke("audit", "export", "--store", url, "--format", "cloudevents").stdout)
    schema = json.loads((SCHEMAS / "cloudevents" / "cloudevents-1.0-json-schema.json").read_text())
    for event in batch:
        jsonschema.Draft7Validator(schema).validate(event)


def test_csv_export_has_one_row_per_record(tmp_path: Path) -> None:
    url = log_with(tmp_path, 3)
    out = tmp_path / "gates.csv"
    assert invoke("audit", "export", "--store", url, "--format", "csv", "--output", str(out)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["seq"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["decision"] == "deny" and rows[0]["violations"] == "1" and rows[0]["commit"] == "9f2c1e7"


def test_import_into_sqlite_keeps_hashes_and_verifies(tmp_path: Path) -> None:
    url = log_with(tmp_path, 3)
    target = f"sqlite:{tmp_path}/gate.db"
    result = invoke("audit", "import", str(tmp_path / "audit.jsonl"), "--store", target)
    assert result.exit_code == 0 and result.stdout.startswith("imported 3 record(s)")
    original = [r["relgatehash"] for _, r in open_store(url).records()]
    imported = [r["relgatehash"] for _, r in open_store(target).records()]
    assert imported == original and verify(open_store(target).entries()).ok
    again = invoke("audit", "import", str(tmp_path / "audit.jsonl"), "--store", target)
    assert again.exit_code == 2 and "import into an empty or matching store" in again.stderr


def test_import_refuses_a_tampered_log(tmp_path: Path) -> None:
    log_with(tmp_path, 2)
    path = tmp_path / "audit.jsonl"
    path.write_text(path.read_text().replace('"decision":"deny"', '"decision":"allow"', 1))
    result = invoke("audit", "import", str(path), "--store", f"sqlite:{tmp_path}/gate.db")
    assert result.exit_code == 2 and "not imported" in result.stderr and "hash mismatch" in result.stderr
    assert not (tmp_path / "gate.db").exists()
