"""Many workers over PostgreSQL: every delivery decided once, every review sent once, the chain intact."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from tests.serve.loadrun import run_load
from tests.serve.standins import GithubStandIn


def test_concurrent_redelivered_webhooks_are_decided_and_answered_once(
        tmp_path: Path, serve_postgres: str, github: GithubStandIn,
        app_pem: tuple[str, rsa.RSAPublicKey]) -> None:
    result = run_load(tmp_path, serve_postgres, github, app_pem[0], deliveries=12, workers=2, copies=3)
    assert result.accepted == 12 and result.duplicates == 24
    assert set(result.reviews_per_run.values()) == {1} and len(result.reviews_per_run) == 12
    assert set(result.records_per_delivery.values()) == {1}
    assert result.pending == {"done": 12}
    assert result.verify_exit == 0, result.verify_output
    # /metrics answers for the whole server, whichever worker the scrape reaches
    assert 'relgate_github_callbacks_total{outcome="sent"} 12.0' in result.metrics
