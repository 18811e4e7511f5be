"""How every `relgate audit …` command finds its store, its key and its output file, and how it fails."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from relgate.audit.chain import load_signing_key
from relgate.audit.store import AuditStore, choose_store
from relgate.config import Config, load_config
from relgate.errors import RelgateError
from relgate.output.escape import terminal
from relgate.redact import scrub

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from relgate.progress import Progress

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_CONFIG = "relgate.yaml"


def log_options(func: F) -> F:
    func = click.option("--store", "store_url",
                        help="Store to read: jsonl:PATH, sqlite:PATH or postgresql://… (relative to the working "
                             "directory).")(func)
    func = click.option("--log", "log_path", type=click.Path(dir_okay=False),
                        help="JSONL audit log to read (relative to the working directory; default: the config's "
                             "audit store, relative to the config file).")(func)
    return config_option(func)


def quiet_option(func: F) -> F:
    return click.option("--quiet", "-q", is_flag=True,
                        help="No progress bar (it shows only on a terminal, after a second of work).")(func)


def progress_for(label: str, store: AuditStore, quiet: bool) -> Progress:
    """A progress bar for reading `store`, with an ETA when the store can tell its size cheaply."""
    from relgate.progress import Progress, wanted

    shown = wanted(sys.stderr, quiet, os.environ)
    return Progress(label, total=store.size_hint() if shown else None, quiet=quiet)


def config_option(func: F) -> F:
    return click.option("--config", "config_path", type=click.Path(dir_okay=False),
                        help=f"Config naming the audit store (default: {DEFAULT_CONFIG} when present).")(func)


def config_for(config_path: str | None) -> Config | None:
    """The named config (which must exist), else ./relgate.yaml when present, else none."""
    if config_path is None:
        if not Path(DEFAULT_CONFIG).exists():
            return None
        config_path = DEFAULT_CONFIG
    return load_config(config_path, dict(os.environ))


def store_for(config_path: str | None, log_path: str | None, store_url: str | None) -> AuditStore:
    """One path rule: --log/--store relative to the working directory, config values to the config's folder."""
    config = None if (log_path or store_url) else config_for(config_path)
    return choose_store(store=store_url, log=log_path, config=config)


def signing_key(key_path: str | None) -> Ed25519PrivateKey | None:
    """The key named by --key, else $RELGATE_SIGNING_KEY, else none."""
    source = key_path or os.environ.get("RELGATE_SIGNING_KEY")
    return load_signing_key(source, "--key" if key_path else "RELGATE_SIGNING_KEY") if source else None


def deliver(text: str, output_path: str | None) -> None:
    """Write to --output when given, else to stdout."""
    if not output_path:
        click.echo(text, nl=False)
        return
    try:
        Path(output_path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise RelgateError(f"{output_path}: cannot write: {exc.strerror or exc}") from None


def deliver_chunks(chunks: Iterable[str], output_path: str | None) -> None:
    """Write text as it is produced: to stdout, or to --output whole (a temporary file renamed into place,
    so a failed export never leaves half a file under the name)."""
    if not output_path:
        for chunk in chunks:
            click.echo(chunk, nl=False)
        return
    target = Path(output_path)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        with partial.open("w", encoding="utf-8") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.replace(partial, target)
    except OSError as exc:
        raise RelgateError(f"{output_path}: cannot write: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)


def fail(message: str) -> None:
    click.echo(f"relgate: error: {terminal(scrub(message))}", err=True)


def warn(message: str) -> None:
    click.echo(f"relgate: warning: {terminal(scrub(message))}", err=True)


def run(body: Callable[[], int]) -> None:
    """Run a command body: a user error is one line and exit 2 (never 1, which means FAIL).

    Anything else reaches the top-level group in `cli`, which also makes it one line and exit 2.
    """
    try:
        code = body()
    except RelgateError as exc:
        fail(str(exc))
        sys.exit(2)
    sys.exit(code)
