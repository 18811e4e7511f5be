"""A throwaway PostgreSQL cluster on loopback (Debian's server), for the tests and the audit benchmark."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        pytest.fail("PostgreSQL server binaries missing: run scripts/test.sh, which installs Debian's package")
    with throwaway_cluster() as url:
        yield url


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """initdb and pg_ctl run as the `postgres` user when we are root (initdb refuses root)."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    bindir = bins[-1]
    as_user: list[str] = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    work = tempfile.mkdtemp(prefix="relgate-pg-")
    os.chmod(work, 0o777)
    data, socket_dir = os.path.join(work, "data"), os.path.join(work, "sock")
    os.mkdir(socket_dir)
    os.chmod(socket_dir, 0o777)
    if as_user:
        shutil.chown(work, "postgres")
        shutil.chown(socket_dir, "postgres")
    subprocess.run([*as_user, f"{bindir}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True)
    port = _free_port()
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -k {socket_dir} -c fsync=off -c max_connections=100"
    subprocess.run([*as_user, f"{bindir}/pg_ctl", "-D", data, "-o", options, "-w", "-l",
                    os.path.join(work, "log"), "start"], check=True, capture_output=True)
    try:
        deadline = time.monotonic() + 30
        while subprocess.run([f"{bindir}/pg_isready", "-h", "127.0.0.1", "-p", str(port)],
                             capture_output=True).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not become ready")
            time.sleep(0.05)
        subprocess.run([f"{bindir}/psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c",
                        "CREATE DATABASE relgate"], check=True, capture_output=True)
        yield f"postgresql://postgres@127.0.0.1:{port}/relgate"
    finally:
        subprocess.run([*as_user, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(params=["jsonl", "sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """One empty store of each kind; the PostgreSQL one shares the session cluster, its tables dropped."""
    if request.param == "jsonl":
        return f"jsonl:{tmp_path}/audit.jsonl"
    if request.param == "sqlite":
        return f"sqlite:{tmp_path}/audit.db"
    url: str = request.getfixturevalue("postgres_url")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS relgate_records, relgate_schema")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store of each kind that keeps chain fields in columns beside the record's body."""
    if request.param == "sqlite":
        return f"sqlite:{tmp_path}/audit.db"
    url: str = request.getfixturevalue("postgres_url")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS relgate_records, relgate_schema")
    return url
