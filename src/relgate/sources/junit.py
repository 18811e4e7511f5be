"""Test results from JUnit XML (pytest, Surefire, Jest, go-junit-report, PHPUnit, nextest…)."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from relgate.errors import SourceError
from relgate.sources.interface import Evidence, GatherRequest, Source
from relgate.sources.paths import matched_files

_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
COUNTS = ("total", "passed", "failed", "errors", "skipped")


def _read_root(path: Path) -> ET.Element:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    # Entity declarations are how XML bombs and external entities get in; test reports need none.
    if _DECLARATION.search(raw):
        raise SourceError(f"{path}: DOCTYPE/ENTITY declarations are not allowed in a test report")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        line, column = exc.position
        raise SourceError(f"{path}:{line}:{column}: not valid XML: {exc.msg if hasattr(exc, 'msg') else exc}") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise SourceError(f"{path}: root element <{root.tag}> is not <testsuites> or <testsuite>")
    return root


def _outcome(case: ET.Element) -> tuple[str, ET.Element | None]:
    for tag, kind in (("failure", "failed"), ("error", "errors"), ("skipped", "skipped")):
        child = case.find(tag)
        if child is not None:
            return kind, child
    return "passed", None


def parse_junit(path: Path) -> dict[str, Any]:
    """Count test cases ourselves: suite attributes disagree with their cases in real reports."""
    root = _read_root(path)
    totals = dict.fromkeys(COUNTS, 0)
    failing: list[dict[str, Any]] = []
    suites: list[dict[str, Any]] = []

    def visit(suite: ET.Element, inherited: str) -> None:
        name = suite.get("name") or inherited or path.stem
        cases = suite.findall("testcase")
        if cases:
            counts = dict.fromkeys(COUNTS, 0)
            for case in cases:
                kind, detail = _outcome(case)
                counts[kind] += 1
                counts["total"] += 1
                if kind in ("failed", "errors"):
                    classname, test = case.get("classname", ""), case.get("name", "")
                    failing.append({
                        "id": f"{classname}::{test}" if classname else test,
                        "suite": name,
                        "kind": "failure" if kind == "failed" else "error",
                        "message": (detail.get("message") if detail is not None else "") or "",
                    })
            suites.append({"name": name, **counts})
            for key in COUNTS:
                totals[key] += counts[key]
        for child in suite.findall("testsuite"):
            visit(child, name)

    if root.tag == "testsuite":
        visit(root, "")
    else:
        for suite in root.findall("testsuite"):
            visit(suite, "")
    for entry in failing:
        entry["message"] = entry["message"][:500]
    return {**totals, "failing": failing, "suites": suites}


def pass_rate(passed: int, failed: int, errors: int) -> float | None:
    """Skipped tests are left out; nothing run means no evidence, not 100%."""
    ran = passed + failed + errors
    return passed / ran if ran else None


class JunitSource(Source):
    type_name = "junit"

    def collect(self, request: GatherRequest) -> Evidence:
        tests: dict[str, Any] = {**dict.fromkeys(COUNTS, 0), "failing": [], "suites": [], "reports": []}
        for path in matched_files(self.spec):
            report = parse_junit(path)
            for key in COUNTS:
                tests[key] += report[key]
            tests["failing"].extend(report["failing"])
            tests["suites"].extend(report["suites"])
            tests["reports"].append({"path": os.path.relpath(path, self.spec.base_dir), "total": report["total"]})
        tests["pass_rate"] = pass_rate(tests["passed"], tests["failed"], tests["errors"])
        return {"tests": tests}
