"""JUnit semantics a gate depends on: suite-level errors fail, cases count at any depth, skips are not passes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from relgate.errors import SourceError
from relgate.sources.junit import parse_junit

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real-world" / "junit"


def totals(report: dict[str, Any]) -> tuple[int, ...]:
    return tuple(report[k] for k in ("total", "passed", "failed", "errors", "skipped"))


def write(directory: Path, xml: str, name: str = "r.xml") -> Path:
    path = directory / name
    path.write_text(xml, encoding="utf-8")
    return path


def refused(directory: Path, xml: str, pattern: str) -> None:
    with pytest.raises(SourceError, match=pattern):
        parse_junit(write(directory, xml))


# --- suite-level outcomes ----------------------------------------------------------------------


def test_suite_level_error_is_a_failed_case(tmp_path: Path) -> None:
    # Ant, when a test class fails to load: <error> in place of the cases (its DTD: testsuite
    # holds testcase*, failure?, error?). Jenkins counts it as a case named <init>.
    xml = ('<testsuite name="com.acme.OrderTest" tests="0" failures="0" errors="1">'
           '<properties/><error message="java.lang.ClassNotFoundException: com.acme.OrderTest" '
           'type="java.lang.ClassNotFoundException">at java.net.URLClassLoader</error></testsuite>')
    report = parse_junit(write(tmp_path, xml))
    assert totals(report) == (1, 0, 0, 1, 0) and report["pass_rate"] == 0.0
    assert report["failing"] == [{"id": "com.acme.OrderTest::<init>", "suite": "com.acme.OrderTest", "kind": "error",
                                  "message": "java.lang.ClassNotFoundException: com.acme.OrderTest"}]


def test_suite_level_failure_next_to_passing_cases_fails_the_run(tmp_path: Path) -> None:
    xml = ('<testsuites><testsuite name="s"><testcase name="a"/><testcase name="b"/>'
           '<failure message="afterAll hook failed"/></testsuite></testsuites>')
    report = parse_junit(write(tmp_path, xml))
    assert totals(report) == (3, 2, 1, 0, 0)
    assert report["failing"][0]["id"] == "s::<init>"


def test_error_directly_under_testsuites_counts_too(tmp_path: Path) -> None:
    report = parse_junit(write(tmp_path, '<testsuites name="run"><error message="runner crashed"/></testsuites>'))
    assert totals(report) == (1, 0, 0, 1, 0)


# --- cases at any depth ----------------------------------------------------------------------------


def test_a_failing_case_one_element_deeper_is_counted(tmp_path: Path) -> None:
    xml = ('<testsuites><testsuite name="s"><testcase name="ok"/>'
           '<group name="g"><testcase name="bad"><failure message="boom"/></testcase></group>'
           '</testsuite></testsuites>')
    report = parse_junit(write(tmp_path, xml))
    assert totals(report) == (2, 1, 1, 0, 0)
    assert report["failing"] == [{"id": "bad", "suite": "s", "kind": "failure", "message": "boom"}]


# --- skipped is not passed ----------------------------------------------------------------------


@pytest.mark.parametrize("attributes", ['status="disabled"', 'status="notrun"', 'status="skipped"',
                                        'status="NotRun"', 'status="notrun" result="suppressed"',
                                        'status="run" result="skipped"'])
def test_status_attributes_mark_a_case_skipped(tmp_path: Path, attributes: str) -> None:
    xml = f'<testsuite name="s"><testcase name="t" {attributes}/><testcase name="u" status="run"/></testsuite>'
    assert totals(parse_junit(write(tmp_path, xml))) == (2, 1, 0, 0, 1)


def test_a_failure_beats_a_skip_status(tmp_path: Path) -> None:
    xml = '<testsuite name="s"><testcase name="t" status="notrun"><failure/></testcase></testsuite>'
    assert totals(parse_junit(write(tmp_path, xml))) == (1, 0, 1, 0, 0)


# --- real reports with errors --------------------------------------------------------------------


def test_error_and_failure_in_one_case_is_one_failed_case() -> None:
    # Jenkins' own test data: a pytest case that failed and whose teardown raised.
    report = parse_junit(REAL / "jenkins-error-and-failure-in-one-case.xml")
    assert totals(report) == (1, 0, 1, 0, 0)


@pytest.mark.parametrize(("name", "expected"), [
    ("jest-junit-suite-errors.xml", (2, 0, 0, 2, 0)),  # test files that failed to run
    ("go-junit-report-build-error.xml", (5, 2, 0, 3, 0)),  # packages that did not build
    ("surefire-email-errors.xml", (9, 2, 2, 5, 0)),
])
def test_runner_errors_are_counted(name: str, expected: tuple[int, ...]) -> None:
    assert totals(parse_junit(REAL / name)) == expected


# --- the element model -----------------------------------------------------------------------------


@pytest.mark.parametrize(("xml", "message"), [
    ('<testsuite name="s"><testcase name="t"><Failure message="x"/></testcase></testsuite>',
     r"r\.xml:1: <Failure>: JUnit element names are case-sensitive: expected <failure>"),
    ('<testsuite name="s"><TestCase name="t"/></testsuite>',
     r'r\.xml:1: <TestCase name="t">: JUnit element names are case-sensitive: expected <testcase>'),
    ('<TestSuite name="s"/>', r"root element <TestSuite> is not <testsuites> or <testsuite>"),
    ('<testsuite name="s"><testcase name="outer"><testcase name="inner"/></testcase></testsuite>',
     r'<testcase name="inner">: a <testcase> inside another <testcase>'),
    ('<testsuite name="s"><testcase name="t"><detail><failure/></detail></testcase></testsuite>',
     r"<failure>: an outcome outside any <testcase> or <testsuite>"),
    ('<testsuite name="s"><group><error/></group></testsuite>',
     r"<error>: an outcome outside any <testcase> or <testsuite>"),
])
def test_element_model_violations_are_errors(tmp_path: Path, xml: str, message: str) -> None:
    refused(tmp_path, xml, message)


def test_a_case_with_a_line_number_in_the_error(tmp_path: Path) -> None:
    xml = '<testsuite name="s">\n<testcase name="a"/>\n<testcase name="b">\n<testcase name="c"/></testcase></testsuite>'
    refused(tmp_path, xml, r'r\.xml:4: <testcase name="c">: a <testcase> inside another')


@pytest.mark.parametrize(("attributes", "cases"), [
    ('failures="2"', '<testcase name="a"><failure/></testcase>'),
    ('failures="0" errors="1"', '<testcase name="a"/>'),
    ('failures="3"', ""),
])
def test_declared_failures_missing_from_the_report_are_an_error(tmp_path: Path, attributes: str, cases: str) -> None:
    refused(tmp_path, f'<testsuite name="s" {attributes}>{cases}</testsuite>',
            r'<testsuite name="s">: declares \d+ failures and errors but the report holds \d+: test cases are missing')


@pytest.mark.parametrize("value", ["two", "-1", "1.5", ""])
def test_declared_counts_must_be_integers(tmp_path: Path, value: str) -> None:
    refused(tmp_path, f'<testsuite name="s" failures="{value}"><testcase name="a"/></testsuite>',
            r'<testsuite name="s">: failures: expected a non-negative integer, found ')


def test_nested_suites_declare_their_whole_subtree(tmp_path: Path) -> None:
    xml = ('<testsuites failures="2"><testsuite name="outer" failures="2">'
           '<testsuite name="a" failures="1"><testcase name="x"><failure/></testcase></testsuite>'
           '<testsuite name="b" failures="1"><testcase name="y"><failure/></testcase></testsuite>'
           '</testsuite></testsuites>')
    assert totals(parse_junit(write(tmp_path, xml))) == (2, 0, 2, 0, 0)


def test_markup_inside_system_out_is_content_not_cases(tmp_path: Path) -> None:
    xml = ('<testsuite name="s"><testcase name="t"><system-out><testcase name="fake"><failure/></testcase>'
           '</system-out></testcase></testsuite>')
    assert totals(parse_junit(write(tmp_path, xml))) == (1, 1, 0, 0, 0)
