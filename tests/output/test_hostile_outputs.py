"""Every field of a decision set to the same hostile string, through every output: each stays inert."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import cmarkgfm
from cmarkgfm.cmark import Options
from hypothesis import HealthCheck, given, settings

from relgate.decision import Decision, Mode, Override, Verdict, Violation, Waived, WaiverNote
from relgate.output import FORMATS, render
from relgate.output.github import publish
from relgate.report_html import render_html, render_text
from tests.output.hostile import HOSTILE, UNSAFE, command_of, runner_lines, starts_a_command
from tests.output.test_escape import parsed

MARKDOWN_TAGS = {"h2", "h3", "p", "strong", "code", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "a"}


def hostile_decision(h: str) -> Decision:
    """One decision in which every string a policy, a piece of evidence or a config can set is `h`."""
    located = ({"path": h, "line": 3, "finding": h}, {"path": f"{h}/x", "line": h})
    return Decision(
        verdict=Verdict.DENY, mode=Mode.ENFORCE, service=h, environment=h, evaluated_at=h,
        violations=(Violation(h, h, h, {h: h, "n": [h, 1]}, "hard-mandatory", located),
                    Violation(f"{h}.b", h, f"{h}.id", {}, h)),
        warnings=(Violation(h, h, h, {h: {h: h}}, "advisory", located[:1]),),
        waived=(Waived(h, h, h, h, (h, h), h, h, h), Waived(h, h, h, h, (), h, h, h)),
        overrides=(Override(h, h, h, h, h),),
        waiver_notes=(WaiverNote(h, h, h),),
        errors=(h, f"required source {h!r} failed: {h}"),
        packages=(h, f"{h}.b"),
        policy_digest=h, engine=h, audit_id=h, record_path=h,
    )


@given(HOSTILE)
@settings(max_examples=120, deadline=None)
def test_text_output_is_our_lines_only(h: str) -> None:
    for colour in (False, True):
        text = render("text", hostile_decision(h), colour=colour)
        plain = re.sub(r"\x1b\[[0-9;]*m", "", text) if colour else text
        lines = plain.split("\n")[:-1]
        entries = [line for line in lines if not line.startswith(" " * 8)]  # wrapped text continues indented
        # header, 2 errors, 2 deny, 1 warn, 1 override, 2 waived, 1 note, summary, and the audit line when an id is set
        assert len(entries) == 11 + bool(h)
        assert lines[0].startswith("relgate: DENY")
        assert all(line.startswith("  ") for line in entries[1:])
        assert not UNSAFE.search(plain.replace("\n", ""))
        assert not any(starts_a_command(line) for line in runner_lines(text))


@given(HOSTILE)
@settings(max_examples=120, deadline=None)
def test_json_output_is_the_decision_exactly_and_inert(h: str) -> None:
    decision = hostile_decision(h)
    text = render("json", decision)
    if not any(0xD800 <= ord(c) <= 0xDFFF for c in h):  # JSON cannot tell a surrogate pair from two lone halves
        assert json.loads(text) == json.loads(json.dumps(decision.to_json()))
    assert text.isascii() and not any(starts_a_command(line) for line in runner_lines(text))


@given(HOSTILE)
@settings(max_examples=120, deadline=None)
def test_markdown_output_renders_no_html_or_link_from_data(h: str) -> None:
    page = parsed(cmarkgfm.github_flavored_markdown_to_html(
        render("markdown", hostile_decision(h)), options=Options.CMARK_OPT_UNSAFE))
    assert set(page.tags) <= MARKDOWN_TAGS - {"a"}, page.tags
    assert page.tags.count("td") == 5 * 3 and page.tags.count("h2") == 1  # 3 rows of 5 cells; one title


@given(HOSTILE)
@settings(max_examples=120, deadline=None)
def test_junit_output_is_well_formed_with_one_case_per_item(h: str) -> None:
    text = render("junit", hostile_decision(h))
    suite = ET.fromstring(text).find("testsuite")
    assert suite is not None
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("2", "2", "2")
    assert not any(starts_a_command(line) for line in runner_lines(text))


@given(HOSTILE)
@settings(max_examples=120, deadline=None)
def test_sarif_output_is_valid_json_with_visible_ids(h: str) -> None:
    text = render("sarif", hostile_decision(h))
    log = json.loads(text)
    run = log["runs"][0]
    assert text.isascii() and not any(starts_a_command(line) for line in runner_lines(text))
    for result in run["results"]:
        assert not UNSAFE.search(result["ruleId"]) and "\n" not in result["ruleId"]
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


@given(HOSTILE)
@settings(max_examples=150, deadline=None)
def test_github_annotations_are_exactly_our_commands(h: str) -> None:
    text = render("github", hostile_decision(h))
    lines = runner_lines(text)
    # errors, the located deny (one line per location with a path), the plain deny, the warning
    assert len(lines) == 2 + (2 if h else 1) + 1 + 1
    for line in lines:
        command = command_of(line)
        assert command is not None and "##[" not in line
        name, props, _ = command
        assert name in ("error", "warning") and set(props) <= {"file", "line", "title"}


@given(h=HOSTILE)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_job_summary_and_step_outputs_stay_in_their_files(h: str, tmp_path: Path) -> None:
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    summary.write_text("")
    output.write_text("")
    publish(hostile_decision(h), {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output)},
            "https://github.com/acme/x/actions/runs/1")
    text = output.read_text(encoding="utf-8")
    names = re.findall(r"^([\w-]+)<<(relgate_[0-9a-f]{32})\n(.*)\n\2$", text, re.MULTILINE)
    assert [n for n, _, _ in names] == ["decision", "allowed", "audit-id", "record-path", "violations"]
    assert all("\n" not in value and not UNSAFE.search(value) for _, _, value in names)
    page = parsed(cmarkgfm.github_flavored_markdown_to_html(summary.read_text(encoding="utf-8"),
                                                            options=Options.CMARK_OPT_UNSAFE))
    assert set(page.tags) <= MARKDOWN_TAGS and page.tags.count("a") == 1  # only our link to the run


def hostile_report(h: str) -> dict[str, Any]:
    spread = {"median": 3600.0, "p90": 7200.0, "count": 2}
    where = {"at": h, "service": h, "environment": h, "commit": h, "audit_id": h}
    numbers = {
        "runs": 2, "decisions": {"allow": 1, "deny": 1, "error": 0}, "pass_rate": 0.5,
        "time_blocked_seconds": spread, "approval_wait_seconds": spread, "lead_time_seconds": spread,
        "deploy_frequency_per_week": 1.0, "change_failure_rate": 0.5, "time_to_restore_seconds": spread,
        "deployments": {"basis": h, "count": 2, "failed": 1, "incidents": 1, "open_incidents": 0,
                        "ungated": [{"id": h, "sha": h, "state": h, "service": h, "environment": h, "created_at": h}]},
    }
    return {
        **numbers, "first": h, "last": h, "streams": [{"service": h, "environment": h, **numbers}],
        "by_day": [{"day": h, "runs": 2, "allow": 1, "deny": 1, "error": 0}],
        "top_violations": [{"policy": h, "id": h, "count": 2}], "waivers_used": [{"waiver_id": h, "count": 1}],
        "blocked": [{**where, "decision": h, "mode": h, "reasons": [{"policy": h, "id": h, "msg": h}], "errors": [h]}],
        "waivers": [{**where, "waiver_id": h, "policy": h, "what": h, "approved_by": h, "reason": h, "expires": h}],
        "overrides": [{"actor": h, "reason": h, "policy": h, **where, "id": h, "msg": h}],
        "incidents": [{"id": h, "service": h, "environment": h, "commit": h, "started_at": h, "resolved_at": h,
                       "description": h}],
        "definitions": {h: h},
    }


@given(HOSTILE)
@settings(max_examples=120, deadline=None)
def test_html_and_text_reports_are_inert(h: str) -> None:
    page = parsed(render_html(hostile_report(h)))
    allowed = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "svg", "rect", "text",
               "line", "table", "thead", "tbody", "tr", "th", "td", "section", "b", "br", "code", "span", "dl", "dt",
               "dd"}
    assert set(page.tags) <= allowed and "script" not in page.tags
    text = render_text(hostile_report(h))
    assert not UNSAFE.search(text.replace("\n", "")) and not any(starts_a_command(x) for x in runner_lines(text))


def test_a_sarif_rule_id_with_a_newline_cannot_start_a_workflow_command() -> None:
    """The attack from the issue: a scanner's ruleId `R\\n::error::X` used as a violation id."""
    decision = hostile_decision("ok")
    evil = Violation("relgate.vulnerabilities", "found", "R\n::error::X\x1b[2J\u0085::warning::Y")
    decision = Decision(verdict=Verdict.DENY, violations=(evil,), packages=("relgate.vulnerabilities",))
    for name in FORMATS:
        out = render(name, decision)
        commands = [command_of(line) for line in runner_lines(out)]
        assert all(c is None or c[0] in ("error", "warning") for c in commands), name
        assert sum(c is not None for c in commands) == (1 if name == "github" else 0), name
        assert "\x1b" not in out and "\x85" not in out, name
