"""Command line: parse flags, call the same code as the Python API, map results to exit codes."""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def _loading() -> Iterator[None]:
    """Load modules with the cycle collector paused, then set what they made aside (gc.freeze).

    Start-up creates tens of thousands of objects that live as long as the process and no
    garbage: the collector's passes over them are pure cost (~5-10 ms of a gate run), and so
    would be its first pass after loading, which freezing spares.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.freeze()
            gc.enable()


with _loading():
    import os
    import sys
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from typing import TYPE_CHECKING, Any, TypeVar

    import click

    from relgate import __version__
    from relgate.engines import ENGINE_NAMES
    from relgate.engines.worker import end_spare, start_spare
    from relgate.errors import RelgateError, describe
    from relgate.output import FORMATS, render
    from relgate.output.escape import json_text, terminal
    from relgate.output.text import COLOR_CHOICES, use_colour
    from relgate.redact import remember_env, scrub, scrub_value
# At exit, the interpreter's last full collection would walk every object the run made (~10 ms)
# only to free memory the process is about to give back: frozen first, they are skipped. Files,
# pipes and worker processes are closed explicitly, never left to the collector.
atexit.register(gc.freeze)

if TYPE_CHECKING:
    from relgate.config import Config
    from relgate.decision import Decision

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str) -> None:
    """The one way an error reaches the user: one line, secrets masked, nothing a terminal or runner acts on."""
    click.echo(f"relgate: error: {terminal(scrub(message))}", err=True)


def _unexpected(exc: Exception) -> None:
    """Any exception no command handled: still one line and exit 2 (RELGATE_DEBUG=1 adds the traceback)."""
    if os.environ.get("RELGATE_DEBUG"):
        import traceback

        traceback.print_exc()
    if isinstance(exc, OSError | UnicodeError | RecursionError | MemoryError):
        _fail(describe(exc))
    else:
        _fail(f"internal error (a bug in relgate; the gate did not decide): {describe(exc)}")


class _Lazy(click.Group):
    """A group whose commands named in `lazy` ("module:attribute") are imported only when run or listed.

    So `relgate check` never loads the audit CLI, policy testing or the web stack.
    """

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            import importlib

            module, _, attribute = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


class _Guarded(_Lazy):
    """The top-level group: whatever a command raises ends as one line on stderr and exit 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            exc.show()
            sys.exit(2)  # a usage or file error is an error, never "deny" (1)
        except (click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except RelgateError as exc:
            _fail(str(exc))
            sys.exit(2)
        except Exception as exc:
            _unexpected(exc)
            sys.exit(2)


def _config_option(func: F) -> F:
    return click.option(
        # A plain string: the config loader refuses directories and FIFOs in one line of its own.
        "--config", "config_path", default="relgate.yaml", show_default=True, help="Path to relgate.yaml.",
    )(func)


def _run_options(func: F) -> F:
    options = [
        click.option("--env", "environment", help="Target environment (overrides the config)."),
        click.option("--service", help="Service name (overrides the config)."),
        click.option("--at", help="Evaluate as of this RFC 3339 time (replays, tests)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _decision_options(func: F) -> F:
    options = [
        click.option("--mode", type=click.Choice(["enforce", "warn"]), help="warn: report, never block."),
        click.option("--engine", type=click.Choice(ENGINE_NAMES), help="Policy engine."),
        click.option("--override", "override", help="Reason to let soft-mandatory denials pass."),
        click.option("--actor", help="Who overrides (default: $GITHUB_ACTOR, then $USER)."),
        click.option("--json", "as_json", is_flag=True, help="Print the decision JSON to stdout."),
        click.option("--color", type=click.Choice(COLOR_CHOICES), default="auto", show_default=True,
                     help="Colour the verdict: auto = on a terminal unless NO_COLOR is set."),
        click.option(
            "--output", "outputs", multiple=True, metavar="FORMAT=PATH",
            help=f"Also write FORMAT ({', '.join(FORMATS)}) to PATH ('-' = stdout). Repeatable.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def parse_outputs(outputs: Sequence[str], as_json: bool = False) -> list[tuple[str, str]]:
    """`FORMAT=PATH` pairs, checked before anything runs."""
    parsed = [("json", "-")] if as_json else []
    for item in outputs:
        name, sep, path = item.partition("=")
        if not sep or not path:
            raise RelgateError(f"--output {item!r}: expected FORMAT=PATH, e.g. json=decision.json")
        if name not in FORMATS:
            raise RelgateError(f"--output {item!r}: unknown format {name!r} (known: {', '.join(FORMATS)})")
        if path != "-" and Path(path).is_dir():
            raise RelgateError(f"--output {item!r}: {path} is a directory; name a file, e.g. {name}={path}/out")
        parsed.append((name, path))
    if sum(1 for _, path in parsed if path == "-") > 1:
        raise RelgateError("--output: only one format can go to stdout ('-')")
    if any(name == "github" for name, _ in parsed):
        from relgate.output.github import check_publishable

        check_publishable(os.environ)
    return parsed


def _emit(decision: Decision, outputs: list[tuple[str, str]], color: str = "auto") -> None:
    """Write the requested formats; the text verdict goes to stdout unless stdout is taken."""
    stdout_taken = any(path == "-" for _, path in outputs)
    stream = sys.stderr if stdout_taken else sys.stdout
    colour = use_colour(color, stream, os.environ)
    click.echo(render("text", decision, colour=colour), nl=False, err=stdout_taken, color=colour)
    write_outputs(decision, outputs)


def write_outputs(decision: Decision, outputs: list[tuple[str, str]]) -> None:
    """Render each FORMAT=PATH; `github` also appends the job summary and step outputs."""
    for name, path in outputs:
        rendered = render(name, decision)
        if path == "-":
            click.echo(rendered, nl=False)
        else:
            target = Path(path)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(rendered, encoding="utf-8")
            except OSError as exc:
                raise RelgateError(f"--output {name}={path}: cannot write: {exc.strerror or exc}") from None
        if name == "github":
            from relgate.output.github import publish, run_url_from

            publish(decision, os.environ, run_url_from(os.environ))


def load_config(path: str, env: dict[str, str]) -> Config:
    """The gate's modules load with the config (a check's engine worker has started meanwhile, see check)."""
    if "relgate.gate" not in sys.modules:  # once: a process that runs many commands (tests) freezes nothing more
        with _loading():
            import relgate.gate  # noqa: F401  (loaded here, with the collector paused)
    from relgate.config import load_config as load

    return load(path, env)


def _report_errors(decision: Decision) -> None:
    """An error decision also says why on stderr, one line per cause, for pipeline logs."""
    for error in decision.errors:
        _fail(error)


def _guard(func: Callable[[], int]) -> None:
    """Run a command body: user errors are one line and exit 2, bugs too exit 2 (never 1)."""
    try:
        code = func()
    except RelgateError as exc:
        _fail(str(exc))
        sys.exit(2)
    except Exception as exc:
        _unexpected(exc)
        sys.exit(2)
    sys.exit(code)


@click.group(cls=_Guarded, context_settings={"help_option_names": ["-h", "--help"]},
             lazy={"audit": "relgate.cli_audit:audit"})
@click.version_option(__version__, prog_name="relgate")
def main() -> None:
    """relgate: a policy-as-code release gate. Exit codes: 0 allow, 1 deny, 2 error."""
    remember_env(os.environ)


@main.command()
@_config_option
@_run_options
@_decision_options
@click.option("--audit-log", type=click.Path(dir_okay=False), help="Append the record to this JSONL file instead.")
@click.option("--store", help="Append the record to this store: jsonl:PATH, sqlite:PATH or postgresql://….")
@click.option("--no-audit", is_flag=True, help="Do not write an audit record.")
def check(config_path: str, audit_log: str | None, store: str | None, no_audit: bool, **flags: Any) -> None:
    """Gather evidence, evaluate policies, record the decision, exit 0/1/2.

    Example: relgate check --config examples/quickstart/relgate.yaml --output json=decision.json
    """

    def body() -> int:
        outputs, color = parse_outputs(flags.pop("outputs"), flags.pop("as_json")), flags.pop("color")
        env = dict(os.environ)
        start_spare()  # the engine's worker process loads its modules on the other core while this one loads
        try:
            config = load_config(config_path, env)
            from relgate.gate import RunOptions, run_check

            options = RunOptions(audit_log=Path(audit_log) if audit_log else None, store=store,
                                 audit=not no_audit, **flags)
            run = run_check(config, options, env)
        finally:
            end_spare()
        _emit(run.decision, outputs, color)
        _report_errors(run.decision)
        for note in run.notes:
            click.echo(f"relgate: warning: {terminal(scrub(note))}", err=True)
        return run.decision.exit_code

    _guard(body)


@main.command()
@_config_option
@_run_options
def context(config_path: str, **flags: Any) -> None:
    """Gather evidence and print the context document (the policy input) as JSON.

    Example: relgate context --config relgate.yaml --at 2026-12-01T10:00:00Z > context.json
    """

    def body() -> int:
        env = dict(os.environ)
        config = load_config(config_path, env)
        from relgate.gate import RunOptions, gather_context

        doc, runs = gather_context(config, RunOptions(**flags), env)
        click.echo(json_text(scrub_value(doc)))
        failed = [r for r in runs if r.failed_required]
        for run in failed:
            _fail(f"required source {run.spec.name!r} failed: {run.error}")
        return 2 if failed else 0

    _guard(body)


@main.command(name="eval")
@_config_option
@click.option("--context", "context_path", required=True, type=click.Path(dir_okay=False),
              help="A context document saved by `relgate context`.")
@_decision_options
def eval_command(config_path: str, context_path: str, **flags: Any) -> None:
    """Evaluate a saved context document offline (no sources, no audit record).

    Example: relgate eval --config relgate.yaml --context context.json --json
    """

    def body() -> int:
        outputs, color = parse_outputs(flags.pop("outputs"), flags.pop("as_json")), flags.pop("color")
        env = dict(os.environ)
        config = load_config(config_path, env)
        from relgate.context import recorded_failures
        from relgate.gate import RunOptions, evaluate

        doc = _read_json(Path(context_path))
        if not isinstance(doc, dict):
            raise RelgateError(f"{context_path}: expected a context document (a JSON object)")
        # A saved context keeps its sources' statuses: a required source that had failed is still an error.
        decision = evaluate(config, doc, RunOptions(audit=False, **flags), env, recorded_failures(doc))
        _emit(decision, outputs, color)
        _report_errors(decision)
        return decision.exit_code

    _guard(body)


def _read_json(path: Path) -> Any:
    """A saved context is evidence too: a regular file within the evidence limits, plain bounded JSON."""
    from relgate.sources.evidence import load_json

    return load_json(path)


@main.group(cls=_Lazy, lazy={"test": "relgate.cli_policy:policy_test"})
def policy() -> None:
    """Test and check Rego policies with the loader the gate uses."""


@policy.command(name="check")
@click.argument("paths", nargs=-1)
@click.option("--engine", type=click.Choice(ENGINE_NAMES), default="regorus", show_default=True)
@click.option("--v0-compatible", is_flag=True, help="Read the policies as Rego v0 (as OPA's --v0-compatible).")
@click.option("--allow-builtin", "allowed", multiple=True, metavar="NAME",
              help="Allow a non-deterministic built-in (as evaluation.allow_builtins). Repeatable.")
def policy_check(paths: tuple[str, ...], engine: str, v0_compatible: bool, allowed: tuple[str, ...]) -> None:
    """Compile policies, check the built-ins they call and their deny/warn shapes; errors as file:line (exit 2).

    Example: relgate policy check my-policies/ --engine regorus
    """
    from relgate.engines import engine_options, make_engine
    from relgate.engines.capabilities import CapabilityError
    from relgate.policy import load_policies

    def body() -> int:
        locations = paths or ("builtin",)
        versions = {location: "v0" for location in locations} if v0_compatible else None
        policies = load_policies(locations, Path.cwd(), include_tests=True, rego_versions=versions)
        compiled = make_engine(engine, options=engine_options({"allow_builtins": list(allowed)}))
        try:
            report = compiled.load(policies, {})
        except CapabilityError as exc:
            for problem in exc.problems:
                _fail(problem)
            return 2
        compiled.query("data.relgate", {})
        click.echo(terminal(f"ok: {len(policies.modules)} module(s) compiled with {engine} ({policies.digest})"))
        click.echo(f"built-ins called: {', '.join(report.builtins) or '(none)'}")
        click.echo(terminal(f"gate packages: {', '.join(report.packages) or '(none)'}"))
        for warning in report.warnings:
            click.echo(f"relgate: warning: {terminal(warning)}", err=True)
        return 0

    _guard(body)


@main.command(name="replay")
@click.option("--log", "log_path", type=click.Path(dir_okay=False), help="JSONL audit log to replay.")
@click.option("--store", "store_url", help="Store to replay: jsonl:PATH, sqlite:PATH or postgresql://….")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Also take thresholds, waivers and enforcement from this config.")
@click.option("--policies", "policy_paths", multiple=True, required=True,
              help="Policy directory or file to replay with ('builtin' for the library). Repeatable.")
@click.option("--engine", type=click.Choice(ENGINE_NAMES), default="regorus", show_default=True)
@click.option("--since", help="Only decisions evaluated since: an RFC 3339 time, or a span like 30d or 12h.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--fail-on-flip", is_flag=True, help="Exit 1 when any decision would flip.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar (it shows only on a terminal, after a second).")
def replay_command(log_path: str | None, store_url: str | None, config_path: str | None,
                   policy_paths: tuple[str, ...], engine: str, since: str | None, as_json: bool,
                   fail_on_flip: bool, quiet: bool) -> None:
    """Re-evaluate recorded decisions with other policies and list those that would flip.

    Example: relgate replay --log .relgate/audit.jsonl --policies policies-next/ --fail-on-flip
    """
    from relgate.audit.store import choose_store
    from relgate.cli_store import progress_for
    from relgate.cli_time import since_ns
    from relgate.policy import load_policies
    from relgate.replay import replay_store

    def body() -> int:
        env = dict(os.environ)
        config = load_config(config_path, env) if config_path else None
        store = choose_store(store=store_url, log=log_path, config=config)
        policies = load_policies(policy_paths, Path.cwd())
        with progress_for("replaying", store, quiet) as progress:
            report = replay_store(store, policies, engine_name=engine, config=config, since_ns=since_ns(since),
                                  progress=progress.update)
        if report.replayed == 0 and fail_on_flip:
            raise RelgateError(f"{store.where}: no decision replayed ({report.skipped} record(s) without replay "
                               f"data): --fail-on-flip cannot pass on nothing")
        if as_json:
            click.echo(json_text(scrub_value(report.to_json())))
        else:
            for flip in report.flips:
                rules = ", ".join(flip.rules) or "(no rule changed; enforcement or waivers did)"
                click.echo(terminal(scrub(f"FLIP {flip.time} {flip.record_id} {flip.service}/{flip.environment}: "
                                          f"{flip.before} -> {flip.after} [{rules}]")))
            click.echo(f"{report.replayed} decision(s) replayed in {report.seconds:.2f}s, "
                       f"{len(report.flips)} would flip, {report.skipped} skipped (no replay data)")
        if report.replayed == 0:
            click.echo(f"relgate: warning: {terminal(store.where)}: no decision replayed; nothing was compared",
                       err=True)
        return 1 if fail_on_flip and report.flips else 0

    _guard(body)




@main.command()
@_config_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (stateless; share the audit store and the delivery queue).")
def serve(config_path: str, host: str, port: int, workers: int) -> None:
    """Run the gate as an HTTP service: GitHub deployment protection rules, Flagger, Argo Rollouts, /v1 API.

    Secrets come only from the environment (or NAME_FILE): RELGATE_WEBHOOK_SECRET, RELGATE_GITHUB_APP_ID,
    RELGATE_GITHUB_APP_KEY, RELGATE_CONSOLE_TOKEN, RELGATE_FLAGGER_TOKEN.

    \b
    Example:
      RELGATE_CONSOLE_TOKEN=… relgate serve --config relgate.yaml --host 0.0.0.0 --port 8080 --workers 4
    """
    from relgate.serve.command import run_server  # the web stack loads only for this command

    run_server(config_path, host, port, workers)
