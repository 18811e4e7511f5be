"""The auditor's report as one self-contained HTML file: tables and inline SVG charts, no scripts, prints on A4.

Every string from the records is escaped; counts print as integers, durations with a unit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from relgate.output.escape import html as esc
from relgate.report import waiver_groups
from relgate.report_svg import bar, duration, durations, runs_by_day
from relgate.report_text import percent, render_text

__all__ = ["render_html", "render_text"]
MAX_ROWS = 500  # per table; the JSON report has every row

STYLE = """
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;max-width:74em;
padding:0 1em;color:#212121;line-height:1.4}
h1{margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #bdbdbd;padding-bottom:.2em}
table{border-collapse:collapse;width:100%;margin:.4em 0;font-size:.92em}
th,td{padding:.25em .6em;text-align:left;vertical-align:top;border-bottom:1px solid #e0e0e0;
overflow-wrap:break-word}
th{background:#f5f5f5;overflow-wrap:normal}td.num,th.num{text-align:right;white-space:nowrap;
font-variant-numeric:tabular-nums}td.nowrap{white-space:nowrap}
.keys td{font-size:1.15em;font-weight:600;white-space:nowrap}.muted{color:#616161}.deny{color:#c62828}
.error{color:#616161}
svg.chart{max-width:100%;height:auto;display:block;margin:.4em 0}dl dt{font-weight:600;margin-top:.4em}
code{font-size:.9em}
@page{size:A4;margin:14mm 12mm}
@media print{body{margin:0;max-width:none;font-size:9.5pt}h2{break-after:avoid}tr,svg{break-inside:avoid}
thead{display:table-header-group}a{color:inherit;text-decoration:none}}
"""


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = (),
           empty: str = "None.", cls: str = "", nowrap: Sequence[int] = (), total: int | None = None) -> str:
    """`total`: how many rows there are when `rows` holds only the newest (a streamed report)."""
    if not rows:
        return f'<p class="muted">{empty}</p>'

    def kind(i: int) -> str:
        return ' class="num"' if i in numeric else ' class="nowrap"' if i in nowrap else ""

    head = "".join(f'<th{" class=num" if i in numeric else ""}>{h}</th>' for i, h in enumerate(headers))
    shown = rows[:MAX_ROWS]
    body = "".join("<tr>" + "".join(f"<td{kind(i)}>{cell}</td>" for i, cell in enumerate(row)) + "</tr>"
                   for row in shown)
    hidden = max(len(rows), total or 0) - len(shown)
    more = f'<p class="muted">{hidden} more row(s) in <code>--format json</code>.</p>' if hidden > 0 else ""
    opening = f'<table class="{cls}">' if cls else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def _stream(item: dict[str, Any]) -> str:
    return esc(f"{item.get('service') or '-'} / {item.get('environment') or '-'}")


def _commit(item: dict[str, Any]) -> str:
    commit = str(item.get("commit") or "")
    return f"<code>{esc(commit[:12])}</code>" if commit else "-"


def _keys_row(n: dict[str, Any]) -> list[str]:
    deployments = n["deployments"]
    return [
        esc(str(int(n["runs"]))),
        esc(percent(n["pass_rate"])),
        esc(f"{n['deploy_frequency_per_week']:.2f}"),
        esc(duration(n["lead_time_seconds"]["median"])),
        esc(f"{percent(n['change_failure_rate'])} ({int(deployments['failed'])}/{int(deployments['count'])})"),
        esc(duration(n["time_to_restore_seconds"]["median"])),
        esc(duration(n["time_blocked_seconds"]["median"])),
        esc(duration(n["approval_wait_seconds"]["median"])),
    ]


KEY_HEADERS = ("Runs", "Pass rate", "Deploys / week", "Lead time (median)", "Change failure rate",
               "Time to restore (median)", "Time blocked (median)", "Approval wait (median)")


def _blocked(report: dict[str, Any]) -> str:
    def reasons(run: dict[str, Any]) -> str:
        items = [f"<b>{esc(r['policy'])}</b> <code>{esc(r['id'])}</code>: {esc(r['msg'])}" for r in run["reasons"]]
        items += [f'<span class="error">error: {esc(e)}</span>' for e in run["errors"]]
        return "<br>".join(items) or "-"

    rows = [[esc(r["at"]), _stream(r), _commit(r), f'<span class="{esc(r["decision"])}">{esc(r["decision"])}</span>'
             + (" (warn mode)" if r["mode"] == "warn" else ""), reasons(r), f'<code>{esc(r["audit_id"][:8])}</code>']
            for r in reversed(report["blocked"])]
    return _table(("At (UTC)", "Service / environment", "Commit", "Decision", "Reasons", "Record"), rows,
                  empty="No run was blocked.", nowrap=(0, 2, 3, 5), total=report.get("blocked_count"))


def _violations(report: dict[str, Any]) -> str:
    top = max((int(v["count"]) for v in report["top_violations"]), default=0)
    rows = [[esc(v["policy"]), f"<code>{esc(v['id'])}</code>", esc(str(int(v["count"]))), bar(int(v["count"]), top)]
            for v in report["top_violations"]]
    return _table(("Policy", "Rule", "Denials", ""), rows, numeric=(2,), empty="No violations.")


def _overrides(report: dict[str, Any]) -> str:
    rows = [[esc(str(o["at"])), _stream(o), _commit(o), f"{esc(str(o['policy']))}<br><code>{esc(str(o.get('id')))}"
             "</code>", esc(str(o["actor"])), esc(str(o["reason"]))] for o in reversed(report["overrides"])]
    return _table(("At (UTC)", "Service / environment", "Commit", "Policy / rule", "Who", "Why"), rows,
                  empty="No soft-mandatory denial was overridden.", nowrap=(0, 2), total=report.get("overrides_count"))


def _waivers(report: dict[str, Any]) -> str:
    """One row per waiver (who approved it, why, until when) with how often and on which commits it was used."""
    groups = report.get("waiver_groups")
    rows = []
    for g in waiver_groups(report["waivers"]) if groups is None else groups:
        shown = ", ".join(f"<code>{esc(c[:12])}</code>" for c in g["commits"]) + (
            " and more" if g["more_commits"] else "")
        streams = ", ".join(_stream(s) for s in g["streams"])
        rows.append([f"<b>{esc(g['waiver_id'])}</b>", f"{esc(g['policy'])}<br>{esc(g['what'])}",
                     f"{esc(g['approved_by'])}<br>until {_when(g['expires'])}", esc(g["reason"]),
                     esc(str(int(g["runs"]))), f"{streams}<br>{shown or '-'}",
                     f"{_when(g['first'])}<br>{_when(g['last'])}"])
    return _table(("Waiver", "Policy / waived", "Approved by", "Why", "Runs", "Where / commits",
                   "First / last use (UTC)"), rows, numeric=(4,), empty="No waiver was used.")


def _when(stamp: str) -> str:
    """An RFC 3339 time that may wrap between date and time in a narrow column."""
    return esc(stamp).replace("T", " ", 1) if len(stamp) > 10 and stamp[10] == "T" else esc(stamp)


def _deployments(report: dict[str, Any]) -> str:
    ungated = report["deployments"]["ungated"]
    rows = [[esc(u["created_at"]), _stream(u), f"<code>{esc(str(u['id']))}</code>", _commit({"commit": u["sha"]}),
             esc(u["state"])] for u in ungated]
    incidents = [[esc(i["id"]), _stream(i), esc(i["started_at"]), esc(i["resolved_at"] or "open"), _commit(i),
                  esc(i["description"])] for i in report["incidents"]]
    return ("<h3>Deployments without an allowed gate</h3>"
            + _table(("Created (UTC)", "Service / environment", "Deployment", "Commit", "State"), rows,
                     empty="None: every deployment the records saw followed an allowed gate (or no GitHub "
                           "deployment data was recorded).")
            + "<h3>Incidents</h3>"
            + _table(("Incident", "Service / environment", "Started (UTC)", "Resolved (UTC)", "Commit", "What"),
                     incidents, empty="None given (relgate audit report --incidents FILE)."))


def _section(title: str, body: str, anchor: str) -> str:
    return f'<section id="{anchor}"><h2>{title}</h2>{body}</section>'


def render_html(report: dict[str, Any]) -> str:
    """One file, no scripts, no external resources: it opens anywhere, offline, and prints on A4."""
    d = report["decisions"]
    period = (f"{int(report['runs'])} gate run(s) from {esc(str(report['first'] or '-'))} to "
              f"{esc(str(report['last'] or '-'))}: allow {int(d['allow'])}, deny {int(d['deny'])}, "
              f"error {int(d['error'])}. Deployments counted from {esc(report['deployments']['basis'])}.")
    streams = [[_stream(s), *_keys_row(s)] for s in report.get("streams", [])]
    spreads = [(label, report[key]["median"], report[key]["p90"], int(report[key]["count"]))
               for key, label in (("time_blocked_seconds", "Time blocked"), ("approval_wait_seconds", "Approval wait"),
                                  ("lead_time_seconds", "Lead time"), ("time_to_restore_seconds", "Time to restore"))]
    definitions = "".join(f"<dt>{esc(name)}</dt><dd>{esc(text)}</dd>" for name, text in _definitions(report))
    sections: list[tuple[str, Callable[[], str], str]] = [
        ("Summary", lambda: _table(KEY_HEADERS, [_keys_row(report)], cls="keys"), "summary"),
        ("By service and environment", lambda: _table(("Service / environment", *KEY_HEADERS), streams,
                                                       numeric=(1,)), "streams"),
        ("Gate runs by day", lambda: runs_by_day(report["by_day"]), "by-day"),
        ("Durations", lambda: durations(spreads), "durations"),
        ("Blocked runs", lambda: _blocked(report), "blocked"),
        ("Top violations", lambda: _violations(report), "violations"),
        ("Overrides", lambda: _overrides(report), "overrides"),
        ("Waivers used", lambda: _waivers(report), "waivers"),
        ("Deployments and incidents", lambda: _deployments(report), "deployments"),
        ("Definitions", lambda: f"<dl>{definitions}</dl>", "definitions"),
    ]
    body = "".join(_section(title, make(), anchor) for title, make, anchor in sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Release gate report</title><style>{STYLE}</style></head><body>"
            f'<h1>Release gate report</h1><p class="period">{period}</p>{body}</body></html>\n')


def _definitions(report: dict[str, Any]) -> list[tuple[str, str]]:
    given = report.get("definitions", {})
    extra = [("Pass rate", "Allowed runs divided by all gate runs."),
             ("Time blocked", "For each commit, from its first denied gate to the next allowed gate."),
             ("Approval wait", "From the latest approval to the gate that allowed the change.")]
    named = {"deploy_frequency_per_week": "Deployment frequency", "lead_time_seconds": "Lead time for changes",
             "change_failure_rate": "Change failure rate", "time_to_restore_seconds": "Time to restore service"}
    explained = [(named.get(k, k), str(v).split(": ", 1)[-1]) for k, v in given.items()]
    return [(name, text[:1].upper() + text[1:]) for name, text in explained] + extra
