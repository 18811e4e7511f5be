"""JUnit XML from real runners: counted from the test cases, failures named, bad XML refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from relgate.errors import SourceError
from relgate.sources.interface import GatherRequest, SourceSpec
from relgate.sources.junit import JunitSource, parse_junit
from tests.conftest import ROOT

REAL = ROOT / "tests" / "fixtures" / "real-world" / "junit"


def totals(name: str) -> tuple[int, int, int, int, int]:
    report = parse_junit(REAL / name)
    return report["total"], report["passed"], report["failed"], report["errors"], report["skipped"]


@pytest.mark.parametrize(("name", "expected"), [
    ("pytest-junitxml.xml", (10, 6, 2, 0, 2)),  # the suite says tests="15"; there are 10 cases
    ("surefire-flaky-rerun.xml", (1, 1, 0, 0, 0)),  # a flaky failure that passed on rerun
    ("phpunit-nested.xml", (12, 10, 2, 0, 0)),
    ("jest-junit.xml", (6, 1, 4, 0, 1)),
    ("go-junit-report-pass-fail-skip.xml", (5, 2, 1, 0, 2)),
    ("python-unittest-xmlrunner.xml", (8, 4, 1, 1, 2)),
    ("jest-junit-empty.xml", (0, 0, 0, 0, 0)),
    ("edge-xml-entities.xml", (4, 0, 1, 1, 2)),
    ("nested-testsuites.xml", (5, 2, 3, 0, 0)),
])
def test_counts_from_real_reports(name: str, expected: tuple[int, ...]) -> None:
    assert totals(name) == expected


def test_failing_tests_are_named_with_their_suite() -> None:
    report = parse_junit(REAL / "python-unittest-xmlrunner.xml")
    kinds = sorted(f["kind"] for f in report["failing"])
    assert kinds == ["error", "failure"]
    assert all("::" in f["id"] and f["suite"] for f in report["failing"])


def test_nested_suites_are_reported_innermost() -> None:
    names = [s["name"] for s in parse_junit(REAL / "phpunit-nested.xml")["suites"]]
    assert len(names) == 4 and len(set(names)) == 4


def collect(tmp_path: Path) -> dict[str, object]:
    spec = SourceSpec("junit", "tests", options={"paths": ["*.xml"]}, base_dir=tmp_path)
    return JunitSource(spec).collect(GatherRequest(0, "s", "e"))["tests"]  # type: ignore[no-any-return]


def test_pass_rate_leaves_skipped_out_and_sums_files(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_text('<testsuite name="a"><testcase name="x"/><testcase name="y"><skipped/></testcase>'
                                    '</testsuite>')
    (tmp_path / "b.xml").write_text('<testsuites><testsuite name="b"><testcase name="z"><failure message="boom"/>'
                                    '</testcase></testsuite></testsuites>')
    tests = collect(tmp_path)
    assert (tests["total"], tests["passed"], tests["failed"], tests["skipped"]) == (3, 1, 1, 1)
    assert tests["pass_rate"] == 0.5
    assert tests["failing"] == [{"id": "z", "suite": "b", "kind": "failure", "message": "boom"}]


def test_nothing_run_has_no_pass_rate() -> None:
    assert parse_junit(REAL / "jest-junit-empty.xml")["total"] == 0


def test_empty_report_gives_null_pass_rate(tmp_path: Path) -> None:
    (tmp_path / "e.xml").write_text('<testsuites tests="0"/>')
    assert collect(tmp_path)["pass_rate"] is None


def test_not_xml_names_file_and_position(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text("<testsuite><testcase>\n")
    with pytest.raises(SourceError, match=r"junit\.xml:2:0: not valid XML"):
        parse_junit(path)


def test_entity_declarations_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa">]><testsuite name="&a;"/>')
    with pytest.raises(SourceError, match=r"bomb\.xml: DOCTYPE/ENTITY declarations are not allowed"):
        parse_junit(path)


def test_wrong_root_element(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    path.write_text("<results><test/></results>")
    with pytest.raises(SourceError, match=r"root element <results>"):
        parse_junit(path)
