"""DORA's four keys from real gate runs: GitHub deployment outcomes, incidents from facts files and CDEvents."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import responses
import yaml
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from relgate.cli import main
from relgate.errors import SourceError
from relgate.incidents import read_incidents
from relgate.timeutil import format_ns, parse_ns
from tests.conftest import ROOT
from tests.sources.test_github import BASE, event_file, example, gather, register_gate_run

CONFORMANCE = ROOT / "tests" / "fixtures" / "real-world" / "cdevents" / "v0.5.0" / "conformance"
COMMITS = {name: name * 40 for name in "abcd"}


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@responses.activate
def test_the_github_source_records_when_a_deployment_failed(tmp_path: Path) -> None:
    register_gate_run()
    statuses = example("get-repos-owner-repo-deployments-deployment_id-statuses")
    failed = dict(statuses[0], state="failure", created_at="2012-07-20T02:00:00Z")
    responses.replace(responses.GET, f"{BASE}/deployments/1/statuses", json=[failed, *statuses])
    recent = gather({"GITHUB_EVENT_PATH": str(event_file(tmp_path))})["deployments"]["recent"][0]
    assert (recent["state"], recent["failed_at"], recent["succeeded_at"]) == (
        "failure", "2012-07-20T02:00:00Z", "2012-07-20T01:19:13Z")


def deployment(ident: int, sha: str, created: str, state: str, succeeded: str | None = None,
               failed: str | None = None) -> dict[str, Any]:
    """One entry as the github source writes it under deployments.recent."""
    return {"id": ident, "sha": sha, "ref": "main", "environment": "production", "created_at": created,
            "state": state, "succeeded_at": succeeded, "failed_at": failed}


@pytest.fixture
def history(quickstart: Path) -> Path:
    """Commits a and b allowed and deployed (a's deployment failed), c deployed without a gate, d denied.

    The last run's context carries the deployments GitHub reported by then, through a facts file shaped as the
    github source writes `deployments`.
    """
    relaxed = quickstart.read_text().replace("min_pass_rate: 0.98", "min_pass_rate: 0.9").replace("high: 5", "high: 10")
    relaxed = relaxed.replace("  - {type: file, name: change,", "  - {type: file, name: deploys, path: deploys.json, "
                              "required: false}\n  - {type: file, name: change,")
    quickstart.write_text(relaxed)

    def gate(at: str, commit: str, config: Path = quickstart) -> None:
        env = {"GITHUB_ACTIONS": "true", "GITHUB_SHA": COMMITS[commit], "GITHUB_ACTOR": "lee"}
        invoke("check", "--config", str(config), "--at", at, env=env)

    gate("2026-11-23T12:00:00Z", "a")
    gate("2026-11-23T14:00:00Z", "b")
    recent = [deployment(103, COMMITS["c"], "2026-11-23T15:00:00Z", "success", succeeded="2026-11-23T15:05:00Z"),
              deployment(102, COMMITS["b"], "2026-11-23T14:05:00Z", "success", succeeded="2026-11-23T14:10:00Z"),
              deployment(101, COMMITS["a"], "2026-11-23T12:05:00Z", "failure", failed="2026-11-23T12:20:00Z")]
    (quickstart.parent / "deploys.json").write_text(json.dumps({"deployments": {"recent": recent}}))
    strict = quickstart.read_text().replace("min_pass_rate: 0.9", "min_pass_rate: 0.98")
    quickstart.write_text(strict)
    gate("2026-11-23T16:00:00Z", "d")
    return quickstart


def report(config: Path, *extra: str) -> dict[str, Any]:
    result = invoke("audit", "report", "--config", str(config), "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_change_failure_rate_and_time_to_restore_from_deployment_statuses(history: Path) -> None:
    numbers = report(history)
    assert numbers["deployments"]["basis"] == "github deployments"
    assert (numbers["deployments"]["count"], numbers["deployments"]["failed"]) == (2, 1)  # 101 and 102; 101 failed
    assert numbers["change_failure_rate"] == 0.5
    # from 101's failure at 12:20 to the next success in production (102 at 14:10)
    assert numbers["time_to_restore_seconds"] == {"median": 6600.0, "p90": 6600.0, "count": 1}
    assert [(u["id"], u["sha"]) for u in numbers["deployments"]["ungated"]] == [("103", COMMITS["c"])]
    assert numbers["streams"][0]["change_failure_rate"] == 0.5


def test_incidents_from_a_facts_file_count_as_failures_of_the_deployment_before_them(history: Path,
                                                                                     tmp_path: Path) -> None:
    facts = tmp_path / "incidents.yaml"
    facts.write_text(yaml.safe_dump({"incidents": [
        {"id": "INC-7", "started_at": "2026-11-23T14:30:00Z", "resolved_at": "2026-11-23T15:30:00Z",
         "environment": "production", "service": "checkout"},
        {"id": "INC-8", "started_at": "2026-11-23T17:00:00Z", "environment": "staging"},  # not this stream's
    ]}))
    numbers = report(history, "--incidents", str(facts))
    assert numbers["deployments"]["failed"] == 2 and numbers["change_failure_rate"] == 1.0  # 102 caused INC-7
    assert numbers["time_to_restore_seconds"] == {"median": 5100.0, "p90": 6600.0, "count": 2}
    assert [i["id"] for i in numbers["incidents"]] == ["INC-7"]
    text = invoke("audit", "report", "--config", str(history), "--incidents", str(facts)).stdout
    assert "  change failure rate 100.0% (2 of 2 deployments)" in text
    assert "  time to restore median 1.4 h, p90 1.8 h (2 measured)" in text
    assert "deployment without an allowed gate: 103 of " + COMMITS["c"] in text
    html = invoke("audit", "report", "--config", str(history), "--incidents", str(facts), "--format", "html").stdout
    assert "Change failure rate" in html and "100.0% (2/2)" in html and "INC-7" in html


def test_cdevents_incidents_are_read_from_the_conformance_examples(tmp_path: Path) -> None:
    events = [json.loads((CONFORMANCE / f"incident_{kind}.json").read_text())
              for kind in ("detected", "reported", "resolved")]
    resolved = events[2]
    resolved["context"]["timestamp"] = "2022-11-11T15:02:20.079Z"
    lines = tmp_path / "incidents.jsonl"
    lines.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    [incident] = read_incidents(lines)
    assert (incident.id, incident.service, incident.environment) == ("incident-123", "myApp", "prod1")
    assert (incident.resolved_ns or 0) - incident.started_ns == 70 * 60 * 10**9
    wrapped = tmp_path / "cloudevents.json"  # the same events inside CloudEvents, as a sink receives them
    wrapped.write_text(json.dumps([{"specversion": "1.0", "id": str(i), "source": "/monitoring", "type":
                                    e["context"]["type"], "data": e} for i, e in enumerate(events)]))
    assert read_incidents(wrapped) == [incident]
    single = tmp_path / "detected.json"
    shutil.copy(CONFORMANCE / "incident_detected.json", single)
    assert read_incidents(single)[0].resolved_ns is None  # still open


@pytest.mark.parametrize(("content", "message"), [
    ("incidents: [{id: X, started_at: yesterday}]", "incidents[0].started_at: expected an RFC 3339 time"),
    ("- {id: X, started_at: '2026-01-01T00:00:00Z', owner: me}", "[0].owner: unknown field"),
    ("- {id: X, started_at: '2026-01-02T00:00:00Z', resolved_at: '2026-01-01T00:00:00Z'}",
     "[0].resolved_at: before started_at"),
    ("incidents: {id: X}", "incidents: expected a list of incidents"),
    ("- {started_at: '2026-01-01T00:00:00Z'}", "[0].id: expected an incident id"),
])
def test_a_bad_incidents_file_is_an_error_naming_the_entry(tmp_path: Path, quickstart: Path, content: str,
                                                           message: str) -> None:
    path = tmp_path / "incidents.yaml"
    path.write_text(content)
    with pytest.raises(SourceError, match=message.replace("[", r"\[").replace("]", r"\]")):
        read_incidents(path)
    result = invoke("audit", "report", "--config", str(quickstart), "--incidents", str(path))
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output


def test_a_resolved_event_without_its_start_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "resolved.json"
    shutil.copy(CONFORMANCE / "incident_resolved.json", path)
    with pytest.raises(SourceError, match="resolved but never detected or reported"):
        read_incidents(path)
    other = json.loads((CONFORMANCE / "incident_detected.json").read_text())
    other["context"]["type"] = "dev.cdevents.pipelinerun.finished.0.3.0"
    path.write_text(json.dumps(other))
    with pytest.raises(SourceError, match=r"\[0\]\.context\.type: expected dev\.cdevents\.incident"):
        read_incidents(path)


STAMPS = st.integers(1_577_836_800, 1_893_456_000).map(lambda s: format_ns(s * 10**9))


@settings(max_examples=100, deadline=None)
@given(entries=st.lists(st.fixed_dictionaries(
    {"id": st.text("ABC-123", min_size=1, max_size=6), "started_at": STAMPS},
    optional={"resolved_at": STAMPS, "environment": st.sampled_from(["production", "staging"]),
              "service": st.sampled_from(["checkout", ""]), "commit": st.text("abc", max_size=3)}), max_size=5),
    mutate=st.sampled_from([None, "id", "started_at", "environment", "extra"]))
def test_facts_files_round_trip_and_any_damage_is_named(tmp_path_factory: pytest.TempPathFactory,
                                                        entries: list[dict[str, Any]], mutate: str | None) -> None:
    path = tmp_path_factory.mktemp("incidents") / "incidents.json"
    valid = all("resolved_at" not in e or parse_ns(e["resolved_at"]) >= parse_ns(e["started_at"]) for e in entries)
    if mutate and entries:
        entries[0] = {**entries[0], **({mutate: 12.5} if mutate != "extra" else {"severity": "high"})}
        valid = False
    path.write_text(json.dumps({"incidents": entries}))
    if valid:
        read = read_incidents(path)
        assert [(i.id, i.started_ns) for i in read] == [(str(e["id"]), parse_ns(e["started_at"])) for e in entries]
    else:
        with pytest.raises(SourceError, match=str(path)):
            read_incidents(path)
