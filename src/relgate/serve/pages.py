"""HTML for the auditor's console: one layout, small components, every untrusted value escaped.

Pages are complete without scripts; the stylesheet is served by the console
itself (`/console.css`), so nothing is fetched from elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from relgate.output.escape import html as esc

__all__ = ["CSS", "SECURITY_HEADERS", "bars_by_day", "details", "esc", "facts", "field", "hbars", "link",
           "login_form", "mark", "mono", "page", "select", "table", "verdict"]

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2125;background:#f6f7f9}
header{background:#1f2a37;color:#fff;padding:.6em 1.5em;display:flex;gap:1.5em;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}
header .brand{font-size:1.1em;margin-right:1em}
header .who{margin-left:auto;font-size:.9em;opacity:.85}
header form{margin:0}
header button{background:none;border:1px solid #9aa5b1;color:#fff;border-radius:4px;padding:.2em .6em;cursor:pointer}
main{padding:1.2em 1.5em;max-width:80em}
h1{font-size:1.4em;margin:.2em 0 .6em}
h2{font-size:1.1em;margin:1.4em 0 .5em;border-bottom:1px solid #d5d9de;padding-bottom:.2em}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.92em}
th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #e4e7eb;vertical-align:top}
th{background:#eef1f4;font-weight:600}
td.mono,span.mono,code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em;word-break:break-all}
pre{background:#fff;border:1px solid #e4e7eb;padding:.5em;overflow:auto;font-size:.85em;margin:0}
.verdict{display:inline-block;padding:.1em .6em;border-radius:4px;font-weight:700;text-transform:uppercase;
font-size:.85em;letter-spacing:.04em}
.verdict-allow{background:#dff3e4;color:#116329}.verdict-deny{background:#fde2e1;color:#a40e26}
.verdict-error{background:#fff1c2;color:#7a4b00}
.ok{color:#116329;font-weight:600}.bad{color:#a40e26;font-weight:700}.muted{color:#5f6b7a}
form.filters{display:flex;flex-wrap:wrap;gap:.6em;align-items:flex-end;background:#fff;padding:.8em;
border:1px solid #e4e7eb;margin-bottom:1em}
form.filters label{display:flex;flex-direction:column;font-size:.8em;color:#5f6b7a}
form.filters input,form.filters select{font-size:1rem;padding:.25em .4em;min-width:9em}
form.filters button,form.login button{font-size:1rem;padding:.3em 1em}
nav.pages{display:flex;justify-content:space-between;margin:.8em 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1.2em;background:#fff;padding:.8em;
border:1px solid #e4e7eb;margin:0}
dl.facts dt{font-weight:600;color:#5f6b7a}dl.facts dd{margin:0}
form.login{background:#fff;border:1px solid #e4e7eb;padding:1.2em;max-width:28em}
form.login input{font-size:1rem;width:100%;margin:.4em 0 .8em;padding:.3em}
svg text{font-family:system-ui,sans-serif}
"""

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make browsers send `Origin: null` on the sign-in form
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


def page(title: str, body: str, user: str | None = None) -> str:
    who = ""
    if user is not None:
        who = (f'<span class="who">signed in as {esc(user)}</span>'
               '<form method="post" action="/logout"><button type="submit">Sign out</button></form>')
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{esc(title)} · relgate</title><link rel="stylesheet" href="/console.css"></head>'
            f'<body><header><span class="brand">relgate</span>'
            f'<a href="/decisions">Decisions</a><a href="/reports">Reports</a><a href="/verify">Verify</a>{who}'
            f'</header><main>{body}</main></body></html>\n')


def verdict(value: str) -> str:
    known = value if value in ("allow", "deny", "error") else "error"
    return f'<span class="verdict verdict-{known}">{esc(value or "?")}</span>'


def link(href: str, text: str, **query: str) -> str:
    target = href + ("?" + urlencode({k: v for k, v in query.items() if v}) if any(query.values()) else "")
    return f'<a href="{esc(target)}">{esc(text)}</a>'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], empty: str = "None.") -> str:
    """`rows` cells are HTML already (built with esc/verdict/link)."""
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    if not body:
        body = f'<tr><td colspan="{len(headers)}" class="muted">{esc(empty)}</td></tr>'
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def facts(pairs: Iterable[tuple[str, str]]) -> str:
    """`pairs` values are HTML already."""
    return '<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in pairs) + "</dl>"


def mono(value: Any) -> str:
    return f'<span class="mono">{esc(str(value))}</span>'


def details(value: Any) -> str:
    if not value:
        return ""
    return f"<pre>{esc(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)[:4000])}</pre>"


