"""Property: a mutated JUnit report is refused, or counted exactly as an independent oracle counts it.

Mutations are the ones that turned failing runs into passes before: elements deleted,
renamed (`<Failure>`, `<error>` → `<skipped>`), wrapped one level deeper or unwrapped,
moved, and attributes (`status`, `failures`, `errors`) changed or dropped. The oracle is a
plain recursive reading of the Ant/Jenkins model; it raises on anything it would not
count, so a report the reader accepts but the oracle refuses fails the test.
"""

from __future__ import annotations

import copy
import re
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relgate.errors import SourceError
from relgate.sources.junit import parse_junit

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real-world" / "junit"
Totals = tuple[int, int, int, int, int]

NAMES = ("testsuites", "testsuite", "testcase", "failure", "error", "skipped", "properties", "property",
         "system-out", "system-err", "flakyFailure", "flakyError", "rerunFailure", "rerunError")
OPAQUE = {"failure", "error", "skipped", "system-out", "system-err", "properties", "flakyFailure", "flakyError",
          "rerunFailure", "rerunError"}
RENAMES = ("failure", "error", "skipped", "testcase", "testsuite", "system-out", "group", "Failure", "TestCase",
           "ERROR", "Skipped", "TESTSUITE")
ATTRIBUTES = ("status", "failures", "errors", "result", "name")
SKIP_RESULTS = ("skipped", "suppressed")
VALUES = ("notrun", "disabled", "skipped", "run", "suppressed", "0", "1", "2", "5", "-1", "x", "")

SYNTHETIC = (
    '<testsuites name="all" failures="2" errors="1">'
    '<testsuite name="unit" failures="1" errors="0" tests="4">'
    '<testcase classname="c" name="ok"/><testcase classname="c" name="off" status="disabled"/>'
    '<testcase classname="c" name="bad"><failure message="boom">trace</failure><system-out>log</system-out></testcase>'
    '<testcase classname="c" name="skip"><skipped/></testcase>'
    '<testcase classname="c" name="rerun"><rerunFailure message="flaky"/></testcase>'
    "</testsuite>"
    '<testsuite name="it" failures="1" errors="1">'
    '<group><testcase name="deep"><failure/></testcase></group>'
    '<error message="class failed to load"/>'
    "</testsuite></testsuites>"
)


def _is_count(value: str | None) -> bool:
    return value is None or re.fullmatch(r"\s*\d+\s*", value) is not None


def oracle(xml: str) -> Totals:
    root = ET.fromstring(xml)
    assert root.tag in ("testsuites", "testsuite")
    totals = [0, 0, 0, 0, 0]  # total, passed, failed, errors, skipped

    def check_names(element: ET.Element) -> None:
        for name in NAMES:
            assert element.tag == name or element.tag.lower() != name.lower()

    def visit(element: ET.Element, in_case: bool) -> int:
        """Walk one element; returns the <failure>/<error> elements that count below it."""
        check_names(element)
        outcomes = 0
        if element.tag == "testcase":
            assert not in_case
            tags = [child.tag for child in element]
            status = (element.get("status") or "").strip().lower()
            result = (element.get("result") or "").strip().lower()
            if "failure" in tags:
                index = 2
            elif "error" in tags:
                index = 3
            elif "skipped" in tags or status in ("disabled", "notrun", "skipped") or result in SKIP_RESULTS:
                index = 4
            else:
                index = 1
            totals[0] += 1
            totals[index] += 1
            outcomes += sum(1 for tag in tags if tag in ("failure", "error"))
        if element.tag in ("testsuites", "testsuite") and not in_case:
            for child in element:
                if child.tag in ("failure", "error"):
                    totals[0] += 1
                    totals[2 if child.tag == "failure" else 3] += 1
                    outcomes += 1
        for child in element:
            check_names(child)
            if child.tag in ("failure", "error", "skipped"):
                assert element.tag in ("testsuites", "testsuite", "testcase")
                continue
            if child.tag in OPAQUE:
                continue
            outcomes += visit(child, in_case or element.tag == "testcase")
        if element.tag in ("testsuites", "testsuite") and not in_case:
            failures, errors = element.get("failures"), element.get("errors")
            assert _is_count(failures) and _is_count(errors)
            assert int(failures or 0) + int(errors or 0) <= outcomes
        return outcomes

    visit(root, False)
    return (totals[0], totals[1], totals[2], totals[3], totals[4])


def _elements(root: ET.Element) -> list[tuple[ET.Element, ET.Element]]:
    return [(parent, child) for parent in root.iter() for child in parent]


@st.composite
def mutated(draw: st.DrawFn, xml: str) -> tuple[str, list[str]]:
    root = copy.deepcopy(ET.fromstring(xml))
    done: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        pairs = _elements(root)
        operation = draw(st.sampled_from(("delete", "rename", "wrap", "unwrap", "sink", "attribute", "unattribute",
                                          "rename-root")))
        if operation == "rename-root":
            root.tag = draw(st.sampled_from(("testsuite", "testsuites", "TestSuite", "results")))
            done.append(f"root -> <{root.tag}>")
            continue
        if not pairs:
            break
        parent, child = draw(st.sampled_from(pairs))
        index = list(parent).index(child)
        if operation == "delete":
            parent.remove(child)
        elif operation == "rename":
            child.tag = draw(st.sampled_from(RENAMES))
        elif operation == "wrap":
            wrapper = ET.Element("group")
            parent.remove(child)
            wrapper.append(child)
            parent.insert(index, wrapper)
        elif operation == "unwrap":
            parent.remove(child)
            for offset, grandchild in enumerate(list(child)):
                parent.insert(index + offset, grandchild)
        elif operation == "sink" and index > 0:
            parent.remove(child)
            parent[index - 1].append(child)
        elif operation == "attribute":
            child.set(draw(st.sampled_from(ATTRIBUTES)), draw(st.sampled_from(VALUES)))
        elif operation == "unattribute" and child.attrib:
            del child.attrib[draw(st.sampled_from(sorted(child.attrib)))]
        done.append(f"{operation} <{child.tag}> (child {index} of <{parent.tag}>)")
    return ET.tostring(root, encoding="unicode"), done


def read(xml: str) -> Totals | None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "m.xml"
        path.write_text(xml, encoding="utf-8")
        try:
            report = parse_junit(path)
        except SourceError:
            return None
    return (report["total"], report["passed"], report["failed"], report["errors"], report["skipped"])


BASES = {
    "synthetic": SYNTHETIC,
    **{name: (REAL / name).read_text(encoding="utf-8") for name in (
        "jest-junit.xml", "python-unittest-xmlrunner.xml", "nested-testsuites.xml", "surefire-flaky-rerun.xml",
        "go-junit-report-pass-fail-skip.xml", "jenkins-error-and-failure-in-one-case.xml", "bazel-suite-error.xml",
    )},
}


@pytest.mark.parametrize("name", sorted(BASES))
def test_the_oracle_agrees_on_the_unmutated_reports(name: str) -> None:
    assert read(BASES[name]) == oracle(BASES[name])


@pytest.mark.parametrize("name", sorted(BASES))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_mutated_report_is_refused_or_counted_as_the_oracle_counts_it(name: str, data: st.DataObject) -> None:
    xml, done = data.draw(mutated(BASES[name]), label="mutation")
    got = read(xml)
    if got is None:
        return
    try:
        expected = oracle(xml)
    except (AssertionError, ValueError, ET.ParseError) as exc:
        pytest.fail(f"reader accepted a report the oracle refuses ({type(exc).__name__}: {exc}) after {done}")
    assert got == expected, f"after {done}"
