"""Records in the shapes other systems read: CloudEvents batch, CDEvents, JSONL, CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
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
    return "".join(export_chunks(records, fmt))


def export_chunks(records: Iterable[Mapping[str, Any]], fmt: str) -> Iterator[str]:
    """The export as it is produced, record by record, so a log of any size streams in flat memory."""
    if fmt in ("cloudevents", "cdevents"):
        yield from _json_array(record if fmt == "cloudevents" else record.get("data", {}) for record in records)
        return
    if fmt == "jsonl":
        for record in records:
            yield json.dumps(record, separators=(",", ":")) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(_csv_safe(_row(record)))
        if buffer.tell() > 1 << 16:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json_array(items: Iterable[Any]) -> Iterator[str]:
    """Exactly `json.dumps(list(items), indent=2) + "\\n"`, one item at a time."""
    first = True
    for item in items:
        # JSON strings never hold a raw newline, so every newline here is layout: indent it one level.
        yield ("[\n  " if first else ",\n  ") + json.dumps(item, indent=2).replace("\n", "\n  ")
        first = False
    yield "[]\n" if first else "\n]\n"


def _csv_safe(row: dict[str, Any]) -> dict[str, Any]:
    """Spreadsheets run cells that start with = + - @; those stay text (see output.escape.csv_cell)."""
    return {k: (csv_cell(v) if isinstance(v, str) else v) for k, v in row.items()}
