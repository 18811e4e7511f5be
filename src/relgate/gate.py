"""The one place that wires config → sources → context → engine → decision → audit."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from relgate.audit.chain import digest_of
from relgate.audit.store import choose_store
from relgate.audit.writer import append_decision
from relgate.config import Config
from relgate.config_lines import place_in_config
from relgate.context import build_context, validate_context, validated_runs
from relgate.decision import Decision, Mode
from relgate.engines import engine_options, make_engine
from relgate.engines.interface import Engine, LoadReport, PolicySet, RuleOutcome
from relgate.errors import ConfigError, RelgateError
from relgate.gather import SourceRun, run_sources
from relgate.policy import BUILTIN, load_policies
from relgate.redact import remember_env, remember_in, scrub, scrub_value
from relgate.sources.ci_env import change_from_env
from relgate.sources.interface import GatherRequest
from relgate.timeutil import format_ns, now_ns, parse_ns
from relgate.verdict import OverrideRequest, judge
from relgate.waivers import WaiverBook, open_book

LIBRARY_SECTIONS = ("vulnerabilities", "tests", "approvals", "checks", "freeze_windows", "slo")


@dataclass(frozen=True)
class RunOptions:
    """Per-run choices from flags; None means "as the config says"."""

    service: str | None = None
    environment: str | None = None
    at: str | None = None
    mode: str | None = None
    engine: str | None = None
    override: str | None = None
    actor: str | None = None
    audit_log: Path | None = None
    store: str | None = None
    audit: bool = True
    change: Mapping[str, Any] | None = None  # change facts a caller knows (relgate serve: from the webhook)

    def __post_init__(self) -> None:
        if self.mode is not None and self.mode not in {m.value for m in Mode}:
            choices = ", ".join(m.value for m in Mode)
            raise ConfigError(f"mode: expected one of {choices}, found {self.mode!r}")


@dataclass(frozen=True)
class GateRun:
    """A finished run: the decision, the input it was made on, and its audit record."""

    decision: Decision
    context: Mapping[str, Any]
    record: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = ()


def evaluation_time(options: RunOptions) -> int:
    if options.at is None:
        return now_ns()
    try:
        return parse_ns(options.at)
    except ValueError:
        raise ConfigError(f"--at: expected an RFC 3339 date-time in years 0001-9999 (UTC), got {options.at!r}") \
            from None


def gather_context(
    config: Config, options: RunOptions, env: Mapping[str, str], at_ns: int | None = None
) -> tuple[dict[str, Any], tuple[SourceRun, ...]]:
    """Run the sources and assemble the (not yet validated) context document."""
    remember_secrets(config, env)
    at_ns = evaluation_time(options) if at_ns is None else at_ns
    service = options.service or config.service
    environment = options.environment or config.environment
    request = GatherRequest(at_ns, service, environment, env)
    runs = validated_runs(run_sources(config.sources, request))
    context = build_context(
        evaluated_at_ns=at_ns,
        service=service,
        environment=environment,
        change={**change_from_env(env), **(options.change or {})},
        runs=runs,
    )
    return context, runs


def run_check(config: Config, options: RunOptions, env: Mapping[str, str]) -> GateRun:
    """Gather, evaluate and record one gate run."""
    requested_at_ns = now_ns()
    started = time.perf_counter_ns()
    at_ns = evaluation_time(options)
    preload = _begin_load(config, options, at_ns)
    try:
        context, runs = gather_context(config, options, env, at_ns)
        gathered = time.perf_counter_ns()
        errors = [f"required source {r.spec.name!r} failed: {r.error}" for r in runs if r.failed_required]
        decision = evaluate(config, context, options, env, errors, preload)
    finally:
        if preload is not None:
            preload.engine.close()
    decision = replace(decision, duration_ms=(time.perf_counter_ns() - started) / 1e6)  # gathering included
    if not (options.audit and config.audit_enabled):
        return GateRun(decision, context)
    store = choose_store(store=options.store, log=options.audit_log, config=config)  # flags: cwd; config: its folder
    record = append_decision(
        config=config,
        store=store,
        decision=decision,
        context=context,
        evidence={r.spec.name: digest_of(r.evidence) for r in runs if r.status == "ok"},
        env=env,
        requested_at_ns=requested_at_ns,
        metrics={"timer_gather_ns": gathered - started, "timer_eval_ns": time.perf_counter_ns() - gathered},
    )
    decision = replace(decision, audit_id=str(record["id"]), record_path=scrub(store.where))
    if not config.sinks:
        return GateRun(decision, context, record)
    from relgate.audit.sinks import publish, sink_from  # an HTTP client only when sinks are configured

    sinks = [sink_from(entry, i) for i, entry in enumerate(config.sinks)]
    return GateRun(decision, context, record, tuple(publish(record, sinks, config.spool_dir)))


@dataclass(frozen=True)
class Preload:
    """An engine already loading the run's policies (begin_load), with what it was given."""

    engine_name: str
    engine: Engine
    policies: PolicySet
    data: Mapping[str, Any]


def _begin_load(config: Config, options: RunOptions, at_ns: int) -> Preload | None:
    """Start compiling the policies now: an engine in a worker does it on the other core while sources gather.

    Any error here is left for evaluate(), which meets it again in its place and reports it there.
    """
    engine_name = options.engine or config.engine
    book = open_book(config.waivers, service=options.service or config.service,
                     environment=options.environment or config.environment, evaluated_at_ns=at_ns)
    data = _policy_data(config, book)
    try:
        policies = _policies(config)
        engine = _engine(config, engine_name)
    except RelgateError:
        return None
    engine.begin_load(policies, data)
    return Preload(engine_name, engine, policies, data)


