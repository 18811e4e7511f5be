"""`relgate audit …`: let an auditor read and verify the gate's records."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from relgate.audit.attest import envelope, open_envelope
from relgate.audit.chain import key_id, load_public_key
from relgate.audit.export import FORMATS as EXPORT_FORMATS
from relgate.audit.export import export_chunks
from relgate.audit.store import open_store
from relgate.audit.verify import verify_store
from relgate.cli_store import (
    config_for,
    config_option,
    deliver,
    deliver_chunks,
    log_options,
    progress_for,
    quiet_option,
    run,
    signing_key,
    store_for,
)
from relgate.cli_verify import audit_checkpoint, audit_repair, audit_verify
from relgate.errors import AuditError, RelgateError
from relgate.output.escape import json_text, terminal


@click.group()
def audit() -> None:
    """Read and verify gate records."""


audit.add_command(audit_verify)
audit.add_command(audit_checkpoint)
audit.add_command(audit_repair)


@audit.command(name="export")
@log_options
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="jsonl", show_default=True)
@click.option("--output", "output_path", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
@quiet_option
def audit_export(config_path: str | None, log_path: str | None, store_url: str | None, fmt: str,
                 output_path: str | None, quiet: bool) -> None:
    """Export records as a CloudEvents batch, CDEvents, JSONL or CSV.

    Example: relgate audit export --store sqlite:gate.db --format cdevents --output events.json
    """

    def body() -> int:
        store = store_for(config_path, log_path, store_url)
        with progress_for("exporting", store, quiet) as progress:
            deliver_chunks(export_chunks((r for _, r in store.records(progress.update)), fmt), output_path)
        return 0

    run(body)


@audit.command(name="import")
@click.argument("source", type=click.Path(dir_okay=False, exists=True))
@click.option("--store", "store_url", required=True, help="Target store: sqlite:PATH, postgresql://… or jsonl:PATH.")
@quiet_option
def audit_import(source: str, store_url: str, quiet: bool) -> None:
    """Load a JSONL log into another store, verifying the chain first; records keep their hashes.

    Example: relgate audit import .relgate/audit.jsonl --store postgresql://relgate@db/relgate
    """

    def body() -> int:
        origin = open_store(f"jsonl:{source}")
        with progress_for("verifying", origin, quiet) as progress:
            report = verify_store(origin, progress=progress.update)
        if not report.ok:
            raise RelgateError(f"{source}:{report.line}: not imported: {report.reason}")
        target = open_store(store_url)
        count = 0
        with progress_for("importing", origin, quiet) as progress:
            for _, record in origin.records(progress.update):
                target.adopt(record)
                count += 1
        click.echo(f"imported {count} record(s) into {target.where}")
        return 0

    run(body)


@audit.command(name="attest")
@log_options
@click.argument("record_id")
@click.option("--key", "key_path", help="Ed25519 private key (PEM file); default $RELGATE_SIGNING_KEY.")
@click.option("--output", "output_path", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
def audit_attest(config_path: str | None, log_path: str | None, store_url: str | None, record_id: str,
                 key_path: str | None, output_path: str | None) -> None:
    """Write the decision as a signed in-toto attestation (SLSA verification summary in DSSE).

    Example: relgate audit attest 3f1c2a --output gate.intoto.json
    """

    def body() -> int:
        key = signing_key(key_path)
        if key is None:
            raise RelgateError("attest needs a signing key: --key or RELGATE_SIGNING_KEY")
        record = store_for(config_path, log_path, store_url).get(record_id)
        deliver(json.dumps(envelope(record, key), indent=2) + "\n", output_path)
        return 0

    run(body)


def attestation_summary(claim: dict[str, Any], signer: str) -> list[str]:
    """What a verified attestation says, in words: the signature, the decision and for what, the policy."""
    predicate = claim.get("predicate", {})
    gate = predicate.get("relgate", {})
    subjects = ", ".join(str(s.get("name")) for s in claim.get("subject", [])) or "(no subject)"
    decision = str(gate.get("decision") or "unknown")
    outcome = "passed" if predicate.get("verificationResult") == "PASSED" else "did not pass"
    digest = predicate.get("policy", {}).get("digest", {})
    policy = ", ".join(f"{k}:{v}" for k, v in digest.items()) if isinstance(digest, dict) else str(digest)
    return [
        f"signature valid: signed by key {signer}",
        f"attests: the gate {outcome} {subjects} (decision {decision}, SLSA verificationResult "
        f"{predicate.get('verificationResult')}) at {predicate.get('timeVerified')}",
        f"policy: {policy or 'unknown'} ({predicate.get('policy', {}).get('uri', '')}); "
        f"audit record {gate.get('audit_id')}",
    ]


@audit.command(name="verify-attestation")
@click.argument("path", type=click.Path(dir_okay=False, exists=True))
@click.option("--key", "key_path", required=True, help="Ed25519 public key (PEM file).")
def audit_verify_attestation(path: str, key_path: str) -> None:
    """Check an attestation's signature and say what it attests (exit 1 when it does not verify, 2 for a bad key).

    Example: relgate audit verify-attestation gate.intoto.json --key gate-pub.pem
    """

    def body() -> int:
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except ValueError as exc:
            raise RelgateError(f"{path}: not JSON: {exc}") from None
        public = load_public_key(key_path, "--key")  # a wrong key is a usage error (exit 2), not a bad attestation
        try:
            claim = open_envelope(document, public)
        except AuditError as exc:
            click.echo(f"FAIL: {path}: {terminal(str(exc))}")
            return 1
        for line in attestation_summary(claim, key_id(public)):
            click.echo(terminal(line))
        return 0

    run(body)


@audit.command(name="flush")
@config_option
def audit_flush(config_path: str | None) -> None:
    """Re-send records spooled when a sink was unreachable; exit 1 while any stay spooled.

    Example: relgate audit flush --config relgate.yaml
    """

    from relgate.audit.sinks import flush, sink_from

    def body() -> int:
        config = config_for(config_path)
        if config is None:
            raise RelgateError("audit flush needs the config naming the sinks and the spool: --config FILE")
        sinks = [sink_from(entry, i) for i, entry in enumerate(config.sinks)]
        if config.witness:
            sinks.append(sink_from({"name": "witness", **config.witness}, len(sinks)))
        delivered, failures = flush(sinks, config.spool_dir)
        for failure in failures:
            click.echo(terminal(failure), err=True)
        click.echo(f"delivered {delivered} spooled record(s); {len(failures)} sink(s) still failing")
        return 1 if failures else 0

    run(body)


LIST_HEADER = f"{'TIME':<30}  {'ID':<36}  {'STREAM':<24}  {'SEQ':>5}  {'DECISION':<8}  {'VIOLATIONS':>10}  COMMIT"


def list_row(record: dict[str, Any]) -> str:
    """One `audit list` line under LIST_HEADER; the commit column shows the commit (or `-` when none was recorded)."""
    custom = record.get("data", {}).get("customData", {})
    result = custom.get("decision_log", {}).get("result", {})
    commit = custom.get("value_stream", {}).get("commit") or "-"
    return (f"{record.get('time', '')!s:<30}  {record.get('id', '')!s:<36}  "
            f"{record.get('relgatestream', '')!s:<24}  {record.get('relgateseq', '')!s:>5}  "
            f"{result.get('decision', '?')!s:<8}  {len(result.get('violations', [])):>10}  {commit}")


@audit.command(name="list")
@log_options
def audit_list(config_path: str | None, log_path: str | None, store_url: str | None) -> None:
    """One line per record under a header: time, id, stream, sequence number, decision, violations, commit.

    Example: relgate audit list --config relgate.yaml
    """

    def body() -> int:
        click.echo(LIST_HEADER)
        for _, record in store_for(config_path, log_path, store_url).records():
            click.echo(terminal(list_row(record)))
        return 0

    run(body)


@audit.command(name="show")
@log_options
@click.argument("record_id")
def audit_show(config_path: str | None, log_path: str | None, store_url: str | None, record_id: str) -> None:
    """Print one record (by id or unique id prefix) as JSON.

    Example: relgate audit show 3f1c2a
    """

    def body() -> int:
        click.echo(json_text(store_for(config_path, log_path, store_url).get(record_id)))
        return 0

    run(body)


@audit.command(name="report")
@log_options
@click.option("--since", help="Only gates evaluated since: RFC 3339, or a span like 30d.")
@click.option("--service", help="Only this service.")
@click.option("--environment", help="Only this environment.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True)
@click.option("--incidents", "incident_files", multiple=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="Production incidents: a facts file (YAML/JSON) or CDEvents incident.* events. Repeatable.")
@quiet_option
def audit_report(config_path: str | None, log_path: str | None, store_url: str | None, since: str | None,
                 service: str | None, environment: str | None, fmt: str, incident_files: tuple[str, ...],
                 quiet: bool) -> None:
    """The auditor's report: per stream, blocked runs and why, overrides and waivers, and DORA's four keys
    (deploy frequency, lead time, change failure rate, time to restore) next to time blocked and approval wait.

    Example: relgate audit report --since 30d --incidents incidents.yaml --format html > gate-report.html
    """
    from relgate.cli_time import since_ns
    from relgate.incidents import read_incidents
    from relgate.report_html import render_html, render_text
    from relgate.report_stream import stream_report

    def body() -> int:
        incidents = [i for path in incident_files for i in read_incidents(Path(path))]
        store = store_for(config_path, log_path, store_url)
        with progress_for("reading", store, quiet) as progress:
            report = stream_report(store, since_ns=since_ns(since), service=service, environment=environment,
                                   incidents=incidents, progress=progress.update,
                                   merging=lambda total: progress.stage("merging", total))
        try:
            if fmt == "json":
                report.write_json(sys.stdout.write)
                sys.stdout.flush()
            else:
                document = report.document()
                click.echo(render_html(document) if fmt == "html" else render_text(document), nl=False)
        finally:
            report.close()
        return 0

    run(body)
