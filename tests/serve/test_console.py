"""The auditor's console over HTTP against a real `relgate serve`: auth, filters, paging, pages, escaping."""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

import pytest
import requests

from tests.serve.consoledata import BULK, HOSTILE
from tests.serve.standins import CONSOLE_TOKEN, Server

AUTH = {"Authorization": f"Bearer {CONSOLE_TOKEN}"}


@pytest.fixture
def seeded(console_data: dict[str, Any]) -> dict[str, Any]:
    return console_data


@pytest.fixture
def server(console_server: Server) -> Server:
    return console_server


def ids_on(html: str) -> list[str]:
    return re.findall(r'href="/decisions/([0-9a-f-]{36})"', html)


def older_link(html: str) -> str | None:
    found = re.search(r'<a href="([^"]+)">Older →</a>', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_console_is_closed_until_signed_in(server: Server) -> None:
    for path in ("/decisions", "/reports", "/verify", "/decisions/00000000-0000-0000-0000-000000000000/raw"):
        answer = requests.get(f"{server.url}{path}", timeout=10, allow_redirects=False)
        assert answer.status_code == 401 and 'action="/login"' in answer.text
    wrong = requests.post(f"{server.url}/login", data={"token": "guess"}, timeout=10, allow_redirects=False)
    assert wrong.status_code == 401
    session = requests.Session()
    signed = session.post(f"{server.url}/login", data={"token": CONSOLE_TOKEN}, timeout=10, allow_redirects=False)
    assert signed.status_code == 303
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert CONSOLE_TOKEN not in cookie
    page = session.get(f"{server.url}/decisions", timeout=10)
    assert page.status_code == 200 and "signed in as console-token" in page.text
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none': no script runs
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_paging_walks_every_matching_record_once(server: Server, seeded: dict[str, Any]) -> None:
    url = f"{server.url}/decisions?service=bulk&verdict=deny"
    seen: list[str] = []
    pages_read = 0
    while url:
        html = requests.get(url, headers=AUTH, timeout=10).text
        seen.extend(ids_on(html))
        pages_read += 1
        link = older_link(html)
        url = f"{server.url}{link}" if link else ""
    assert seen == seeded["bulk_deny_newest_first"]
    assert pages_read == -(-len(seen) // 50)
    second = requests.get(f"{server.url}/decisions?service=bulk&verdict=deny", headers=AUTH, timeout=10).text
    back = re.search(r'<a href="([^"]+)">Older →</a>', second)
    assert back is not None
    older = requests.get(f"{server.url}{back.group(1).replace('&amp;', '&')}", headers=AUTH, timeout=10).text
    newer = re.search(r'<a href="([^"]+)">← Newer</a>', older)
    assert newer is not None
    again = requests.get(f"{server.url}{newer.group(1).replace('&amp;', '&')}", headers=AUTH, timeout=10).text
    assert ids_on(again) == ids_on(second)


@pytest.mark.parametrize(("query", "key"), [
    ("rule=relgate.facts&service=checkout", "facts_rule"),
    ("actor=alice", "alice"),
    ("commit=c0ffee00", "commit_prefix"),
    ("service=bulk&since=2026-11-02&until=2026-11-02", "one_day"),
    ("environment=staging", "staging"),
])
def test_filters_select_exactly_the_matching_records(server: Server, seeded: dict[str, Any], query: str,
                                                     key: str) -> None:
    html = requests.get(f"{server.url}/decisions?{query}", headers=AUTH, timeout=10).text
    assert sorted(ids_on(html)) == sorted(seeded["expected"][key])


def test_untrusted_text_is_escaped(server: Server, seeded: dict[str, Any]) -> None:
    html = requests.get(f"{server.url}/decisions/{seeded['denied']}", headers=AUTH, timeout=10).text
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    listing = requests.get(f"{server.url}/decisions?actor={HOSTILE}", headers=AUTH, timeout=10).text
    assert "<script" not in listing and "&lt;script&gt;" in listing


def test_a_decision_page_shows_who_why_evidence_and_chain(server: Server, seeded: dict[str, Any]) -> None:
    html = requests.get(f"{server.url}/decisions/{seeded['overridden']}", headers=AUTH, timeout=10).text
    assert "verdict-allow" in html and "alice" in html and "hotfix approved by the on-call lead" in html
    assert seeded["policy_digest"] in html and "regorus" in html
    assert seeded["evidence_digest"] in html
    assert "✓ recomputed, matches" in html and "✓ links to the previous record" in html
    assert f'href="/decisions/{seeded["denied"]}"' in html  # previous record of the stream
    waived = requests.get(f"{server.url}/decisions/{seeded['waived']}", headers=AUTH, timeout=10).text
    assert "WVR-7" in waived and "security-team" in waived and "known flaky in staging" in waived
    raw = requests.get(f"{server.url}/decisions/{seeded['overridden']}/raw", headers=AUTH, timeout=10)
    assert raw.headers["content-disposition"].startswith("attachment")
    assert raw.json()["relgatehash"] == seeded["records"][seeded["overridden"]]["relgatehash"]


def test_reports_and_verify(server: Server, seeded: dict[str, Any]) -> None:
    report = requests.get(f"{server.url}/reports?service=bulk", headers=AUTH, timeout=30).text
    assert f"{BULK} from" in report and 'aria-label="pass rate by day"' in report and "day (UTC)" in report
    status = requests.get(f"{server.url}/verify", headers=AUTH, timeout=60).text
    assert status.count("✓ chain intact") == 3 and "extends it (record" in status
    assert seeded["checkpoint_name"] in status
    assert "0 answered, 0 waiting for a decision, 0 waiting to reach GitHub." in status


def test_a_changed_record_shows_on_its_page_and_in_verify(server: Server, seeded: dict[str, Any]) -> None:
    database = seeded["config"].parent / ".relgate" / "audit.db"
    with sqlite3.connect(database) as connection:
        stored = connection.execute("SELECT body FROM relgate_records WHERE id = ?", (seeded["denied"],)).fetchone()[0]
    body = json.loads(stored)
    body["data"]["customData"]["decision_log"]["requested_by"] = "someone-else"
    try:
        with sqlite3.connect(database) as connection:
            connection.execute("UPDATE relgate_records SET body = ? WHERE id = ?", (json.dumps(body), seeded["denied"]))
        page = requests.get(f"{server.url}/decisions/{seeded['denied']}", headers=AUTH, timeout=10).text
        assert "MISMATCH: record changed" in page
        status = requests.get(f"{server.url}/verify?fresh=1", headers=AUTH, timeout=60).text
        assert "FAILS at #1: hash mismatch" in status
        following = requests.get(f"{server.url}/decisions/{seeded['overridden']}", headers=AUTH, timeout=10).text
        assert "BROKEN link" in following  # the next record no longer links to a record with a valid hash
    finally:
        with sqlite3.connect(database) as connection:
            connection.execute("UPDATE relgate_records SET body = ? WHERE id = ?", (stored, seeded["denied"]))
