"""Waivers, enforcement levels and overrides turn raw deny sets into a verdict."""

from __future__ import annotations

from typing import Any

from relgate.config import Waiver
from relgate.decision import Mode, Verdict
from relgate.engines.interface import RuleOutcome
from relgate.verdict import OverrideRequest, enforcement_for, judge, normalise
from relgate.waivers import open_book

NOW = 1_800_000_000 * 10**9


def waiver(match: str, *, policy: str = "relgate.vulnerabilities", expires_ns: int = NOW + 1,
           environment: str | None = None, wid: str = "W1") -> Waiver:
    return Waiver(wid, policy, match, "2027-01-15T08:00:00Z", expires_ns, "sec-team", "not reachable",
                  environment=environment)


def decide(outcomes: list[RuleOutcome], *, waivers: tuple[Waiver, ...] = (), levels: dict[str, str] | None = None,
           findings: list[dict[str, Any]] | None = None, override: OverrideRequest | None = None,
           errors: tuple[str, ...] = (), mode: Mode = Mode.ENFORCE) -> Any:
    book = open_book(waivers, service="checkout", environment="production", evaluated_at_ns=NOW)
    return judge(outcomes, book=book, levels=levels or {}, findings=findings or [], override=override,
                 errors=errors, mode=mode)


def deny(package: str, *elements: Any) -> RuleOutcome:
    return RuleOutcome(package, tuple(elements), ())


def test_no_violation_allows() -> None:
    decision = decide([deny("relgate.tests")])
    assert decision.verdict is Verdict.ALLOW and decision.exit_code == 0


def test_violation_denies_with_exit_one() -> None:
    decision = decide([deny("relgate.tests", {"msg": "too low", "id": "tests.pass_rate", "details": {"x": 1}})])
    assert decision.verdict is Verdict.DENY and decision.exit_code == 1
    assert decision.violations[0].details == {"x": 1}
    assert decision.violations[0].enforcement == "hard-mandatory"


def test_string_elements_are_accepted() -> None:
    violation = normalise("relgate.custom", "no friday deploys", "hard-mandatory")
    assert (violation.msg, violation.id) == ("no friday deploys", "relgate.custom")


def test_errors_win_over_everything() -> None:
    decision = decide([deny("relgate.tests")], errors=("engine exploded",))
    assert decision.verdict is Verdict.ERROR and decision.exit_code == 2


def test_warn_mode_reports_deny_but_exits_zero() -> None:
    decision = decide([deny("relgate.tests", "bad")], mode=Mode.WARN)
    assert decision.verdict is Verdict.DENY and decision.exit_code == 0


def test_advisory_turns_denies_into_warnings() -> None:
    decision = decide([deny("relgate.tests", "bad")], levels={"relgate.tests": "advisory"})
    assert decision.verdict is Verdict.ALLOW
    assert [w.msg for w in decision.warnings] == ["bad"]
    assert decision.warnings[0].enforcement == "advisory"


def test_soft_mandatory_passes_only_with_override() -> None:
    levels = {"relgate.tests": "soft-mandatory"}
    assert decide([deny("relgate.tests", "bad")], levels=levels).verdict is Verdict.DENY
    decision = decide([deny("relgate.tests", "bad")], levels=levels,
                      override=OverrideRequest("hotfix for INC-42", "alice"))
    assert decision.verdict is Verdict.ALLOW
    assert decision.overrides[0].actor == "alice" and decision.overrides[0].reason == "hotfix for INC-42"


def test_override_cannot_pass_hard_mandatory() -> None:
    decision = decide([deny("relgate.vulnerabilities", "bad")], override=OverrideRequest("please", "alice"))
    assert decision.verdict is Verdict.DENY and not decision.overrides


def test_most_specific_enforcement_level_wins() -> None:
    levels = {"relgate": "advisory", "relgate.slo": "hard-mandatory"}
    assert enforcement_for("relgate.slo", levels) == "hard-mandatory"
    assert enforcement_for("relgate.tests", levels) == "advisory"
    assert enforcement_for("relgate.slow", {"relgate.slo": "advisory"}) == "hard-mandatory"


def test_waiver_by_rule_id_takes_the_violation_out() -> None:
    element = {"msg": "2 approvals missing", "id": "approvals.count"}
    decision = decide([deny("relgate.approvals", element)],
                      waivers=(waiver("approvals.count", policy="relgate.approvals"),))
    assert decision.verdict is Verdict.ALLOW
    assert decision.waived[0].waiver_id == "W1"


def test_waiver_by_message_pattern() -> None:
    decision = decide([deny("relgate.freeze", "change freeze in force: holiday")],
                      waivers=(waiver("change freeze*", policy="relgate.freeze"),))
    assert decision.verdict is Verdict.ALLOW


def test_waiver_for_another_policy_does_not_apply() -> None:
    decision = decide([deny("relgate.tests", {"msg": "m", "id": "approvals.count"})],
                      waivers=(waiver("approvals.count", policy="relgate.approvals"),))
    assert decision.verdict is Verdict.DENY
    assert decision.waiver_notes[0].status == "stale"


def test_expired_waiver_does_not_apply_and_is_reported() -> None:
    decision = decide([deny("relgate.tests", {"msg": "m", "id": "tests.pass_rate"})],
                      waivers=(waiver("tests.pass_rate", policy="relgate.tests", expires_ns=NOW),))
    assert decision.verdict is Verdict.DENY
    assert [(n.waiver_id, n.status) for n in decision.waiver_notes] == [("W1", "expired")]


def test_waiver_scoped_to_another_environment_is_ignored() -> None:
    decision = decide([deny("relgate.tests", {"msg": "m", "id": "tests.pass_rate"})],
                      waivers=(waiver("tests.pass_rate", policy="relgate.tests", environment="staging"),))
    assert decision.verdict is Verdict.DENY and not decision.waiver_notes


def test_finding_waiver_is_recorded_with_the_findings_it_took_out() -> None:
    findings = [{"id": "CVE-2026-0001", "rule": "CVE-2026-0001", "severity": "critical"},
                {"id": "CVE-2026-0002", "rule": "CVE-2026-0002", "severity": "high"}]
    decision = decide([deny("relgate.vulnerabilities")], waivers=(waiver("CVE-2026-0001"),), findings=findings)
    assert decision.verdict is Verdict.ALLOW
    assert decision.waived[0].findings == ("CVE-2026-0001",)
    assert not decision.waiver_notes


def test_unused_waiver_is_reported_stale() -> None:
    decision = decide([deny("relgate.vulnerabilities")], waivers=(waiver("CVE-1999-0001"),),
                      findings=[{"id": "CVE-2026-0002", "severity": "high"}])
    assert [(n.waiver_id, n.status) for n in decision.waiver_notes] == [("W1", "stale")]
