"""What each rule of the bundled library checks, for the outputs that describe rules (SARIF's rule metadata).

A rule from a team's own policy has no entry; its description is built from its package and id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DOCS = "docs/policies.md"


@dataclass(frozen=True)
class RuleHelp:
    """One rule: a one-line summary, what it checks and how to fix it, and tags for filtering."""

    summary: str
    text: str
    tags: tuple[str, ...] = ()


_SECURITY = ("security", "release-gate")
_GATE = ("release-gate",)

LIBRARY: Mapping[str, RuleHelp] = {
    "vulnerabilities.max_exceeded": RuleHelp(
        "More vulnerabilities of a severity than the configured maximum",
        "Counts the findings of every configured scanner by severity (waived findings excluded) and denies when a "
        "count exceeds data.vulnerabilities.max. Fix or upgrade the named packages, or waive a finding with an "
        "approved, expiring waiver.", (*_SECURITY, "vulnerability")),
    "vulnerabilities.no_evidence": RuleHelp(
        "No vulnerability scan evidence",
        "The vulnerabilities policy takes part but no sarif, trivy or grype source produced a report. Add a scanner "
        "source whose paths match the scan reports.", (*_SECURITY, "evidence")),
    "tests.pass_rate": RuleHelp(
        "Test pass rate below the configured minimum",
        "passed / (passed + failed + errors) over the JUnit reports is below data.tests.min_pass_rate. Fix the "
        "failing tests named in the details.", (*_GATE, "tests")),
    "tests.no_evidence": RuleHelp(
        "No test report evidence",
        "The tests policy takes part but no junit source produced a report. Add a junit source whose paths match "
        "the test reports.", (*_GATE, "tests", "evidence")),
    "tests.nothing_ran": RuleHelp(
        "No test was executed",
        "The test reports hold no executed test case (all skipped or empty), so they prove nothing.",
        (*_GATE, "tests")),
    "tests.required_suite_failed": RuleHelp(
        "A required test suite failed", "A suite listed in data.tests.required_suites has failing cases.",
        (*_GATE, "tests")),
    "tests.required_suite_missing": RuleHelp(
        "A required test suite is missing", "A suite listed in data.tests.required_suites is not in any report.",
        (*_GATE, "tests")),
    "approvals.count": RuleHelp(
        "Too few valid approvals",
        "Counts distinct reviewers whose latest review approves the head commit, is fresh enough and is not by an "
        "author of the change; denies below data.approvals.min. The details list discarded reviews and why.",
        (*_GATE, "approvals")),
    "approvals.no_evidence": RuleHelp(
        "No approval evidence", "The approvals policy takes part but no github source or facts file gave approvals.",
        (*_GATE, "approvals", "evidence")),
    "checks.required": RuleHelp(
        "A required check did not succeed",
        "A check named in data.checks.required is missing, still running or concluded other than success.",
        (*_GATE, "checks")),
    "checks.no_evidence": RuleHelp(
        "No check evidence", "The checks policy takes part but no github source reported checks.",
        (*_GATE, "checks", "evidence")),
    "freeze.active": RuleHelp(
        "Deploy inside a change-freeze window",
        "The evaluation time falls inside a window listed in data.freeze_windows.", (*_GATE, "freeze")),
    "freeze.malformed_window": RuleHelp(
        "A freeze window cannot be read", "A window in data.freeze_windows lacks a start or end, or ends first.",
        (*_GATE, "freeze", "config")),
    "slo.error_budget": RuleHelp(
        "Error budget below the configured minimum",
        "The SLO's error budget left over its window is below data.slo.min_error_budget.", (*_GATE, "slo")),
    "slo.page_burn": RuleHelp(
        "Page-level error-budget burn",
        "The SLO burns its error budget fast enough, over both a long and a short window, to page someone.",
        (*_GATE, "slo")),
    "slo.ticket_burn": RuleHelp(
        "Ticket-level error-budget burn", "The SLO burns its error budget at a rate that warrants a ticket.",
        (*_GATE, "slo")),
    "slo.no_data": RuleHelp(
        "No SLO data", "Prometheus returned no series, or fewer events than min_events, for the SLO.",
        (*_GATE, "slo", "evidence")),
    "slo.no_evidence": RuleHelp(
        "No SLO evidence", "The slo policy takes part but no prometheus source reported SLOs.",
        (*_GATE, "slo", "evidence")),
}

# security-severity for code scanning, from the finding severity a rule reports (CVSS v3 band midpoints).
SECURITY_SEVERITY: Mapping[str, str] = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}


def help_for(rule_id: str, policy: str) -> RuleHelp:
    """The library's description, or one built from the package for a team's own rule."""
    known = LIBRARY.get(rule_id)
    if known is not None:
        return known
    if rule_id.endswith(".invalid_setting"):
        return RuleHelp("A policy setting has the wrong type",
                        f"A setting of {policy} under data: is not of the type the policy expects; the rule it "
                        "configures denies rather than loosen.", (*_GATE, "config"))
    return RuleHelp(f"{policy}: {rule_id}",
                    f"Rule {rule_id} of the Rego package {policy}; the result's message and details say what "
                    "was observed and the threshold it was held to.", _GATE)
