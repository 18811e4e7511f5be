"""What `relgate serve` runs on: the config's `serve:` section, and secrets from the environment only.

Secrets never come from flags or the config file (which is usually in a repository):
each is read from its variable, or from the file named by `<VARIABLE>_FILE` (the
Kubernetes/Docker secrets convention). Their reprs are hidden.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from relgate.audit.chain import load_public_key
from relgate.config import Config, load_config, parse_duration
from relgate.errors import ConfigError
from relgate.redact import remember

WEBHOOK_SECRET = "RELGATE_WEBHOOK_SECRET"
APP_ID = "RELGATE_GITHUB_APP_ID"
APP_KEY = "RELGATE_GITHUB_APP_KEY"
CONSOLE_TOKEN = "RELGATE_CONSOLE_TOKEN"
FLAGGER_TOKEN = "RELGATE_FLAGGER_TOKEN"
DEFAULT_QUEUE = "sqlite:.relgate/serve.db"

_NAME = {"type": "string", "minLength": 1}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "public_url": {"type": "string", "pattern": "^https?://"},
        "queue": _NAME,
        "trusted_proxies": {"type": "array", "items": _NAME},
        "proxy_user_header": _NAME,
        "callback_give_up_after": _NAME,
        "console": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"checkpoints": _NAME, "public_key": _NAME},
        },
        "github": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "api_url": {"type": "string", "pattern": "^https?://"},
                "services": {"type": "object", "additionalProperties": _NAME},
            },
        },
        "flagger": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "targets": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["name", "namespace"],
                        "properties": {
                            "name": _NAME, "namespace": _NAME, "service": _NAME, "environment": _NAME,
                        },
                    },
                },
            },
        },
    },
}


@dataclass(frozen=True)
class FlaggerTarget:
    """One canary (namespace/name) and the service and environment its gate runs for."""

    namespace: str
    name: str
    service: str
    environment: str


@dataclass(frozen=True)
class ServeSettings:
    """Everything a worker needs, read once at start-up."""

    config_path: Path
    queue_url: str
    public_url: str = ""
    github_api_url: str = "https://api.github.com"
    github_services: Mapping[str, str] = field(default_factory=dict)
    default_service: str = ""
    flagger_targets: tuple[FlaggerTarget, ...] = ()
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    proxy_user_header: str = "X-Forwarded-User"
    callback_give_up_after_s: float = 86400.0
    webhook_secret: bytes | None = field(default=None, repr=False)
    app_id: str | None = None
    app_key: str | None = field(default=None, repr=False)
    console_token: str | None = field(default=None, repr=False)
    flagger_token: str | None = field(default=None, repr=False)
    console_checkpoints: Path | None = None
    console_public_key: Ed25519PublicKey | None = None

    @property
    def github_app_ready(self) -> bool:
        return bool(self.app_id and self.app_key)


def secret(env: Mapping[str, str], name: str) -> str | None:
    """`name` from the environment, else the content of the file `name_FILE` names; blank is unset."""
    value = env.get(name)
    if not value and env.get(f"{name}_FILE"):
        path = env[f"{name}_FILE"]
        try:
            value = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{name}_FILE {path}: cannot read: {exc.strerror or exc}") from None
    value = (value or "").strip()
    if value:
        remember(value)
    return value or None


def _app_key(env: Mapping[str, str]) -> str | None:
    """RELGATE_GITHUB_APP_KEY holds the PEM text itself or a path to it."""
    value = secret(env, APP_KEY)
    if value is None or "-----BEGIN" in value:
        return value
    try:
        text = Path(os.path.expanduser(value)).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{APP_KEY}: neither PEM text nor a readable key file: {exc.strerror or exc}") from None
    remember(text.strip())
    return text


def load_settings(config_path: str | Path, env: Mapping[str, str]) -> ServeSettings:
    """Validate the config (as `relgate check` would) and its `serve:` section; a problem is a ConfigError."""
    config = load_config(config_path, env)
    return settings_from(config, env)


def settings_from(config: Config, env: Mapping[str, str]) -> ServeSettings:
    where = str(config.path)
    section = dict(config.serve)
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(SCHEMA).iter_errors(section))
    if error is not None:
        at = ".".join(str(p) for p in error.absolute_path)
        raise ConfigError(f"{where}: serve{'.' + at if at else ''}: {error.message}")
    proxies = []
    for index, text in enumerate(section.get("trusted_proxies", [])):
        try:
            proxies.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ConfigError(f"{where}: serve.trusted_proxies[{index}]: expected an IP address or CIDR, "
                              f"got {text!r}") from None
    github = section.get("github", {})
    targets = tuple(
        FlaggerTarget(t["namespace"], t["name"], t.get("service", t["name"]), t.get("environment", config.environment))
        for t in section.get("flagger", {}).get("targets", [])
    )
    give_up = parse_duration(section.get("callback_give_up_after", "24h"), f"{where}: serve.callback_give_up_after")
    app_id = secret(env, APP_ID)
    if app_id is not None and not app_id.isdigit() and not app_id.startswith("Iv"):
        raise ConfigError(f"{APP_ID}: expected the App's numeric id or its client id (Iv…), got {app_id!r}")
    webhook_secret = secret(env, WEBHOOK_SECRET)
    console = section.get("console", {})
    checkpoints = config.base_dir / console["checkpoints"] if "checkpoints" in console else None
    public_key = load_public_key(str(config.base_dir / console["public_key"]), "serve.console.public_key") \
        if "public_key" in console else None
    return ServeSettings(
        config_path=config.path,
        queue_url=_queue_url(section, config),
        public_url=str(section.get("public_url", "")).rstrip("/"),
        github_api_url=str(github.get("api_url", "https://api.github.com")).rstrip("/"),
        github_services=dict(github.get("services", {})),
        default_service=config.service,
        flagger_targets=targets,
        trusted_proxies=tuple(proxies),
        proxy_user_header=str(section.get("proxy_user_header", "X-Forwarded-User")),
        callback_give_up_after_s=give_up,
        webhook_secret=webhook_secret.encode() if webhook_secret else None,
        app_id=app_id,
        app_key=_app_key(env),
        console_token=secret(env, CONSOLE_TOKEN),
        flagger_token=secret(env, FLAGGER_TOKEN),
        console_checkpoints=checkpoints,
        console_public_key=public_key,
    )


def _queue_url(section: Mapping[str, Any], config: Config) -> str:
    """Where pending deliveries live: `serve.queue`, else the audit store when it is PostgreSQL, else SQLite."""
    if "queue" in section:
        url = str(section["queue"])
    elif config.audit_store and config.audit_store.startswith(("postgresql://", "postgres://")):
        url = config.audit_store
    else:
        url = DEFAULT_QUEUE
    if url.startswith("sqlite:"):
        path = Path(url[len("sqlite:"):])
        return f"sqlite:{path if path.is_absolute() else config.base_dir / path}"
    if not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(f"{config.path}: serve.queue: expected sqlite:PATH or postgresql://…, got {url!r}")
    return url
