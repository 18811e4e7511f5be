"""The auditor's report as terminal text: the four keys, each stream, blocked runs, overrides and waivers."""

from __future__ import annotations

from typing import Any

from relgate.output.text import wrap
from relgate.report_svg import duration


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def spread_text(spread: dict[str, Any]) -> str:
    if not spread["count"]:
        return "none measured"
    return f"median {duration(spread['median'])}, p90 {duration(spread['p90'])} ({int(spread['count'])} measured)"


def keys_text(numbers: dict[str, Any]) -> list[str]:
    """The four DORA keys and the gate's own measures, one phrase each."""
    deployments = numbers["deployments"]
    failed = f"{int(deployments['failed'])} of {int(deployments['count'])} deployments"
    return [
        f"deploy frequency {numbers['deploy_frequency_per_week']:.2f}/week ({int(deployments['count'])} "
        f"{deployments['basis']})",
        f"lead time {spread_text(numbers['lead_time_seconds'])}",
        f"change failure rate {percent(numbers['change_failure_rate'])} ({failed})",
        f"time to restore {spread_text(numbers['time_to_restore_seconds'])}",
        f"time blocked {spread_text(numbers['time_blocked_seconds'])}",
        f"approval wait {spread_text(numbers['approval_wait_seconds'])}",
    ]


def _stream(report: dict[str, Any]) -> str:
    return f"{report['service'] or '-'}/{report['environment'] or '-'}"


def render_text(report: dict[str, Any]) -> str:
    d = report["decisions"]
    lines = wrap(f"{int(report['runs'])} gate run(s) from {report['first'] or '-'} to {report['last'] or '-'}", "")
    lines += wrap(f"allow {int(d['allow'])}, deny {int(d['deny'])}, error {int(d['error'])}; "
                  f"pass rate {percent(report['pass_rate'])}")
    lines += [line for phrase in keys_text(report) for line in wrap(phrase)]
    for stream in report.get("streams", []):
        lines += wrap(f"stream {_stream(stream)}: {int(stream['runs'])} run(s), pass rate "
                      f"{percent(stream['pass_rate'])}; " + "; ".join(keys_text(stream)))
    for v in report["top_violations"]:
        lines += wrap(f"top violation: {v['policy']} {v['id']} x{int(v['count'])}")
    for run in report.get("blocked", []):
        why = ", ".join([f"{r['policy']} {r['id']}" for r in run["reasons"]] + [f"error: {e}" for e in run["errors"]])
        lines += wrap(f"blocked: {run['at']} {_stream(run)} commit {run['commit'][:12] or '-'} {run['decision']}"
                      f"{' (warn mode)' if run['mode'] == 'warn' else ''}: {why or '-'}")
    lines += _more(report, "blocked", "blocked run(s)")
    lines += [line for w in report["waivers_used"] for line in wrap(f"waiver used: {w['waiver_id']} "
                                                                     f"x{int(w['count'])}")]
    for o in report["overrides"]:
        lines += wrap(f"override: {o['at']} by {o['actor']}: {o['reason']} ({o['policy']} {o.get('id') or ''}; "
                      f"{_stream(o) if 'service' in o else '-'}, commit {o.get('commit') or '-'})")
    lines += _more(report, "overrides", "override(s)")
    for u in report["deployments"]["ungated"]:
        lines += wrap(f"deployment without an allowed gate: {u['id']} of {u['sha'] or '-'} to {_stream(u)} at "
                      f"{u['created_at']} ({u['state']})")
    return "\n".join(lines) + "\n"


def _more(report: dict[str, Any], key: str, what: str) -> list[str]:
    """A streamed report lists the newest rows only: say how many more `--format json` has."""
    hidden = int(report.get(f"{key}_count", 0)) - len(report.get(key, []))
    return wrap(f"{hidden} earlier {what} in --format json") if hidden > 0 else []
