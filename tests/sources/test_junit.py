"""JUnit XML from real runners: counted from the test cases, failures named, unsafe XML refused."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from relgate.errors import SourceError
from relgate.sources.interface import GatherRequest, SourceSpec
from relgate.sources.junit import JunitSource, parse_junit

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real-world" / "junit"
REQUEST = GatherRequest(0, "checkout", "production")


def totals(report: dict[str, Any]) -> tuple[int, ...]:
    return tuple(report[k] for k in ("total", "passed", "failed", "errors", "skipped"))


def suite(name: str, *cases: str) -> str:
    return f'<testsuite name="{name}">{"".join(cases)}</testsuite>'


def case(name: str, body: str = "", classname: str = "") -> str:
    attributes = f' classname="{classname}"' if classname else ""
    return f'<testcase name="{name}"{attributes}>{body}</testcase>'


def write(directory: Path, name: str, xml: str) -> Path:
    path = directory / name
    path.write_text(xml, encoding="utf-8")
    return path


def collect(directory: Path, *patterns: str) -> dict[str, Any]:
    spec = SourceSpec("junit", "tests", options={"paths": list(patterns)}, base_dir=directory)
    tests: dict[str, Any] = JunitSource(spec).collect(REQUEST)["tests"]
    return tests


# --- real runner output -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pytest-junitxml.xml", (10, 6, 2, 0, 2)),
        ("surefire-flaky-rerun.xml", (1, 1, 0, 0, 0)),
        ("phpunit-nested.xml", (12, 10, 2, 0, 0)),
        ("jest-junit.xml", (6, 1, 4, 0, 1)),
        ("go-junit-report-pass-fail-skip.xml", (5, 2, 1, 0, 2)),
        ("python-unittest-xmlrunner.xml", (8, 4, 1, 1, 2)),
        ("jest-junit-empty.xml", (0, 0, 0, 0, 0)),
        ("edge-xml-entities.xml", (4, 0, 1, 1, 2)),
        ("edge-no-testcases.xml", (0, 0, 0, 0, 0)),
        ("nested-testsuites.xml", (5, 2, 3, 0, 0)),
        ("cargo-nextest.xml", (3, 2, 1, 0, 0)),
        ("bazel-suite-error.xml", (1, 0, 0, 1, 0)),
    ],
)
def test_counts_from_real_reports(name: str, expected: tuple[int, ...]) -> None:
    # Counted by hand from the <testcase> elements of each file.
    assert totals(parse_junit(REAL / name)) == expected


def test_pytest_cases_are_counted_not_the_tests_attribute() -> None:
    root = ET.parse(REAL / "pytest-junitxml.xml").getroot()
    assert root.find("testsuite").get("tests") == "15"  # type: ignore[union-attr]
    report = parse_junit(REAL / "pytest-junitxml.xml")
    assert report["total"] == 10 and report["pass_rate"] == 6 / 8


def test_surefire_flaky_failure_on_a_passing_case_counts_as_passed_and_flaky() -> None:
    report = parse_junit(REAL / "surefire-flaky-rerun.xml")
    assert (report["passed"], report["flaky"], report["failing"]) == (1, 1, [])
    assert report["pass_rate"] == 1.0


def test_phpunit_nested_suites_are_reported_innermost() -> None:
    report = parse_junit(REAL / "phpunit-nested.xml")
    # "CLI Arguments" holds two cases itself and three suites below it.
    assert [(s["name"], s["total"], s["failed"]) for s in report["suites"]] == [
        ("CLI Arguments", 2, 2),
        ("PHPUnit\\Event\\CollectingDispatcherTest", 2, 0),
        ("PHPUnit\\Event\\DeferringDispatcherTest", 4, 0),
        ("PHPUnit\\Event\\DirectDispatcherTest", 4, 0),
    ]
    assert [(f["suite"], f["kind"]) for f in report["failing"]] == [
        ("CLI Arguments", "failure")
    ] * 2
    # No message attribute: the first line of the text, which PHPUnit runs into the file name.
    assert report["failing"][0]["message"].endswith(
        ".phptFailed asserting that string matches format description."
    )


def test_jest_failures_without_message_attribute_use_the_first_line() -> None:
    report = parse_junit(REAL / "jest-junit.xml")
    first = report["failing"][0]
    assert first == {
        "id": "Test 1 \u203a Test 1.1::Failing test",  # describe blocks joined by U+203A
        "suite": "__tests__\\main.test.js",
        "kind": "failure",
        "message": "Error: expect(received).toBeTruthy()",
    }


def test_go_junit_report_packages_are_suites() -> None:
    report = parse_junit(REAL / "go-junit-report-pass-fail-skip.xml")
    assert [(s["name"], s["total"]) for s in report["suites"]] == [
        ("package/pass", 2),
        ("package/fail", 1),
        ("package/skip", 2),
    ]
    assert report["failing"] == [
        {
            "id": "package/fail::TestOne",
            "suite": "package/fail",
            "kind": "failure",
            "message": "Failed",
        }
    ]


def test_unittest_xmlrunner_failure_and_error_are_told_apart() -> None:
    report = parse_junit(REAL / "python-unittest-xmlrunner.xml")
    assert sorted((f["kind"], f["message"]) for f in report["failing"]) == [
        ("error", "error"),
        ("failure", "failed"),
    ]
    assert all("::" in f["id"] and f["suite"] for f in report["failing"])


def test_empty_jest_report_has_no_pass_rate(tmp_path: Path) -> None:
    assert parse_junit(REAL / "jest-junit-empty.xml")["pass_rate"] is None
    (tmp_path / "jest.xml").write_bytes((REAL / "jest-junit-empty.xml").read_bytes())
    tests = collect(tmp_path, "*.xml")
    assert (tests["total"], tests["pass_rate"], tests["suites"]) == (0, None, [])


def test_entities_in_names_and_messages_are_decoded() -> None:
    report = parse_junit(REAL / "edge-xml-entities.xml")
    assert sorted((f["id"], f["message"]) for f in report["failing"]) == [
        ("Test with & in the test name", "A message with &"),
        ("Test with 'apostrophe' in the test name", "A message with 'apostrophes'"),
    ]
    assert report["suites"][0]["name"] == "edge-xml-entities"  # unnamed suite: the file's stem


def test_bazel_logs_in_cdata_do_not_disturb_the_parse() -> None:
    (failure,) = parse_junit(REAL / "bazel-suite-error.xml")["failing"]
    assert failure == {
        "id": "bazel/failing_absl_test",
        "suite": "bazel/failing_absl_test",
        "kind": "error",
        "message": "exited with error code 1",
    }


def test_nextest_failure_message_comes_from_the_panic_text() -> None:
    (failure,) = parse_junit(REAL / "cargo-nextest.xml")["failing"]
    assert failure["id"] == "oxidized_navigation::parry3d::test_failure"
    assert failure["message"] == "thread 'test_failure' panicked at tests/parry3d.rs:154:5:"


# --- synthetic cases --------------------------------------------------------------------------


def test_outcome_precedence_and_rerun_markers(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.xml",
        suite(
            "s",
            case("both", '<failure message="f"/><error message="e"/>'),
            case("err", '<error message="e"/>'),
            case("skip", "<skipped/>"),
            case("rerun-passed", '<rerunFailure message="x"/>'),
            case("rerun-failed", '<failure message="still"/><rerunFailure message="x"/>'),
            case("plain"),
        ),
    )
    report = parse_junit(path)
    assert totals(report) == (6, 2, 2, 1, 1) and report["flaky"] == 1
    assert [(f["id"], f["kind"]) for f in report["failing"]] == [
        ("both", "failure"),
        ("err", "error"),
        ("rerun-failed", "failure"),
    ]


def test_long_messages_are_cut_to_500_characters(tmp_path: Path) -> None:
    path = write(tmp_path, "r.xml", suite("s", case("t", f'<failure message="{"x" * 2000}"/>')))
    assert len(parse_junit(path)["failing"][0]["message"]) == 500


def test_cases_directly_under_testsuites_are_counted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "flat.xml",
        f'<testsuites name="run">{case("a")}{case("b", "<failure/>")}</testsuites>',
    )
    report = parse_junit(path)
    assert totals(report) == (2, 1, 1, 0, 0) and report["suites"][0]["name"] == "run"


def test_nesting_within_the_limit_is_read(tmp_path: Path) -> None:
    depth = 60
    xml = "<testsuites>" + '<testsuite name="n">' * depth + case("deep") + "</testsuite>" * depth + "</testsuites>"
    assert parse_junit(write(tmp_path, "deep.xml", xml))["total"] == 1


@pytest.mark.parametrize("depth", [70, 3000])
def test_nesting_past_the_limit_is_one_error(tmp_path: Path, depth: int) -> None:
    xml = "<testsuites>" + '<testsuite name="n">' * depth + case("deep") + "</testsuite>" * depth + "</testsuites>"
    with pytest.raises(SourceError, match=r"deep\.xml:1: elements nested too deeply \(more than 64 levels\)"):
        parse_junit(write(tmp_path, "deep.xml", xml))


def test_doctype_quoted_in_cdata_is_not_a_declaration(tmp_path: Path) -> None:
    page = "<system-out><![CDATA[<!DOCTYPE html><!ENTITY x 'y'><html></html>]]></system-out>"
    assert parse_junit(write(tmp_path, "ui.xml", suite("ui", case("page", page))))["passed"] == 1


def test_utf16_report_is_read(tmp_path: Path) -> None:
    path = tmp_path / "utf16.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-16"?>' + suite("s", case("ü")), encoding="utf-16"
    )
    assert parse_junit(path)["total"] == 1


def test_several_files_are_summed_and_pass_rate_recomputed(tmp_path: Path) -> None:
    write(tmp_path, "a.xml", suite("a", case("x"), case("y", "<skipped/>")))
    (tmp_path / "more").mkdir()
    failed = suite("b", case("z", '<failure message="boom"/>'))
    write(tmp_path / "more", "b.xml", f"<testsuites>{failed}</testsuites>")
    tests = collect(tmp_path, "*.xml", "more/*.xml")
    assert totals(tests) == (3, 1, 1, 0, 1) and tests["pass_rate"] == 0.5
    assert tests["failing"] == [{"id": "z", "suite": "b", "kind": "failure", "message": "boom"}]
    assert tests["reports"] == [{"path": "a.xml", "total": 2}, {"path": "more/b.xml", "total": 1}]
    assert [s["name"] for s in tests["suites"]] == ["a", "b"]


def test_real_reports_sum(tmp_path: Path) -> None:
    for name in ("pytest-junitxml.xml", "jest-junit.xml"):
        (tmp_path / name).write_bytes((REAL / name).read_bytes())
    tests = collect(tmp_path, "*.xml")
    assert totals(tests) == (16, 7, 6, 0, 3) and tests["pass_rate"] == 7 / 13


# --- bad input --------------------------------------------------------------------------------


def test_not_xml_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "junit.xml", "<testsuite>\n<testcase>\n")
    with pytest.raises(SourceError, match=r"junit\.xml:3:1: not valid XML: no element found"):
        parse_junit(path)


def test_empty_file_is_not_xml(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"empty\.xml:1:1: not valid XML"):
        parse_junit(write(tmp_path, "empty.xml", ""))


def test_entity_declarations_are_refused(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE t [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>\n'
        '<testsuite name="&b;"/>'
    )
    with pytest.raises(
        SourceError, match=r"bomb\.xml:2: DOCTYPE/ENTITY declarations are not allowed"
    ):
        parse_junit(write(tmp_path, "bomb.xml", bomb))


def test_external_entity_is_refused(tmp_path: Path) -> None:
    secret = write(tmp_path, "secret.txt", "token")
    xxe = f'<!DOCTYPE t [<!ENTITY s SYSTEM "file://{secret}">]><testsuite name="&s;"/>'
    with pytest.raises(SourceError, match=r"xxe\.xml:1: DOCTYPE/ENTITY"):
        parse_junit(write(tmp_path, "xxe.xml", xxe))


def test_undeclared_entity_is_not_xml(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"u\.xml:1:\d+: not valid XML: undefined entity"):
        parse_junit(write(tmp_path, "u.xml", '<testsuite name="&nope;"/>'))


def test_wrong_root_element(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"r\.xml:1: root element <results> is not <testsuites>"):
        parse_junit(write(tmp_path, "r.xml", "<results><test/></results>"))


def test_glob_matching_nothing_names_the_pattern(tmp_path: Path) -> None:
    with pytest.raises(
        SourceError, match=r"source 'tests': 'build/\*\*/TEST-\*\.xml' matched no file"
    ):
        collect(tmp_path, "build/**/TEST-*.xml")
