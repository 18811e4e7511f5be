"""The auditor's console under `/`: decisions (filtered, paged), one decision, reports, verify status.

Read-only and server-rendered. A visitor who is neither holding a session (from
the console token, entered on /login) nor named by a trusted proxy gets the
sign-in page with a 401.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from relgate.errors import AuditError
from relgate.serve import pages
from relgate.serve.auth import SESSION_COOKIE, SESSION_SECONDS, Reader, new_session, reader, same
from relgate.serve.chaincheck import check_record, newest_checkpoint, walk
from relgate.serve.console_report import report_body
from relgate.serve.records import DecisionFilter, RecordReader
from relgate.serve.service import read_body, service_of

_VERDICTS = ("", "allow", "deny", "error")
_ID_CHARS = set("0123456789abcdefABCDEF-")
VERIFY_CACHE_SECONDS = 30.0
_verify_cache: dict[tuple[str, int, int, str], tuple[float, Any]] = {}


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=pages.SECURITY_HEADERS)


def _who(request: Request) -> Reader | None:
    return reader(request, service_of(request).settings)


def _signin(status: int = 401, message: str = "") -> HTMLResponse:
    return _html(pages.login_form(message), status)


def _filter(request: Request) -> DecisionFilter:
    query = request.query_params
    values = {name: query.get(name, "").strip()[:200] for name in DecisionFilter.__dataclass_fields__}
    if values["verdict"] not in _VERDICTS:
        values["verdict"] = ""
    return DecisionFilter(**values)


def _position(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


async def stylesheet(request: Request) -> Response:
    return Response(pages.CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600",
                                                               "X-Content-Type-Options": "nosniff"})


async def home(request: Request) -> Response:
    return RedirectResponse("/decisions", status_code=303)


async def login(request: Request) -> Response:
    settings = service_of(request).settings
    if request.method == "GET":
        return _signin(200)
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
        return _signin(403, "Sign-in from another site refused.")
    form = parse_qs((await read_body(request, 4096)).decode(errors="replace"))
    token = (form.get("token") or [""])[0]
    if not settings.console_token or not same(token, settings.console_token):
        return _signin(401, "That token is not the console token.")
    response = RedirectResponse("/decisions", status_code=303)
    response.set_cookie(SESSION_COOKIE, new_session(settings.console_token), max_age=SESSION_SECONDS, httponly=True,
                        samesite="strict", secure=settings.public_url.startswith("https://"), path="/")
    return response


async def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def decisions(request: Request) -> Response:
    who = _who(request)
    if who is None:
        return _signin()
    wanted = _filter(request)
    records = RecordReader(service_of(request).config)
    query = request.query_params
    try:
        found = await anyio.to_thread.run_sync(
            lambda: records.page(wanted, before=_position(query.get("before")), after=_position(query.get("after"))))
    except AuditError as exc:
        return _html(pages.page("Decisions", f'<h1>Decisions</h1><p class="bad">{pages.esc(str(exc))}</p>',
                                who.user), 503)
    form = ('<form class="filters" method="get" action="/decisions">'
            + pages.field("service", "Service", wanted.service)
            + pages.field("environment", "Environment", wanted.environment)
            + pages.select("verdict", "Verdict", wanted.verdict, _VERDICTS)
            + pages.field("rule", "Policy or rule id", wanted.rule, "relgate.tests")
            + pages.field("actor", "Actor", wanted.actor)
            + pages.field("commit", "Commit", wanted.commit, "sha prefix")
            + pages.field("since", "From", wanted.since, "2026-11-01")
            + pages.field("until", "Until", wanted.until, "2026-11-30")
            + '<button type="submit">Filter</button> <a href="/decisions">Clear</a></form>')
    rows = [(pages.link(f"/decisions/{r.id}", r.time or r.id), pages.esc(r.service), pages.esc(r.environment),
             pages.verdict(r.verdict), pages.esc(", ".join(r.rules[:3]) + (" …" if len(r.rules) > 3 else "")),
             pages.esc(r.actor), pages.mono(r.commit[:12]), pages.mono(f"{r.stream} #{r.seq}"))
            for r in found.rows]
    keep = wanted.items()
    paging = '<nav class="pages"><span>' + (pages.link("/decisions", "← Newer", **keep, after=str(found.newer))
                                            if found.newer is not None else "") + "</span><span>" + (
        pages.link("/decisions", "Older →", **keep, before=str(found.older)) if found.older is not None else "") \
        + "</span></nav>"
    body = (f"<h1>Decisions</h1>{form}"
            + pages.table(("Decided at", "Service", "Environment", "Verdict", "Rules", "Actor", "Commit", "Chain"),
                          rows, "No decision matches.")
            + paging)
    return _html(pages.page("Decisions", body, who.user))


def _entries(result: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    items = result.get(kind)
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


async def decision(request: Request) -> Response:
    who = _who(request)
    if who is None:
        return _signin()
    wanted = request.path_params["id"]
    service = service_of(request)
    records = RecordReader(service.config)
    if not set(wanted) <= _ID_CHARS or len(wanted) > 64:
        return _html(pages.page("Not found", "<h1>No such decision</h1>", who.user), 404)

    def load() -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any] | None] | None:
        found = records.record(wanted)
        if found is None:
            return None
        record = found[1]
        stream, seq = str(record.get("relgatestream", "")), int(record.get("relgateseq", 0) or 0)
        return record, records.at_seq(stream, seq - 1) if seq > 1 else None, records.at_seq(stream, seq + 1)

    try:
        loaded = await anyio.to_thread.run_sync(load)
    except AuditError as exc:
        return _html(pages.page("Decision", f'<p class="bad">{pages.esc(str(exc))}</p>', who.user), 503)
    if loaded is None:
        return _html(pages.page("Not found", f"<h1>No decision {pages.esc(wanted)}</h1>", who.user), 404)
    record, previous, following = loaded
    return _html(pages.page(f"Decision {wanted[:8]}", _decision_body(record, previous, following,
                                                                    service.settings.console_public_key), who.user))


def _decision_body(record: Mapping[str, Any], previous: Mapping[str, Any] | None,
                   following: Mapping[str, Any] | None, public_key: Any) -> str:
    esc, custom = pages.esc, record.get("data", {}).get("customData", {})
    log = custom.get("decision_log", {})
    result = log.get("result", {}) if isinstance(log.get("result"), Mapping) else {}
    stream_value = custom.get("value_stream", {})
    change = log.get("input", {}).get("change", {}) if isinstance(log.get("input"), Mapping) else {}
    check = check_record(record, previous, following, public_key)
    header = (f"<h1>Decision {pages.verdict(str(result.get('decision', '')))} "
              f"{esc(str(stream_value.get('service', '')))} → {esc(str(stream_value.get('environment', '')))}</h1>")
    summary = pages.facts([
        ("Record id", pages.mono(record.get("id", ""))),
        ("Decided at", esc(str(record.get("time", "")))),
        ("Requested by", esc(str(log.get("requested_by", "")))),
        ("Mode", esc(str(result.get("mode", "")))),
        ("Commit", pages.mono(stream_value.get("commit", ""))),
        ("Pull request", esc(str(change.get("pull_request", "") or "—"))),
        ("Run", esc(str(change.get("run_url", "") or "—"))),
        ("Policy digest", pages.mono(result.get("policy_digest", ""))),
        ("Engine", esc(str(result.get("engine", "")))),
    ])

    def rules(kind: str) -> str:
        return pages.table(("Policy", "Rule", "Message", "Enforcement", "Details"), [
            (esc(str(v.get("policy", ""))), pages.mono(v.get("id", "")), esc(str(v.get("msg", ""))),
             esc(str(v.get("enforcement", ""))), pages.details(v.get("details"))) for v in _entries(result, kind)])

    waived = pages.table(("Waiver", "Policy / rule", "Findings", "Approved by", "Why", "Expires"), [
        (pages.mono(w.get("waiver_id", "")), esc(f"{w.get('policy', '')} {w.get('id', '')}"),
         esc(", ".join(str(f) for f in w.get("findings", []) or [])), esc(str(w.get("approved_by", ""))),
         esc(str(w.get("reason", ""))), esc(str(w.get("expires", "")))) for w in _entries(result, "waived")])
    overrides = pages.table(("Policy / rule", "Message", "Who", "Why"), [
        (esc(f"{o.get('policy', '')} {o.get('id', '')}"), esc(str(o.get("msg", ""))), esc(str(o.get("actor", ""))),
         esc(str(o.get("reason", "")))) for o in _entries(result, "overrides")])
    notes = pages.table(("Waiver", "Status", "Detail"), [
        (pages.mono(n.get("waiver_id", "")), esc(str(n.get("status", ""))), esc(str(n.get("detail", ""))))
        for n in _entries(result, "waiver_notes")])
    errors = "".join(f'<li class="bad">{esc(str(e))}</li>' for e in result.get("errors", []) or [])
    sources = log.get("input", {}).get("sources", {}) if isinstance(log.get("input"), Mapping) else {}
    evidence = custom.get("evidence", {}) if isinstance(custom.get("evidence"), Mapping) else {}
    names = sorted(set(evidence) | set(sources if isinstance(sources, Mapping) else {}))
    evidence_rows = [(esc(n), esc(str((sources.get(n) or {}).get("status", ""))), pages.mono(evidence.get(n, "—")))
                     for n in names]
    signature = {"valid": '<span class="ok">✓ valid</span>', "invalid": '<span class="bad">✗ does not verify</span>',
                 "unsigned": '<span class="muted">unsigned</span>',
                 "unchecked": '<span class="muted">signed (key '
                              f'{esc(str(record.get("relgatekeyid", "")))}); no public key configured</span>'}
    stream, seq = str(record.get("relgatestream", "")), int(record.get("relgateseq", 0) or 0)
    chain = pages.facts([
        ("Stream", esc(stream)),
        ("Position", esc(f"#{seq}")),
        ("Hash", pages.mono(record.get("relgatehash", "")) + " " + pages.mark(check.hash_ok, "recomputed, matches",
                                                                             "MISMATCH: record changed", "")),
        ("Previous hash", pages.mono(record.get("relgateprev", "") or "(first record)") + " "
         + pages.mark(check.prev_ok, "links to the previous record", "BROKEN link", "previous record not found")),
        ("Next record", pages.mark(check.next_ok, "links back to this one", "BROKEN link", "none yet (newest)")),
        ("Signature", signature[check.signature]),
    ])
    neighbours = '<nav class="pages"><span>' + (
        pages.link(f"/decisions/{previous.get('id')}", f"← #{seq - 1} in {stream}") if previous else "") + \
        "</span><span>" + (pages.link(f"/decisions/{following.get('id')}", f"#{seq + 1} in {stream} →")
                           if following else "") + "</span></nav>"
    raw = pages.link(f"/decisions/{record.get('id')}/raw", "Download the raw record (JSON)")
    return (header + summary
            + (f"<h2>Errors</h2><ul>{errors}</ul>" if errors else "")
            + "<h2>Violations</h2>" + rules("violations") + "<h2>Warnings</h2>" + rules("warnings")
            + "<h2>Waivers applied</h2>" + waived + "<h2>Overrides</h2>" + overrides
            + "<h2>Waivers that did not apply</h2>" + notes
            + "<h2>Evidence</h2>" + pages.table(("Source", "Status", "Digest"), evidence_rows)
            + "<h2>Chain</h2>" + chain + neighbours + f"<p>{raw}</p>")


async def raw(request: Request) -> Response:
    if _who(request) is None:
        return _signin()
    wanted = request.path_params["id"]
    if not set(wanted) <= _ID_CHARS or len(wanted) > 64:
        return JSONResponse({"error": "no such record"}, status_code=404)
    found = await anyio.to_thread.run_sync(RecordReader(service_of(request).config).record, wanted)
    if found is None:
        return JSONResponse({"error": "no such record"}, status_code=404)
    return JSONResponse(found[1], headers={
        "Content-Disposition": f'attachment; filename="relgate-{wanted}.json"', **pages.SECURITY_HEADERS})


async def reports(request: Request) -> Response:
    who = _who(request)
    if who is None:
        return _signin()
    wanted = _filter(request)
    records = RecordReader(service_of(request).config)
    try:
        body = await anyio.to_thread.run_sync(report_body, records, wanted)
    except AuditError as exc:
        body = f'<p class="bad">{pages.esc(str(exc))}</p>'
    return _html(pages.page("Reports", body, who.user))


async def verify_page(request: Request) -> Response:
    who = _who(request)
    if who is None:
        return _signin()
    settings = service_of(request).settings
    records = RecordReader(service_of(request).config)
    fresh = request.query_params.get("fresh") == "1"

    def statuses() -> tuple[list[Any], tuple[str, dict[str, Any]] | None]:
        checkpoint = newest_checkpoint(settings.console_checkpoints)
        found = []
        for stream, count, last_seq in records.streams():
            key = (stream, count, last_seq, checkpoint[0] if checkpoint else "")
            cached = _verify_cache.get(key)
            if fresh or cached is None or time.monotonic() - cached[0] > VERIFY_CACHE_SECONDS:
                _verify_cache[key] = (time.monotonic(), walk(stream, records.stream_records(stream),
                                                             settings.console_public_key,
                                                             checkpoint[1] if checkpoint else None))
            found.append(_verify_cache[key][1])
        return found, checkpoint

    started = time.monotonic()
    try:
        found, checkpoint = await anyio.to_thread.run_sync(statuses)
    except AuditError as exc:
        return _html(pages.page("Verify", f'<p class="bad">{pages.esc(str(exc))}</p>', who.user), 503)
    try:
        queue = await anyio.to_thread.run_sync(service_of(request).ledger.counts)
    except AuditError:
        queue = None
    esc = pages.esc
    rows = [(esc(s.stream), esc(str(s.records)), esc(str(s.last_seq)),
             pages.mark(s.ok, "chain intact", f"FAILS at #{s.bad_seq}: {s.reason}" if s.bad_seq else s.reason, ""),
             esc(f"{s.signed} of {s.records} signed") + (f' <span class="bad">({s.signatures_bad} invalid)</span>'
                                                           if s.signatures_bad else ""),
             esc(s.checkpoint)) for s in found]
    where = (f"Newest checkpoint: {pages.mono(checkpoint[0])}, created {esc(str(checkpoint[1].get('created_at')))}"
             if checkpoint else "No checkpoint folder configured (serve.console.checkpoints), or it holds none.")
    keys = "Signatures checked with the configured public key." if settings.console_public_key is not None else \
        "No public key configured (serve.console.public_key): signatures are reported, not checked."
    body = (f"<h1>Verify</h1><p>{where}</p><p class=\"muted\">{keys} Answered in "
            f"{time.monotonic() - started:.2f} s; a stream's walk is reused for {VERIFY_CACHE_SECONDS:.0f} s "
            f"while it has not grown ({pages.link('/verify', 'check again now', fresh='1')}).</p>"
            + pages.table(("Stream", "Records", "Last #", "Chain", "Signatures", "Last checkpoint"), rows,
                          "The store holds no records.")
            + "<h2>GitHub deliveries</h2>" + _queue_summary(queue))
    return _html(pages.page("Verify", body, who.user))


def _queue_summary(counts: dict[str, int] | None) -> str:
    """How many webhook deliveries are answered, waiting, or could not be answered (kept, logged, counted)."""
    if counts is None:
        return '<p class="bad">The delivery queue is unreachable.</p>'
    failed = counts.get("failed", 0)
    parts = [f"{counts.get(state, 0)} {label}" for state, label in (
        ("done", "answered"), ("pending", "waiting for a decision"), ("decided", "waiting to reach GitHub"))]
    note = (f' <span class="bad">{failed} could not be delivered to GitHub before the give-up time; they stay in '
            f'the queue and the log names each.</span>') if failed else ""
    return f"<p>{pages.esc(', '.join(parts))}.{note}</p>"
