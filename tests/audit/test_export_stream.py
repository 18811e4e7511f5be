"""An export streams record by record and still writes exactly the document it always wrote."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from relgate.audit.export import CSV_COLUMNS, _csv_safe, _row, export, export_chunks

text = st.text(max_size=12)  # newlines, quotes and non-ASCII inside strings included
leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | text
documents = st.recursive(leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
                         max_leaves=10)
records = st.lists(st.dictionaries(text, documents, max_size=4).map(lambda d: {**d, "data": d}), max_size=5)


@settings(max_examples=200, deadline=None)
@given(records)
def test_json_exports_are_the_whole_document_dumped_at_once(items: list[dict[str, Any]]) -> None:
    assert export(iter(items), "cloudevents") == json.dumps(items, indent=2) + "\n"
    assert export(iter(items), "cdevents") == json.dumps([r["data"] for r in items], indent=2) + "\n"
    assert export(iter(items), "jsonl") == "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in items)


def test_csv_export_streams_in_pieces_and_matches_one_writer() -> None:
    items = [{"id": f"id-{i}", "time": "=cmd", "relgatestream": "a/b", "relgateseq": i,
              "data": {"customData": {"decision_log": {"result": {"decision": "deny", "violations": [1] * (i % 3)}},
                                      "value_stream": {"commit": "c" * 40}}}} for i in range(3000)]
    chunks = list(export_chunks(iter(items), "csv"))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in items:
        writer.writerow(_csv_safe(_row(record)))
    assert len(chunks) > 1 and "".join(chunks) == buffer.getvalue()
