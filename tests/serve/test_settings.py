"""`relgate serve` settings: the serve section is validated, secrets come only from the environment or files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from relgate.errors import ConfigError
from relgate.serve.settings import load_settings
from tests.serve.standins import gate_dir


def test_secrets_come_from_variables_or_files_and_never_show(tmp_path: Path) -> None:
    config = gate_dir(tmp_path, trusted_proxies=["10.0.0.0/24"])
    (tmp_path / "token").write_text("from-a-file-123\n")
    settings = load_settings(config, {"RELGATE_CONSOLE_TOKEN_FILE": str(tmp_path / "token"),
                                      "RELGATE_WEBHOOK_SECRET": "hook-secret-456", "RELGATE_GITHUB_APP_ID": "77"})
    assert settings.console_token == "from-a-file-123" and settings.webhook_secret == b"hook-secret-456"
    assert "from-a-file-123" not in repr(settings) and "hook-secret-456" not in repr(settings)
    assert not settings.github_app_ready  # an id without a key cannot answer GitHub
    assert str(settings.trusted_proxies[0]) == "10.0.0.0/24"
    assert settings.queue_url == f"sqlite:{tmp_path}/.relgate/serve.db"


@pytest.mark.parametrize(("serve", "expected"), [
    ({"trusted_proxies": ["not-an-address"]}, "serve.trusted_proxies[0]: expected an IP address or CIDR"),
    ({"github": {"api_url": "ftp://x"}}, "serve.github.api_url"),
    ({"flagger": {"targets": [{"name": "podinfo"}]}}, "serve.flagger.targets.0: 'namespace' is a required"),
    ({"webhook_secret": "inline"}, "serve: Additional properties are not allowed ('webhook_secret'"),
    ({"queue": "redis://x"}, "serve.queue: expected sqlite:PATH or postgresql://"),
])
def test_a_bad_serve_section_names_the_field(tmp_path: Path, serve: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError, match=None) as raised:
        load_settings(gate_dir(tmp_path, **serve), {})
    assert expected in str(raised.value) and str(tmp_path) in str(raised.value)


def test_an_app_id_that_is_not_an_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="RELGATE_GITHUB_APP_ID"):
        load_settings(gate_dir(tmp_path), {"RELGATE_GITHUB_APP_ID": "my app"})


def test_serve_with_a_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    config = gate_dir(tmp_path, queue="redis://x")
    result = subprocess.run([sys.executable, "-c", "from relgate.cli import main; main()", "serve", "--config",
                             str(config), "--port", "1"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("relgate: error: ")
    assert "serve.queue" in result.stderr and "Traceback" not in result.stderr
    assert "--port" in subprocess.run([sys.executable, "-c", "from relgate.cli import main; main()", "serve",
                                       "--help"], capture_output=True, text=True, timeout=60).stdout
