"""Test results from JUnit XML, whichever runner wrote it.

pytest, Maven Surefire, Jest, go-junit-report, PHPUnit, Bazel and cargo-nextest all
write "JUnit XML", each a little differently. What they share is the <testcase>
element, so counts come from the cases themselves, wherever they sit: suite attributes
disagree with their own cases in real reports (pytest's `tests=` among them). The
element model is still checked where a misreading could pass a failing run:
- an <error> or <failure> directly under <testsuite> is a failed case (Jenkins' rule;
  Ant writes it when a test class fails to load);
- `status="disabled|notrun|skipped"` marks a case skipped, not passed;
- a case inside a case, an outcome outside any case or suite, or a JUnit element name in
  the wrong case (`<Failure>`) is an error;
- a suite that declares more failures and errors than the report holds is an error: cases
  are missing, and the gate must not count what it cannot see as passed.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from xml.parsers import expat

from relgate.errors import SourceError
from relgate.sources.evidence import MAX_DEPTH, read_bytes
from relgate.sources.interface import Evidence, GatherRequest, Source
from relgate.sources.paths import matched_files
from relgate.sources.shape import quoted

COUNTS = ("total", "passed", "failed", "errors", "skipped", "flaky")
_SUITES = ("testsuites", "testsuite")
_OUTCOMES = ("failure", "error", "skipped")
# Surefire and nextest record failed attempts of a test that passed on a rerun.
_RERUNS = frozenset({"flakyFailure", "flakyError", "rerunFailure", "rerunError"})
# Their content is text (messages, logs, stack traces), never cases, whatever markup it holds.
_OPAQUE = frozenset({*_OUTCOMES, *_RERUNS, "system-out", "system-err", "properties"})
_KNOWN = {name.lower(): name for name in (*_SUITES, "testcase", *_OPAQUE, "property")}
# Attributes some runners (GoogleTest, NUnit conversions) use instead of a <skipped> child.
_SKIP_STATUS = frozenset({"disabled", "notrun", "skipped"})
_SKIP_RESULT = frozenset({"skipped", "suppressed"})
_COUNT = re.compile(r"\s*\d+\s*\Z")
_MESSAGE_LIMIT = 500


class _Refused(Exception):
    """A DOCTYPE/ENTITY declaration or too deep a nesting, stopped before expat goes on."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass
class _Report:
    """A parsed report and the line each element started on, for errors that name it."""

    path: Path
    root: ET.Element
    lines: dict[ET.Element, int]

    def fail(self, element: ET.Element, problem: str) -> NoReturn:
        name = element.get("name")
        label = f"<{element.tag} name={quoted(name)}>" if name is not None else f"<{element.tag}>"
        raise SourceError(f"{self.path}:{self.lines.get(element, 1)}: {label}: {problem}")


def read_report(path: Path) -> ET.Element:
    """Parse one report into elements (see `_parse`)."""
    return _parse(path).root


def _parse(path: Path) -> _Report:
    """Parse one report, refusing DTDs (no test report needs one) and nesting past MAX_DEPTH.

    DOCTYPE and ENTITY declarations are how entity-expansion bombs and external
    entities get in. Expat reports them as it meets them, so a DOCTYPE quoted inside
    a CDATA section (a captured HTML page in <system-out>) is still fine.
    """
    raw = read_bytes(path)
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()
    lines: dict[ET.Element, int] = {}
    depth = 0

    def refuse(*_: Any) -> NoReturn:
        raise _Refused("DOCTYPE/ENTITY declarations are not allowed in a test report")

    def start(tag: str, attributes: Any) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise _Refused(f"elements nested too deeply (more than {MAX_DEPTH} levels)")
        lines[builder.start(tag, attributes)] = parser.CurrentLineNumber

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
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
    except _Refused as exc:
        raise SourceError(f"{path}:{parser.CurrentLineNumber}: {exc.problem}") from None
    except expat.ExpatError as exc:
        where = f"{path}:{exc.lineno}:{exc.offset + 1}"
        raise SourceError(f"{where}: not valid XML: {expat.ErrorString(exc.code)}") from None
    root = builder.close()
    if root.tag not in _SUITES:
        raise SourceError(f"{path}:1: root element <{root.tag}> is not <testsuites> or <testsuite>")
    return _Report(path, root, lines)


@dataclass
class _Suite:
    element: ET.Element
    name: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    owns_cases: bool = False
    has_child_suites: bool = False
    outcomes_below: int = 0  # <failure>/<error> elements in this suite's whole subtree


def _message(detail: ET.Element) -> str:
    """The message attribute; Jest and nextest put none, so the first line of the text then."""
    text = (detail.get("message") or "").strip()
    if not text:
        lines = [line.strip() for line in (detail.text or "").splitlines()]
        text = next((line for line in lines if line), "") or detail.get("type", "")
    return text[:_MESSAGE_LIMIT]


def _check_name(report: _Report, element: ET.Element) -> None:
    known = _KNOWN.get(element.tag.lower())
    if known is not None and known != element.tag:
        report.fail(element, f"JUnit element names are case-sensitive: expected <{known}>")