def _policy_data(config: Config, book: WaiverBook) -> dict[str, Any]:
    """What policies see as `data`: the config's thresholds and the waivers active for this run."""
    return {"config": dict(config.data), "waivers": book.policy_data()}


def _policies(config: Config) -> PolicySet:
    return load_policies(config.policies, config.base_dir, rego_versions=config.rego_versions)


def _engine(config: Config, engine_name: str) -> Engine:
    return make_engine(engine_name, config.opa, engine_options(config.evaluation, config.packages, str(config.path)))


def evaluate(
    config: Config,
    context: Mapping[str, Any],
    options: RunOptions,
    env: Mapping[str, str],
    errors: list[str] | None = None,
    preload: Preload | None = None,
) -> Decision:
    """Evaluate a context document; any failure becomes an `error` decision, never an allow.

    A `preload` is used only when it was given exactly the engine and data this evaluation needs.
    """
    started = time.perf_counter_ns()
    remember_secrets(config, env)
    errors = list(errors or [])
    mode = Mode(options.mode or config.mode)
    engine_name = options.engine or config.engine
    at_ns = int(context.get("evaluated_at_ns", 0))
    book = open_book(
        config.waivers,
        service=str(context.get("service", "")),
        environment=str(context.get("environment", "")),
        evaluated_at_ns=at_ns,
    )
    override = _override(options, env)
    digest = ""
    outcomes: tuple[Any, ...] = ()
    try:
        validate_context(context)
        data = _policy_data(config, book)
        usable = preload if preload is not None and preload.engine_name == engine_name and preload.data == data \
            else None
        policies = usable.policies if usable is not None else _policies(config)
        digest = policies.digest
        _require_participation(config)
        engine = usable.engine if usable is not None else _engine(config, engine_name)
        try:
            report = engine.load(policies, data)
            outcomes = engine.evaluate(context) + _load_warnings(report)
            digest = engine.provenance() or digest
        finally:
            engine.close()
        if not outcomes:
            errors.append("no relgate.* policy package defines deny or warn")
    except RelgateError as exc:
        errors.append(str(exc))
    vulnerabilities = context.get("vulnerabilities")
    findings = vulnerabilities.get("findings", []) if isinstance(vulnerabilities, dict) else []
    decision = judge(
        outcomes,
        book=book,
        levels=config.enforcement,
        findings=findings,
        override=override,
        errors=errors,
        mode=mode,
        service=str(context.get("service", "")),
        environment=str(context.get("environment", "")),
        evaluated_at=format_ns(at_ns),
        policy_digest=digest,
        engine=engine_name,
    )
    workspace = Path(env.get("GITHUB_WORKSPACE") or Path.cwd())
    placed = place_in_config(decision, config.path, workspace)
    return scrub_value(replace(placed, packages=_taking_part(placed.packages, config),
                               duration_ms=(time.perf_counter_ns() - started) / 1e6))


def _taking_part(packages: tuple[str, ...], config: Config) -> tuple[str, ...]:
    """The evaluated packages minus library packages whose `data:` section is absent (they did not take part)."""
    if BUILTIN not in config.policies:
        return packages
    sections = {f"relgate.{s}": s for s in LIBRARY_SECTIONS} | {"relgate.freeze": "freeze_windows"}
    return tuple(p for p in packages if p not in sections or sections[p] in config.data)


def remember_secrets(config: Config, env: Mapping[str, str]) -> None:
    """Tell the redaction layer every secret this run knows: secret-named variables and config fields,
    header values, the OPA token. From here on, no output, message or record shows them."""
    remember_env(env)
    remember_in({"sources": [dict(s.options) for s in config.sources], "opa": dict(config.opa),
                 "sinks": list(config.sinks), "data": dict(config.data)})


def _load_warnings(report: LoadReport) -> tuple[RuleOutcome, ...]:
    """What loading found worth saying (a package that will not be evaluated) becomes a gate warning."""
    if not report.warnings:
        return ()
    return (RuleOutcome("relgate", (), tuple({"msg": w, "id": "relgate.not_evaluated"} for w in report.warnings)),)


def _require_participation(config: Config) -> None:
    if set(config.policies) == {BUILTIN} and not any(s in config.data for s in LIBRARY_SECTIONS):
        sections = ", ".join(LIBRARY_SECTIONS)
        raise ConfigError(
            f"{config.path}: data: no library policy takes part; configure at least one of {sections}"
        )


def _override(options: RunOptions, env: Mapping[str, str]) -> OverrideRequest | None:
    """An override needs a reason and an identity that say something: blank ones are refused."""
    if options.override is None:
        return None
    reason = options.override.strip()
    if not reason:
        raise ConfigError("--override: the reason is blank; say why the soft-mandatory denials may pass")
    if options.actor is not None:
        actor = options.actor.strip()
        if not actor:
            raise ConfigError("--actor: the identity is blank; name who overrides")
    else:
        actor = (env.get("GITHUB_ACTOR") or env.get("USER") or "").strip()
    if not actor:
        raise ConfigError("--override needs an identity: pass --actor or set GITHUB_ACTOR")
    return OverrideRequest(reason, actor)
