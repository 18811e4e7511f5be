"""Test results from JUnit XML, whichever runner wrote it.

pytest, Maven Surefire, Jest, go-junit-report, PHPUnit, Bazel and cargo-nextest all
write "JUnit XML", each a little differently. What they share is the <testcase>
element, so counts come from the cases themselves: suite attributes disagree with
their own cases in real reports (pytest's `tests=` among them).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, NoReturn
from xml.parsers import expat

from relgate.errors import SourceError
from relgate.sources.interface import Evidence, GatherRequest, Source
from relgate.sources.paths import matched_files

COUNTS = ("total", "passed", "failed", "errors", "skipped", "flaky")
_SUITES = ("testsuites", "testsuite")
# Surefire and nextest record failed attempts of a test that passed on a rerun.
_RERUNS = frozenset({"flakyFailure", "flakyError", "rerunFailure", "rerunError"})
_MESSAGE_LIMIT = 500


class _Declaration(Exception):
    """A DOCTYPE or ENTITY declaration, refused before expat acts on it."""


def read_report(path: Path) -> ET.Element:
    """Parse one report into elements, refusing DTDs: no test report needs one.

    DOCTYPE and ENTITY declarations are how entity-expansion bombs and external
    entities get in. Expat reports them as it meets them, so a DOCTYPE quoted inside
    a CDATA section (a captured HTML page in <system-out>) is still fine.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()

    def refuse(*_: Any) -> NoReturn:
        raise _Declaration

    def start(tag: str, attributes: Any) -> None:
        builder.start(tag, attributes)

    def end(tag: str) -> None:
        builder.end(tag)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(raw, True)
    except _Declaration:
        line = parser.CurrentLineNumber
        problem = "DOCTYPE/ENTITY declarations are not allowed in a test report"
        raise SourceError(f"{path}:{line}: {problem}") from None
    except expat.ExpatError as exc:
        where = f"{path}:{exc.lineno}:{exc.offset + 1}"
        raise SourceError(f"{where}: not valid XML: {expat.ErrorString(exc.code)}") from None
    root = builder.close()
    if root.tag not in _SUITES:
        raise SourceError(f"{path}:1: root element <{root.tag}> is not <testsuites> or <testsuite>")
    return root


def _outcome(case: ET.Element) -> tuple[str, ET.Element | None]:
    for tag, outcome in (("failure", "failed"), ("error", "errors"), ("skipped", "skipped")):
        detail = case.find(tag)
        if detail is not None:
            return outcome, detail
    return "passed", None


def _message(detail: ET.Element) -> str:
    """The message attribute; Jest and nextest put none, so the first line of the text then."""
    text = (detail.get("message") or "").strip()
    if not text:
        lines = [line.strip() for line in (detail.text or "").splitlines()]
        text = next((line for line in lines if line), "") or detail.get("type", "")
    return text[:_MESSAGE_LIMIT]


def _suite_counts(suite: ET.Element, name: str, failing: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(COUNTS, 0)
    for case in suite.iterfind("testcase"):
        outcome, detail = _outcome(case)
        counts["total"] += 1
        counts[outcome] += 1
        if outcome == "passed" and any(child.tag in _RERUNS for child in case):
            counts["flaky"] += 1
        if detail is not None and outcome in ("failed", "errors"):
            classname, test = case.get("classname", ""), case.get("name", "")
            failing.append({
                "id": f"{classname}::{test}" if classname else test,
                "suite": name,
                "kind": "failure" if outcome == "failed" else "error",
                "message": _message(detail),
            })
    return counts


def pass_rate(passed: int, failed: int, errors: int) -> float | None:
    """Skipped tests are left out; nothing run means no evidence, not 100%."""
    ran = passed + failed + errors
    return passed / ran if ran else None


def parse_junit(path: Path) -> dict[str, Any]:
    """One report in the context's `tests` shape, counted from its <testcase> elements."""
    root = read_report(path)
    totals = dict.fromkeys(COUNTS, 0)
    failing: list[dict[str, Any]] = []
    suites: list[dict[str, Any]] = []
    # Depth-first in document order, without recursion: nesting depth is the file's to choose.
    pending: list[tuple[ET.Element, str]] = [(root, "")]
    while pending:
        suite, parent = pending.pop()
        name = suite.get("name") or parent or path.stem
        children = [child for child in suite if child.tag in _SUITES]
        # Innermost suites are listed even when empty; a <testsuites> wrapper only with cases.
        if suite.find("testcase") is not None or (suite.tag == "testsuite" and not children):
            counts = _suite_counts(suite, name, failing)
            suites.append({"name": name, **counts})
            for key in COUNTS:
                totals[key] += counts[key]
        pending.extend((child, name) for child in reversed(children))
    return {
        **totals,
        "pass_rate": pass_rate(totals["passed"], totals["failed"], totals["errors"]),
        "failing": failing,
        "suites": suites,
        "reports": [{"path": path.as_posix(), "total": totals["total"]}],
    }


class JunitSource(Source):
    """`type: junit` — every JUnit XML report the `paths` globs match, summed."""

    type_name = "junit"

    def collect(self, request: GatherRequest) -> Evidence:
        tests: dict[str, Any] = dict.fromkeys(COUNTS, 0)
        tests.update(failing=[], suites=[], reports=[])
        for path in matched_files(self.spec):
            report = parse_junit(path)
            for key in COUNTS:
                tests[key] += report[key]
            tests["failing"].extend(report["failing"])
            tests["suites"].extend(report["suites"])
            relative = Path(os.path.relpath(path, self.spec.base_dir)).as_posix()
            tests["reports"].append({"path": relative, "total": report["total"]})
        tests["pass_rate"] = pass_rate(tests["passed"], tests["failed"], tests["errors"])
        return {"tests": tests}