def mark(ok: bool | None, yes: str, no: str, unknown: str) -> str:
    if ok is None:
        return f'<span class="muted">{esc(unknown)}</span>'
    return f'<span class="ok">✓ {esc(yes)}</span>' if ok else f'<span class="bad">✗ {esc(no)}</span>'


def field(name: str, label: str, value: str, placeholder: str = "") -> str:
    return (f'<label>{esc(label)}<input type="text" name="{esc(name)}" value="{esc(value)}" '
            f'placeholder="{esc(placeholder)}"></label>')


def select(name: str, label: str, value: str, options: Sequence[str]) -> str:
    choices = "".join(f'<option value="{esc(o)}"{" selected" if o == value else ""}>{esc(o or "any")}</option>'
                      for o in options)
    return f'<label>{esc(label)}<select name="{esc(name)}">{choices}</select></label>'


def login_form(message: str = "") -> str:
    note = f'<p class="bad">{esc(message)}</p>' if message else ""
    return page("Sign in", f"<h1>Sign in</h1>{note}"
                '<form class="login" method="post" action="/login">'
                '<label for="token">Console token (RELGATE_CONSOLE_TOKEN)</label>'
                '<input id="token" type="password" name="token" autocomplete="current-password" required>'
                '<button type="submit">Sign in</button></form>'
                '<p class="muted">Or reach the console through the configured single sign-on proxy.</p>')


def bars_by_day(days: Sequence[Mapping[str, Any]]) -> str:
    """Pass rate per day as an SVG bar chart with both axes labelled."""
    if not days:
        return '<p class="muted">No gate runs in this range.</p>'
    left, top, width, height = 48, 12, 640, 180
    step = width / len(days)
    parts = [f'<text x="{left + width / 2}" y="{top + height + 38}" text-anchor="middle" font-size="12">day (UTC)'
             f'</text>',
             f'<text x="12" y="{top + height / 2}" text-anchor="middle" font-size="12" '
             f'transform="rotate(-90 12 {top + height / 2})">pass rate</text>']
    for fraction in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + height - fraction * height
        parts.append(f'<line x1="{left}" x2="{left + width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d5d9de"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{fraction:.0%}</text>')
    label_every = max(1, len(days) // 8)
    for i, day in enumerate(days):
        runs = int(day.get("runs", 0))
        rate = int(day.get("allow", 0)) / runs if runs else 0.0
        x = left + i * step
        bar = rate * height
        parts.append(f'<rect x="{x + 1:.1f}" y="{top + height - bar:.1f}" width="{max(step - 2, 1):.1f}" '
                     f'height="{bar:.1f}" fill="#2e7d32"><title>{esc(str(day.get("day")))}: {rate:.0%} '
                     f'({day.get("allow", 0)}/{runs})</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{top + height + 16}" text-anchor="middle" '
                         f'font-size="11">{esc(str(day.get("day", ""))[5:])}</text>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + height}" stroke="#1d2125"/>'
                 f'<line x1="{left}" x2="{left + width}" y1="{top + height}" y2="{top + height}" stroke="#1d2125"/>')
    return (f'<svg role="img" aria-label="pass rate by day" width="{left + width + 10}" height="{top + height + 48}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>')


def hbars(items: Sequence[tuple[str, float]], unit: str, axis: str) -> str:
    """Labelled horizontal bars with a value axis."""
    if not items:
        return '<p class="muted">None.</p>'
    peak = max(v for _, v in items) or 1.0
    label_w, bar_w, row = 300, 360, 22
    parts = []
    for i, (label, value) in enumerate(items):
        w = bar_w * value / peak
        y = i * row
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{esc(label[:48])}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="16" fill="#ef6c00"></rect>'
                     f'<text x="{label_w + w + 5:.1f}" y="{y + 15}" font-size="12">{value:g}{esc(unit)}</text>')
    bottom = len(items) * row + 4
    parts.append(f'<line x1="{label_w}" x2="{label_w + bar_w}" y1="{bottom}" y2="{bottom}" stroke="#1d2125"/>'
                 f'<text x="{label_w}" y="{bottom + 14}" font-size="11">0</text>'
                 f'<text x="{label_w + bar_w}" y="{bottom + 14}" font-size="11" text-anchor="end">{peak:g}</text>'
                 f'<text x="{label_w + bar_w / 2}" y="{bottom + 28}" font-size="12" text-anchor="middle">'
                 f'{esc(axis)}</text>')
    return (f'<svg role="img" aria-label="{esc(axis)}" width="{label_w + bar_w + 60}" height="{bottom + 34}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>')
