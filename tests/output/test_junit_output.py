"""JUnit output: only the policy packages that took part, with the suite's time and timestamp."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import relgate
from relgate.output import render
from relgate.sources.junit import parse_junit
from tests.conftest import QUICKSTART_AT


def test_only_participating_packages_with_time_and_timestamp(quickstart: Path, tmp_path: Path) -> None:
    decision = relgate.check(quickstart, env={}, at=QUICKSTART_AT, audit=False)
    assert set(decision.packages) == {"relgate.vulnerabilities", "relgate.tests", "relgate.approvals",
                                      "relgate.freeze"}  # no checks or slo section in the quickstart
    root = ET.fromstring(render("junit", decision))
    suite = root.find("testsuite")
    assert suite is not None
    names = {(case.get("classname"), case.get("name")) for case in suite.iter("testcase")}
    assert names == {("relgate", "relgate.approvals"), ("relgate", "relgate.freeze"),
                     ("relgate.tests", "tests.pass_rate"),
                     ("relgate.vulnerabilities", "vulnerabilities.max_exceeded"),
                     ("relgate.vulnerabilities", "CVE-2026-0001")}  # the waived finding, skipped
    assert suite.get("timestamp") == "2026-11-23T12:00:00"
    assert re.fullmatch(r"\d+\.\d{3}", suite.get("time") or "") and float(suite.get("time") or 0) > 0
    assert root.get("time") == suite.get("time") and root.get("tests") == suite.get("tests") == "5"
    # A JUnit reader (relgate's own, strict one) reads the file back with the same counts.
    report = tmp_path / "gate.xml"
    report.write_text(render("junit", decision))
    totals = parse_junit(report)
    assert (totals["total"], totals["failed"], totals["skipped"]) == (5, 2, 1)


def test_a_package_that_warns_or_denies_is_listed_even_if_not_named() -> None:
    from relgate.decision import Decision, Verdict, Violation

    decision = Decision(Verdict.DENY, violations=(Violation("team.rules", "no", "team.rules.x"),), packages=())
    cases = [c.get("classname") for c in ET.fromstring(render("junit", decision)).iter("testcase")]
    assert cases == ["team.rules"]
    assert ET.fromstring(render("junit", decision)).find("testsuite").get("time") is None  # type: ignore[union-attr]
