"""A real Prometheus (Debian's package) over a TSDB backfilled with promtool from datagen."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.prometheus.datagen import write_openmetrics


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def prometheus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start the server once per session; the test command's setup installs the package."""
    binary, promtool = shutil.which("prometheus"), shutil.which("promtool")
    if not binary or not promtool:
        pytest.fail("prometheus/promtool not on PATH: run scripts/test.sh, which installs Debian's package")
    work = tmp_path_factory.mktemp("prometheus")
    data = work / "data.om"
    write_openmetrics(data)
    tsdb = work / "tsdb"
    subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=720h",
                    str(data), str(tsdb)], check=True, capture_output=True)
    config = work / "prometheus.yml"
    config.write_text("global: {scrape_interval: 1m}\n")
    port = _free_port()
    log = (work / "prometheus.log").open("wb")
    server = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={tsdb}",
         f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=3650d"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, server, work / "prometheus.log")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def _wait_ready(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"prometheus exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"{url}/-/ready", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    pytest.fail("prometheus did not become ready within 30 s")
