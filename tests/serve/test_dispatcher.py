"""The delivery queue and dispatcher in-process: retries, give-up, leases, once-only decisions."""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from relgate.audit.store import open_store
from relgate.serve.dispatcher import Dispatcher
from relgate.serve.github_app import GithubApp
from relgate.serve.ledger import DECIDED, DONE, FAILED, PENDING, Ledger
from relgate.serve.settings import load_settings
from tests.serve.standins import GithubStandIn, gate_dir, protection_event, serve_env


def dispatcher(tmp_path: Path, github: GithubStandIn, pem: str, **serve: Any) -> Dispatcher:
    config = gate_dir(tmp_path, github={"api_url": github.url}, queue=f"sqlite:{tmp_path}/queue.db", **serve)
    settings = load_settings(config, serve_env(github, pem))
    ledger = Ledger(settings.queue_url)
    return Dispatcher(settings, ledger, GithubApp(settings, sleep=lambda seconds: None))


def offer(d: Dispatcher, run_id: int) -> str:
    delivery = str(uuid.uuid4())
    assert d.ledger.offer(delivery, "github", json.dumps(protection_event(run_id=run_id)), time.time())
    return delivery


def make_due(d: Dispatcher, delivery: str) -> None:
    d.ledger._run("UPDATE relgate_deliveries SET next_at = 0 WHERE delivery = ?", (delivery,))


def decisions(tmp_path: Path) -> list[dict[str, Any]]:
    return [r for _, r in open_store(f"jsonl:{tmp_path}/.relgate/audit.jsonl").records()]


def test_a_failed_review_is_retried_later_without_deciding_again(
        tmp_path: Path, github: GithubStandIn, app_pem: tuple[str, rsa.RSAPublicKey]) -> None:
    d = dispatcher(tmp_path, github, app_pem[0])
    delivery = offer(d, 5005)
    github.fail_reviews = 4  # three tries in the first round, one more in the second
    assert d.process_next() == DECIDED
    job = d.ledger.get(delivery)
    assert job is not None and (job.state, job.attempts) == (DECIDED, 1) and "HTTP 502" in str(job.last_error)
    assert d.process_next() is None  # not due yet: backoff
    make_due(d, delivery)
    assert d.process_next() == DONE
    assert [r["run_id"] for r in github.reviews].count(5005) == 1
    assert len(decisions(tmp_path)) == 1


def test_a_review_that_never_lands_is_marked_failed_and_logged(
        tmp_path: Path, github: GithubStandIn, app_pem: tuple[str, rsa.RSAPublicKey],
        caplog: pytest.LogCaptureFixture) -> None:
    d = dispatcher(tmp_path, github, app_pem[0], callback_give_up_after="1ms")
    delivery = offer(d, 6006)
    github.fail_reviews = 100
    with caplog.at_level(logging.ERROR, logger="relgate.serve"):
        assert d.process_next() == FAILED
    github.fail_reviews = 0
    job = d.ledger.get(delivery)
    assert job is not None and job.state == FAILED and job.audit_id
    assert any("NOT delivered" in r.getMessage() and delivery in r.getMessage() for r in caplog.records)
    assert d.ledger.counts()[FAILED] == 1


def test_a_dead_workers_job_waits_for_its_lease_then_is_finished_once(
        tmp_path: Path, github: GithubStandIn, app_pem: tuple[str, rsa.RSAPublicKey]) -> None:
    first = dispatcher(tmp_path, github, app_pem[0])
    second = Dispatcher(first.settings, Ledger(first.settings.queue_url), first.app)
    delivery = offer(first, 7007)
    crashed = first.claim()  # claimed, then the worker "dies"
    assert crashed is not None and crashed.state == PENDING
    assert second.process_next() is None
    first.ledger._run("UPDATE relgate_deliveries SET lease_until = 0 WHERE delivery = ?", (delivery,))
    assert second.process_next() == DONE
    assert first.work(crashed) is None  # the old owner lost its lease: it records nothing
    assert [r["run_id"] for r in github.reviews].count(7007) == 1
    assert d_state(second, delivery) == DONE


def d_state(d: Dispatcher, delivery: str) -> str:
    job = d.ledger.get(delivery)
    assert job is not None
    return job.state


def test_an_unlisted_repository_is_rejected(
        tmp_path: Path, github: GithubStandIn, app_pem: tuple[str, rsa.RSAPublicKey]) -> None:
    d = dispatcher(tmp_path, github, app_pem[0])
    d.settings = replace(d.settings, github_services={"other/repo": "other"})
    offer(d, 8008)
    assert d.process_next() == DONE
    review = next(r for r in github.reviews if r["run_id"] == 8008)
    assert review["state"] == "rejected" and "not listed under serve\\.github\\.services" in review["comment"]


def test_a_store_outage_is_decided_again_before_github_hears_rejected(
        tmp_path: Path, github: GithubStandIn, app_pem: tuple[str, rsa.RSAPublicKey]) -> None:
    d = dispatcher(tmp_path, github, app_pem[0])
    blocker = tmp_path / ".relgate"
    blocker.write_text("not a folder")  # the JSONL store cannot be created: nothing can be recorded
    delivery = offer(d, 9009)
    assert d.process_next() is None
    job = d.ledger.get(delivery)
    assert job is not None and (job.state, job.attempts) == (PENDING, 1) and job.audit_id is None
    assert not [r for r in github.reviews if r["run_id"] == 9009]
    blocker.unlink()
    make_due(d, delivery)
    assert d.process_next() == DONE
    review = next(r for r in github.reviews if r["run_id"] == 9009)
    assert review["state"] == "rejected" and len(decisions(tmp_path)) == 1  # facts are not ok: a real deny
