"""The value-stream report as text, or as one self-contained HTML file with inline SVG charts."""

from __future__ import annotations

from typing import Any

from relgate.output.escape import html as escape
from relgate.output.escape import terminal


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 86_400:
        return f"{value / 86_400:.1f} d"
    if value >= 3600:
        return f"{value / 3600:.1f} h"
    return f"{value / 60:.1f} min"


def render_text(report: dict[str, Any]) -> str:
    d = report["decisions"]
    rate = "-" if report["pass_rate"] is None else f"{report['pass_rate'] * 100:.1f}%"
    lines = [
        f"{report['runs']} gate run(s) from {report['first'] or '-'} to {report['last'] or '-'}",
        f"  allow {d['allow']}, deny {d['deny']}, error {d['error']}; pass rate {rate}",
        f"  deploys per week: {report['deploy_frequency_per_week']:.2f}",
    ]
    for key, label in (("time_blocked_seconds", "time blocked"), ("approval_wait_seconds", "approval wait"),
                       ("lead_time_seconds", "lead time")):
        spread = report[key]
        lines.append(f"  {label}: median {_seconds(spread['median'])}, p90 {_seconds(spread['p90'])} "
                     f"({spread['count']} measured)")
    lines += [f"  top violation: {v['policy']} {v['id']} x{v['count']}" for v in report["top_violations"]]
    lines += [f"  waiver used: {w['waiver_id']} x{w['count']}" for w in report["waivers_used"]]
    lines += [f"  override: {o['at']} by {o['actor']}: {o['reason']}" for o in report["overrides"]]
    return "\n".join(terminal(line) for line in lines) + "\n"


def _pass_rate_chart(days: list[dict[str, Any]]) -> str:
    width, height = 640, 160
    if not days:
        return "<p>No gate runs.</p>"
    step = width / len(days)
    bars = []
    for i, day in enumerate(days):
        rate = day["allow"] / day["runs"] if day["runs"] else 0.0
        bar_height = rate * (height - 20)
        bars.append(
            f'<rect x="{i * step:.1f}" y="{height - bar_height:.1f}" width="{max(step - 1, 1):.1f}" '
            f'height="{bar_height:.1f}" fill="#2e7d32"><title>{escape(str(day["day"]))}: {rate * 100:.0f}% '
            f'({day["allow"]}/{day["runs"]})</title></rect>'
        )
    return (f'<svg role="img" aria-label="pass rate by day" width="{width}" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg>')


def _hbar_chart(items: list[tuple[str, float]], colour: str, unit: str) -> str:
    if not items:
        return "<p>None.</p>"
    top = max(value for _, value in items) or 1.0
    rows = []
    for i, (label, value) in enumerate(items):
        width = 360 * value / top
        rows.append(
            f'<text x="0" y="{i * 22 + 15}" font-size="12">{escape(label)}</text>'
            f'<rect x="260" y="{i * 22 + 3}" width="{width:.1f}" height="16" fill="{colour}"></rect>'
            f'<text x="{265 + width:.1f}" y="{i * 22 + 15}" font-size="12">{value:.1f}{escape(unit)}</text>'
        )
    return (f'<svg role="img" width="700" height="{len(items) * 22 + 6}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>')


def _lines(text: str) -> str:
    return "\n".join(escape(line) for line in text.splitlines())


def render_html(report: dict[str, Any]) -> str:
    """One file, no scripts, no external resources: it opens anywhere, offline."""
    blocked = report["time_blocked_seconds"]
    blocked_items = [(name, (blocked[name] or 0) / 3600) for name in ("median", "p90") if blocked[name] is not None]
    violations = [(f"{v['policy']} {v['id']}", float(v["count"])) for v in report["top_violations"]]
    overrides = "".join(
        f"<tr><td>{escape(str(o['at']))}</td><td>{escape(str(o['actor']))}</td><td>{escape(str(o['reason']))}</td></tr>"
        for o in report["overrides"]
    ) or '<tr><td colspan="3">None.</td></tr>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>relgate report</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}td,th{{padding:.2em .8em;text-align:left}}</style>
</head><body>
<h1>Release gate report</h1>
<p>{report['runs']} gate run(s) from {escape(str(report['first'] or '-'))} to {escape(str(report['last'] or '-'))}.</p>
<pre>{_lines(render_text(report))}</pre>
<h2>Pass rate by day</h2>
{_pass_rate_chart(report['by_day'])}
<h2>Time blocked (hours)</h2>
{_hbar_chart(blocked_items, "#c62828", " h")}
<h2>Top violations</h2>
{_hbar_chart(violations, "#ef6c00", "")}
<h2>Overrides</h2>
<table><tr><th>At</th><th>Actor</th><th>Reason</th></tr>{overrides}</table>
</body></html>
"""
