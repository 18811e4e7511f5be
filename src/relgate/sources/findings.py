"""What every scan-report source shares: reading a JSON report and turning findings into evidence."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from relgate.context import severity_counts
from relgate.errors import SourceError
from relgate.sources.interface import Evidence, GatherRequest, Source
from relgate.sources.paths import matched_files


def read_json(path: Path) -> Any:
    """Parse a report; errors name the file and, for bad JSON, the line and column."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from None


class FindingsSource(Source):
    """A source whose files each parse into findings; they become the `vulnerabilities` key."""

    parse: Callable[[Path], list[dict[str, Any]]]

    def collect(self, request: GatherRequest) -> Evidence:
        findings: list[dict[str, Any]] = []
        reports = []
        for path in matched_files(self.spec):
            found = type(self).parse(path)
            findings.extend(found)
            tool = found[0]["tool"] if found else self.type_name
            shown = Path(os.path.relpath(path, self.spec.base_dir)).as_posix()
            reports.append({"path": shown, "tool": tool, "findings": len(found)})
        return {"vulnerabilities": {"counts": severity_counts(findings), "findings": findings, "reports": reports}}
