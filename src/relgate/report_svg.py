"""Inline SVG charts for the HTML report: axes, tick values, dates and data labels, readable without scripts.

Every string that comes from records is escaped; every number printed is formatted
here (counts as integers, durations with a unit).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from relgate.output.escape import html as esc

COLOURS = {"allow": "#2e7d32", "deny": "#c62828", "error": "#757575"}
_FONT = 'font-family="sans-serif" font-size="11"'


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `top` (steps of 1, 2 or 5 times a power of ten)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def number(value: float) -> str:
    """An integer when it is one, else one decimal."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 86_400:
        return f"{seconds / 86_400:.1f} d"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min"


def runs_by_day(days: Sequence[dict[str, Any]]) -> str:
    """Stacked bars of allowed, denied and errored runs per day, with a y axis of counts and dated x axis."""
    if not days:
        return "<p>No gate runs in this period.</p>"
    left, right, top, bottom = 52, 16, 44, 78
    width = max(720, min(1000, left + right + 34 * len(days)))
    height = 320
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max(int(d["runs"]) for d in days))
    scale = plot_h / ticks[-1]
    slot = plot_w / len(days)
    bar = max(min(slot * 0.7, 40), 2)
    every = max(1, math.ceil(len(days) / 24))  # at most ~24 date labels; every bar keeps its tooltip
    parts = [f'<svg class="chart" role="img" aria-labelledby="runs-title" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" {_FONT}>',
             '<title id="runs-title">Gate runs per day: allowed, denied and errored</title>']
    for tick in ticks:
        y = top + plot_h - tick * scale
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{number(tick)}</text>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#424242"/>'
                 f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#424242"/>'
                 f'<text transform="translate(14 {top + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle">'
                 'gate runs</text>'
                 f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle">day (UTC)</text>')
    for i, day in enumerate(days):
        x = left + i * slot + (slot - bar) / 2
        y = top + plot_h
        for kind in ("allow", "deny", "error"):
            count = int(day[kind])
            if not count:
                continue
            h = count * scale
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{COLOURS[kind]}">'
                         f'<title>{esc(str(day["day"]))}: {count} {kind}</title></rect>')
        runs = int(day["runs"])
        label = f'{int(day["allow"])}/{runs}'
        if slot >= 26:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{label}</text>')
        if i % every == 0:
            cx, cy = x + bar / 2, top + plot_h + 12
            parts.append(f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="end" '
                         f'transform="rotate(-40 {cx:.1f} {cy:.1f})">{esc(str(day["day"]))}</text>')
    legend_x = left
    for kind, name in (("allow", "allowed"), ("deny", "denied"), ("error", "error")):
        parts.append(f'<rect x="{legend_x}" y="8" width="10" height="10" fill="{COLOURS[kind]}"/>'
                     f'<text x="{legend_x + 14}" y="17">{name}</text>')
        legend_x += 80
    parts.append(f'<text x="{width - right}" y="17" text-anchor="end">label: allowed/runs</text></svg>')
    return "".join(parts)


def durations(rows: Sequence[tuple[str, float | None, float | None, int]]) -> str:
    """Horizontal bars of median durations (hours) with the p90 marked, an x axis in hours and value labels."""
    measured = [(name, median, p90, count) for name, median, p90, count in rows if median is not None]
    if not measured:
        return "<p>No durations measured in this period.</p>"
    left, right, top, row = 190, 230, 14, 34
    width, axis = 760, 26
    height = top + row * len(measured) + axis + 16
    plot_w = width - left - right
    ticks = nice_ticks(max(max(m or 0.0, p or 0.0) for _, m, p, _ in measured) / 3600)
    scale = plot_w / ticks[-1]
    parts = [f'<svg class="chart" role="img" aria-labelledby="dur-title" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" {_FONT}>',
             '<title id="dur-title">Median durations in hours (line: 90th percentile)</title>']
    base = top + row * len(measured)
    for tick in ticks:
        x = left + tick * scale
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{base}" stroke="#e0e0e0"/>'
                     f'<text x="{x:.1f}" y="{base + 14}" text-anchor="middle">{number(tick)}</text>')
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{base}" y2="{base}" stroke="#424242"/>'
                 f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle">hours</text>'
                 f'<text x="{left + plot_w + 8}" y="{height - 4}">bar: median; line: 90th percentile</text>')
    for i, (name, median, p90, count) in enumerate(measured):
        y = top + i * row + 6
        w = (median or 0.0) / 3600 * scale
        parts.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end">{esc(name)}</text>'
                     f'<rect x="{left}" y="{y}" width="{max(w, 1):.1f}" height="20" fill="#1565c0">'
                     f'<title>{esc(name)}: median {duration(median)}, p90 {duration(p90)}</title></rect>')
        if p90 is not None:
            px = left + p90 / 3600 * scale
            parts.append(f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{y - 3}" y2="{y + 23}" stroke="#0d47a1" '
                         'stroke-width="2"/>')
        parts.append(f'<text x="{left + plot_w + 8}" y="{y + 14}">median {duration(median)}, p90 {duration(p90)} '
                     f'(n={count})</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar(value: float, top: float, colour: str = "#ef6c00") -> str:
    """A small inline bar for a table cell; the number itself is printed in the cell next to it."""
    width = 160 * (value / top if top else 0.0)
    return (f'<svg class="cellbar" viewBox="0 0 160 12" width="160" height="12" xmlns="http://www.w3.org/2000/svg">'
            f'<rect x="0" y="1" width="{max(width, 1):.1f}" height="10" fill="{colour}"/></svg>')
