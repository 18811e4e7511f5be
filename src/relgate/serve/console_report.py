"""The value-stream report (`relgate audit report`) as a console page, with labelled charts."""

from __future__ import annotations

from relgate.report import build_report
from relgate.report_html import render_text
from relgate.serve import pages
from relgate.serve.records import DecisionFilter, RecordReader


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value / 3600:.1f} h"


def report_body(records: RecordReader, wanted: DecisionFilter) -> str:
    """The filter form, the figures, and the charts for the records the filter selects."""
    esc = pages.esc
    selected = DecisionFilter(service=wanted.service, environment=wanted.environment, since=wanted.since,
                              until=wanted.until)
    report = build_report(records.matching(selected))
    form = ('<form class="filters" method="get" action="/reports">'
            + pages.field("service", "Service", wanted.service) + pages.field("environment", "Environment",
                                                                            wanted.environment)
            + pages.field("since", "From", wanted.since, "2026-11-01")
            + pages.field("until", "Until", wanted.until, "2026-11-30")
            + '<button type="submit">Show</button></form>')
    decisions = report["decisions"]
    rate = "—" if report["pass_rate"] is None else f"{report['pass_rate']:.1%}"
    figures = pages.facts([
        ("Gate runs", esc(f"{report['runs']} from {report['first'] or '—'} to {report['last'] or '—'}")),
        ("Verdicts", esc(f"allow {decisions['allow']}, deny {decisions['deny']}, error {decisions['error']}")),
        ("Pass rate", esc(rate)),
        ("Deploys per week", esc(f"{report['deploy_frequency_per_week']:.2f}")),
    ])
    spreads = pages.table(("Measure", "Median", "p90", "Measured"), [
        (esc(label), esc(_hours(report[key]["median"])), esc(_hours(report[key]["p90"])),
         esc(str(report[key]["count"])))
        for key, label in (("time_blocked_seconds", "Time blocked (first deny to next allow)"),
                           ("approval_wait_seconds", "Approval wait"), ("lead_time_seconds", "Lead time"))])
    violations = [(f"{v['policy']} {v['id']}", float(v["count"])) for v in report["top_violations"]]
    waivers = [(str(w["waiver_id"]), float(w["count"])) for w in report["waivers_used"]]
    overrides = pages.table(("At", "Who", "Policy", "Why"), [
        (esc(str(o["at"])), esc(str(o["actor"])), esc(str(o["policy"])), esc(str(o["reason"])))
        for o in report["overrides"]])
    return (f"<h1>Value-stream report</h1>{form}{figures}"
            + "<h2>Pass rate by day</h2>" + pages.bars_by_day(report["by_day"])
            + "<h2>Time to release</h2>" + spreads
            + "<h2>Top violations</h2>" + pages.hbars(violations, "", "denials")
            + "<h2>Waivers used</h2>" + pages.hbars(waivers, "", "decisions where the waiver applied")
            + "<h2>Overrides</h2>" + overrides
            + "<h2>As text</h2><pre>" + "\n".join(esc(line) for line in render_text(report).splitlines())
            + "</pre>")