def _declared(report: _Report, suite: _Suite) -> None:
    """A suite that declares more failures and errors than the report holds has lost cases."""
    declared = 0
    for key in ("failures", "errors"):
        value = suite.element.get(key)
        if value is None:
            continue
        if not _COUNT.match(value):
            report.fail(suite.element, f"{key}: expected a non-negative integer, found {quoted(value)}")
        declared += int(value)
    if declared > suite.outcomes_below:
        report.fail(suite.element, f"declares {declared} failures and errors but the report holds "
                                   f"{suite.outcomes_below}: test cases are missing from it")


def _case_outcome(case: ET.Element) -> tuple[str, ET.Element | None]:
    children = {child.tag: child for child in reversed(list(case))}
    for tag, outcome in (("failure", "failed"), ("error", "errors"), ("skipped", "skipped")):
        if tag in children:
            return outcome, children[tag]
    status = (case.get("status") or "").strip().lower()
    result = (case.get("result") or "").strip().lower()
    if status in _SKIP_STATUS or result in _SKIP_RESULT:
        return "skipped", None
    return "passed", None


def parse_junit(path: Path) -> dict[str, Any]:
    """One report in the context's `tests` shape, counted from its <testcase> elements."""
    report = _parse(path)
    _check_name(report, report.root)
    walk = _Walk(report, _Suite(report.root, report.root.get("name") or path.stem))
    walk.suite_level(report.root, (walk.suites[0],))
    # Depth-first in document order, without recursion: (element, parent, enclosing suites, inside a case).
    pending: list[tuple[ET.Element, ET.Element, tuple[_Suite, ...], bool]] = [
        (child, report.root, (walk.suites[0],), False) for child in reversed(list(report.root))]
    while pending:
        element, parent, chain, in_case = pending.pop()
        _check_name(report, element)
        tag = element.tag
        if tag in _OUTCOMES:
            if parent.tag not in (*_SUITES, "testcase"):
                report.fail(element, "an outcome outside any <testcase> or <testsuite>")
            continue
        if tag in _OPAQUE:
            continue
        if tag == "testcase":
            if in_case:
                report.fail(element, "a <testcase> inside another <testcase>")
            walk.case(element, chain)
        elif tag == "testsuite" and not in_case:
            chain[-1].has_child_suites = True
            suite = _Suite(element, element.get("name") or chain[-1].name)
            walk.suites.append(suite)
            chain = (*chain, suite)
            walk.suite_level(element, chain)
        pending.extend((child, element, chain, in_case or tag == "testcase") for child in reversed(list(element)))
    for suite in walk.suites:
        _declared(report, suite)
    return _summary(path, walk.suites, walk.failing)


@dataclass
class _Walk:
    """What the walk over one report has counted so far."""

    report: _Report
    root: _Suite
    suites: list[_Suite] = field(default_factory=list)
    failing: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.suites.append(self.root)

    def count(self, owner: _Suite, outcome: str, test: str, detail: ET.Element | None, classname: str) -> None:
        owner.owns_cases = True
        owner.counts["total"] += 1
        owner.counts[outcome] += 1
        if detail is not None and outcome in ("failed", "errors"):
            self.failing.append({
                "id": f"{classname}::{test}" if classname else test,
                "suite": owner.name,
                "kind": "failure" if outcome == "failed" else "error",
                "message": _message(detail),
            })

    def case(self, case: ET.Element, chain: tuple[_Suite, ...]) -> None:
        outcome, detail = _case_outcome(case)
        owner = chain[-1]
        outcomes = sum(1 for child in case if child.tag in ("failure", "error"))
        for enclosing in chain:
            enclosing.outcomes_below += outcomes
        self.count(owner, outcome, case.get("name", ""), detail, case.get("classname", ""))
        if outcome == "passed" and any(child.tag in _RERUNS for child in case):
            owner.counts["flaky"] += 1

    def suite_level(self, element: ET.Element, chain: tuple[_Suite, ...]) -> None:
        """An <error>/<failure> of the suite itself is a failed case, as Jenkins counts it."""
        for child in element:
            if child.tag in ("failure", "error"):
                for enclosing in chain:
                    enclosing.outcomes_below += 1
                outcome = "failed" if child.tag == "failure" else "errors"
                self.count(chain[-1], outcome, "<init>", child, chain[-1].name)


def _summary(path: Path, suites: list[_Suite], failing: list[dict[str, Any]]) -> dict[str, Any]:
    totals = dict.fromkeys(COUNTS, 0)
    listed: list[dict[str, Any]] = []
    for suite in suites:
        # Innermost suites are listed even when empty; a <testsuites> wrapper only with cases of its own.
        innermost = suite.element.tag == "testsuite" and not suite.has_child_suites
        if suite.owns_cases or innermost:
            listed.append({"name": suite.name, **suite.counts})
        for key in COUNTS:
            totals[key] += suite.counts[key]
    return {
        **totals,
        "pass_rate": pass_rate(totals["passed"], totals["failed"], totals["errors"]),
        "failing": failing,
        "suites": listed,
        "reports": [{"path": path.as_posix(), "total": totals["total"]}],
    }


def pass_rate(passed: int, failed: int, errors: int) -> float | None:
    """Skipped tests are left out; nothing run means no evidence, not 100%."""
    ran = passed + failed + errors
    return passed / ran if ran else None


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
