"""`relgate serve`: validate everything in the parent, then run uvicorn with N worker processes.

uvicorn runs the workers (and restarts one that dies); each builds its own
application from the config, so workers share nothing but the audit store and
the delivery queue. Proxy headers are not rewritten (`proxy_headers=False`): the
peer address stays the real one, which the trusted-proxy check relies on.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from relgate.errors import ConfigError
from relgate.redact import scrub
from relgate.serve.settings import APP_ID, CONSOLE_TOKEN, WEBHOOK_SECRET, load_settings

log = logging.getLogger("relgate.serve")


class ScrubbingFilter(logging.Filter):
    """No secret relgate knows of reaches the log, whoever formats the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        return True


def configure_logging() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"))
    handler.addFilter(ScrubbingFilter())
    for name in ("relgate", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False
        logger.setLevel(logging.INFO)


def run_server(config_path: str, host: str, port: int, workers: int) -> None:
    try:
        import uvicorn
    except ImportError:
        raise ConfigError("relgate serve needs the web stack: pip install 'relgate[serve]'") from None
    configure_logging()
    settings = load_settings(config_path, os.environ)  # a bad config stops here, before any worker starts
    if settings.webhook_secret is None:
        log.warning("%s is not set: /github/webhook refuses every delivery", WEBHOOK_SECRET)
    elif not settings.github_app_ready:
        log.warning("%s/RELGATE_GITHUB_APP_KEY are not set: GitHub deliveries are decided but cannot be "
                    "answered (they wait in the queue)", APP_ID)
    if settings.console_token is None and not settings.trusted_proxies:
        log.warning("neither %s nor serve.trusted_proxies is set: /v1/*, /metrics and the console refuse "
                    "everyone", CONSOLE_TOKEN)
    if settings.flagger_targets and settings.flagger_token is None:
        log.warning("RELGATE_FLAGGER_TOKEN is not set: Flagger hooks are accepted from anyone who can reach them")
    os.environ["RELGATE_SERVE_CONFIG"] = str(Path(config_path).resolve())
    own_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        own_dir = tempfile.mkdtemp(prefix="relgate-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = own_dir
    try:
        uvicorn.run("relgate.serve.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                    proxy_headers=False, server_header=False, log_config=None, timeout_graceful_shutdown=30)
    finally:
        if own_dir:
            shutil.rmtree(own_dir, ignore_errors=True)
