"""Every format renders the same decision; untrusted text comes out inert."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from relgate.decision import Decision, Mode, Override, Verdict, Violation, Waived, WaiverNote
from relgate.output import FORMATS
from relgate.output.escape import markdown, terminal

HOSTILE = "evil\x1b[31m red\r\n## injected [link](http://x) <img src=x>"

DECISION = Decision(
    verdict=Verdict.DENY,
    mode=Mode.ENFORCE,
    service="checkout",
    environment="production",
    evaluated_at="2026-11-23T12:00:00Z",
    violations=(Violation("relgate.vulnerabilities", HOSTILE, "vulnerabilities.max_exceeded",
                          {"count": 6, "max": 5}),),
    warnings=(Violation("relgate.slo", "ticket-level burn", "slo.ticket", {}, "hard-mandatory"),),
    waived=(Waived("WVR-1", "relgate.vulnerabilities", "CVE-2026-0001", "finding waived", ("CVE-2026-0001",),
                   "not reachable", "security-team", "2027-01-31T00:00:00Z"),),
    overrides=(Override("relgate.tests", "tests.pass_rate", "low", "hotfix", "alice"),),
    waiver_notes=(WaiverNote("WVR-2", "stale", "matched nothing"),),
    packages=("relgate.slo", "relgate.tests", "relgate.vulnerabilities"),
    policy_digest="sha256:abc",
    engine="regorus",
    audit_id="0f6c",
)


def test_terminal_escape_shows_control_characters() -> None:
    assert terminal("a\x1b[31mb\rc\nd") == "a\\x1b[31mb\\x0dc\\nd"


def test_markdown_escape_neutralises_structure() -> None:
    escaped = markdown(HOSTILE)
    assert "\n" not in escaped and "\x1b" not in escaped
    assert "\\[link\\]\\(http\\:\\/\\/x\\)" in escaped and "\\<img" in escaped and "\\#\u200b\\#" in escaped


def test_text_has_one_line_per_violation_and_warning() -> None:
    text = FORMATS["text"]().render(DECISION)
    lines = text.splitlines()
    assert lines[0].startswith("relgate: DENY")
    assert sum(line.lstrip().startswith("DENY") for line in lines) == 1
    assert sum(line.lstrip().startswith("WARN") for line in lines) == 1
    assert "\x1b" not in text  # no colour off a TTY, and the hostile escape is shown, not sent
    assert 'count=6, max=5' in text


def test_text_colour_only_when_asked() -> None:
    assert "\x1b[31m" in FORMATS["text"]().render(DECISION, colour=True)


def test_json_is_the_full_decision() -> None:
    doc = json.loads(FORMATS["json"]().render(DECISION))
    assert doc["decision"] == "deny" and doc["allowed"] is False
    assert doc["violations"][0]["details"] == {"count": 6, "max": 5}
    assert doc["waived"][0]["waiver_id"] == "WVR-1"
    assert doc["overrides"][0]["actor"] == "alice"
    assert doc["audit_id"] == "0f6c"


def test_markdown_escapes_untrusted_messages() -> None:
    md = FORMATS["markdown"]().render(DECISION)
    assert "## ❌ relgate: deny" in md
    assert "\n## injected" not in md and "[link](http" not in md
    assert "WVR\\-1 waived CVE\\-2026\\-0001" in md


def test_junit_has_a_failure_per_violation_and_a_skip_per_waiver() -> None:
    root = ET.fromstring(FORMATS["junit"]().render(DECISION))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("failures"), suite.get("skipped"), suite.get("errors")) == ("1", "1", "0")
    failure = suite.find("testcase/failure")
    assert failure is not None and "\x1b" not in (failure.get("message") or "")
    names = [case.get("name") for case in suite.findall("testcase")]
    assert "relgate.slo" in names and "relgate.tests" in names
