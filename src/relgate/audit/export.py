"""Records in the shapes other systems read: CloudEvents batch, CDEvents, JSONL, CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from relgate.output.escape import csv_cell

FORMATS = ("cloudevents", "cdevents", "jsonl", "csv")
CSV_COLUMNS = ("time", "id", "stream", "seq", "service", "environment", "decision", "violations", "warnings",
               "waived", "commit", "policy_digest", "engine", "hash")


def _row(record: Mapping[str, Any]) -> dict[str, Any]:
    custom = record.get("data", {}).get("customData", {})
    result = custom.get("decision_log", {}).get("result", {})
    stream = custom.get("value_stream", {})
    return {
        "time": record.get("time", ""), "id": record.get("id", ""), "stream": record.get("relgatestream", ""),
        "seq": record.get("relgateseq", ""), "service": result.get("service", ""),
        "environment": result.get("environment", ""), "decision": result.get("decision", ""),
        "violations": len(result.get("violations", [])), "warnings": len(result.get("warnings", [])),
        "waived": len(result.get("waived", [])), "commit": stream.get("commit", ""),
        "policy_digest": result.get("policy_digest", ""), "engine": result.get("engine", ""),
        "hash": record.get("relgatehash", ""),
    }


def export(records: Iterable[Mapping[str, Any]], fmt: str) -> str:
    """The whole export as text; `cloudevents` is a JSON batch (application/cloudevents-batch+json)."""
    items = list(records)
    if fmt == "cloudevents":
        return json.dumps(items, indent=2) + "\n"
    if fmt == "cdevents":
        return json.dumps([record.get("data", {}) for record in items], indent=2) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(record, separators=(",", ":")) + "\n" for record in items)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in items:
        writer.writerow(_csv_safe(_row(record)))
    return buffer.getvalue()


def _csv_safe(row: dict[str, Any]) -> dict[str, Any]:
    """Spreadsheets run cells that start with = + - @; those stay text (see output.escape.csv_cell)."""
    return {k: (csv_cell(v) if isinstance(v, str) else v) for k, v in row.items()}
