"""Fixtures for `relgate serve`: an App key, the GitHub stand-in, a PostgreSQL cluster."""

from __future__ import annotations

import glob
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.audit.conftest import throwaway_cluster
from tests.serve.consoledata import seed
from tests.serve.standins import GithubStandIn, Server, app_key, github_stand_in, running_server, serve_env


@pytest.fixture(scope="session")
def app_pem() -> tuple[str, rsa.RSAPublicKey]:
    return app_key()


@pytest.fixture(scope="module")
def github(app_pem: tuple[str, rsa.RSAPublicKey]) -> Iterator[GithubStandIn]:
    with github_stand_in(app_pem[1]) as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def serve_postgres() -> Iterator[str]:
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        pytest.fail("PostgreSQL server binaries missing: run scripts/test.sh, which installs Debian's package")
    with throwaway_cluster() as url:
        yield url


@pytest.fixture(scope="session")
def console_data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One seeded store for the console's HTTP and browser tests."""
    return seed(tmp_path_factory.mktemp("console"))


@pytest.fixture(scope="session")
def console_server(console_data: dict[str, Any]) -> Iterator[Server]:
    with running_server(console_data["config"], serve_env(None, None)) as running:
        yield running
