"""`relgate audit verify | checkpoint | repair`: prove what a log holds, bound its length, mend a crash."""

from __future__ import annotations

from typing import Any

import click

from relgate.audit.chain import load_public_key
from relgate.audit.checkpoint import (
    Checkpoint,
    checkpoint_event,
    make_checkpoint,
    merge_anchors,
    read_checkpoint,
    signature_problem,
    write_checkpoint,
)
from relgate.audit.store import AuditStore
from relgate.audit.verify import StreamSummary, VerifyReport, verify_store
from relgate.cli_store import config_for, log_options, progress_for, quiet_option, run, signing_key, store_for, warn
from relgate.errors import AuditError
from relgate.output.escape import json_text, terminal

NO_CHECKPOINT = ("no checkpoint bounds the log's length: records cut off its end would not show. "
                 "Keep one: relgate audit checkpoint --out FILE, then verify --checkpoint FILE")


def _checkpoints(paths: tuple[str, ...], key_path: str | None) -> tuple[list[Checkpoint], str]:
    """The checkpoints, and the first signature problem (given a key) — a FAIL, not an error."""
    checkpoints = [read_checkpoint(path) for path in paths]
    if key_path:
        public = load_public_key(key_path, "--key")
        for checkpoint in checkpoints:
            problem = signature_problem(checkpoint, public)
            if problem:
                return checkpoints, problem
    return checkpoints, ""


def _stream_line(summary: StreamSummary, checked: bool) -> str:
    if summary.signed == summary.records:
        keys = ", ".join(summary.keyids)
        signed = f"signed (key {keys}), " + ("signatures verified" if checked else "signatures NOT checked (no --key)")
    elif summary.signed:
        signed = f"partly signed ({summary.signed} of {summary.records})"
    else:
        signed = "unsigned"
    canon = "/".join(f"v{v}" for v in summary.canon)
    return (f"  {summary.name}: seq 1..{summary.last_seq}, {summary.first_time} .. {summary.last_time}, "
            f"{signed}, canonical form {canon}")


def _as_json(store: AuditStore, report: VerifyReport, checkpoints: list[Checkpoint]) -> dict[str, Any]:
    return {"ok": report.ok, "store": store.where, "records": report.count,
            "signatures_checked": report.signatures_checked, "line": report.line, "record_id": report.record_id,
            "reason": report.reason, "bounded_by_checkpoint": bool(checkpoints),
            "checkpoints": [{"path": c.path, "created_at": c.created_at, "records": c.records} for c in checkpoints],
            "streams": [s.__dict__ | {"keyids": list(s.keyids), "canon": list(s.canon)} for s in report.streams]}


@click.command(name="verify")
@log_options
@click.option("--key", "key_path", help="Ed25519 public key (PEM file): also check every signature.")
@click.option("--checkpoint", "checkpoint_paths", multiple=True, type=click.Path(dir_okay=False),
              help="A checkpoint from `audit checkpoint`: prove the log still extends it. Repeat with the previous "
                   "checkpoint to prove the log only grew between them.")
@click.option("--json", "as_json", is_flag=True, help="Print what was proved as JSON.")
@quiet_option
def audit_verify(config_path: str | None, log_path: str | None, store_url: str | None, key_path: str | None,
                 checkpoint_paths: tuple[str, ...], as_json: bool, quiet: bool) -> None:
    """Recompute the hash chain and say what it proves; name the first bad record and exit 1.

    Exit 0: every record verifies (and the log extends every checkpoint given);
    1: a record or checkpoint does not verify; 2: the store or a record cannot be read,
    or the store holds no record.

    Example: relgate audit verify --log .relgate/audit.jsonl --key gate-pub.pem --checkpoint cp.json
    """

    def body() -> int:
        store = store_for(config_path, log_path, store_url)
        public = load_public_key(key_path, "--key") if key_path else None
        checkpoints, problem = _checkpoints(checkpoint_paths, key_path)
        if problem:
            click.echo(f"FAIL: {terminal(problem)}")
            return 1
        try:
            anchors = merge_anchors(checkpoints)
        except AuditError as exc:
            click.echo(f"FAIL: {terminal(str(exc))}")
            return 1
        with progress_for("verifying", store, quiet) as progress:
            report = verify_store(store, public, anchors, progress=progress.update)
        if report.unreadable:
            raise AuditError(f"{store.where}:{report.line}: {report.reason}")
        if report.ok and report.count == 0:
            raise AuditError(f"{store.where}: the store holds no record: nothing to verify")
        if as_json:
            click.echo(json_text(_as_json(store, report, checkpoints)))
        elif not report.ok:
            where = f"{store.where}:{report.line}: record {report.record_id}" if report.line else store.where
            click.echo(terminal(f"FAIL: {where}: {report.reason}"))
        else:
            _print_proof(store, report, checkpoints)
        if report.ok and not checkpoints:
            warn(NO_CHECKPOINT)
        return report.exit_code

    run(body)


def _print_proof(store: AuditStore, report: VerifyReport, checkpoints: list[Checkpoint]) -> None:
    signed = " and signatures" if report.signatures_checked else ""
    click.echo(terminal(f"ok: {report.count} record(s) in {len(report.streams)} stream(s); "
                        f"chain{signed} valid ({store.where})"))
    for summary in report.streams:
        click.echo(terminal(_stream_line(summary, report.signatures_checked)))
    for checkpoint in sorted(checkpoints, key=lambda c: c.records):
        click.echo(terminal(f"  extends checkpoint {checkpoint.path} ({checkpoint.created_at}, "
                            f"{checkpoint.records} record(s)); {report.count - checkpoint.records} added since"))
    if len(checkpoints) > 1:
        click.echo(f"  the log only grew across {len(checkpoints)} checkpoints")


@click.command(name="checkpoint")
@log_options
@click.option("--key", "key_path", help="Ed25519 private key (PEM file); default $RELGATE_SIGNING_KEY.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Write the checkpoint here (whole, atomically) instead of stdout.")
@click.option("--previous", "previous_path", type=click.Path(dir_okay=False),
              help="The last checkpoint: refuse unless the log still extends it, and link the new one to it.")
@quiet_option
def audit_checkpoint(config_path: str | None, log_path: str | None, store_url: str | None, key_path: str | None,
                     out_path: str | None, previous_path: str | None, quiet: bool) -> None:
    """Verify the log, then write a signed checkpoint (records, size and head hash per stream) to keep elsewhere.

    With `audit.witness` in the config, the checkpoint is also posted there (spooled
    and re-sent by `audit flush` when the witness is down).

    Example: relgate audit checkpoint --previous cp/latest.json --out cp/latest.json
    """

    def body() -> int:
        store = store_for(config_path, log_path, store_url)
        key = signing_key(key_path)
        previous = read_checkpoint(previous_path) if previous_path else None
        if previous is not None and key is not None:
            problem = signature_problem(previous, key.public_key())
            if problem:
                click.echo(f"FAIL: {terminal(problem)}")
                return 1
        with progress_for("verifying", store, quiet) as progress:
            report = verify_store(store, None, merge_anchors([previous] if previous else []),
                                  progress=progress.update)
        if report.unreadable:
            raise AuditError(f"{store.where}:{report.line}: {report.reason}")
        if not report.ok:
            click.echo(terminal(f"FAIL: {store.where}:{report.line or ''}: will not checkpoint: {report.reason}"))
            return 1
        if report.count == 0:
            raise AuditError(f"{store.where}: the store holds no record: nothing to checkpoint")
        checkpoint = make_checkpoint(store.where, report, key, previous.document if previous else None)
        if out_path:
            write_checkpoint(checkpoint, out_path)
            click.echo(f"checkpoint of {report.count} record(s) in {len(report.streams)} stream(s) written to "
                       f"{terminal(out_path)}", err=True)
        else:
            click.echo(json_text(checkpoint))
        if key is None:
            warn("the checkpoint is unsigned: anyone who can write it can change it (set RELGATE_SIGNING_KEY)")
        _witness(config_path, checkpoint)
        return 0

    run(body)


def _witness(config_path: str | None, checkpoint: dict[str, Any]) -> None:
    config = config_for(config_path)
    if config is None or not config.witness:
        return
    from relgate.audit.sinks import publish, sink_from

    witness = sink_from({"name": "witness", **config.witness}, 0)
    for note in publish(checkpoint_event(checkpoint), [witness], config.spool_dir):
        warn(note)


@click.command(name="repair")
@log_options
@click.option("--key", "key_path", help="Ed25519 private key for the repair record; default $RELGATE_SIGNING_KEY.")
def audit_repair(config_path: str | None, log_path: str | None, store_url: str | None, key_path: str | None) -> None:
    """Remove a torn final record (left by a crash) after verifying everything before it; record the repair.

    The removed bytes are kept beside the log (LOG.torn-<time>) and a repair record
    in stream relgate/repair names them. A log that does not verify is left alone (exit 1).

    Example: relgate audit repair --log .relgate/audit.jsonl
    """
    from relgate.audit.jsonl import JsonlStore
    from relgate.audit.repair import REPAIR_STREAM, repair

    def body() -> int:
        store = store_for(config_path, log_path, store_url)
        if not isinstance(store, JsonlStore):
            report = verify_store(store)
            if not report.ok:
                click.echo(terminal(f"FAIL: {store.where}:{report.line}: not repaired: {report.reason}"))
                return report.exit_code
            click.echo(f"nothing to repair: {report.count} record(s) verify (a database store commits whole "
                       f"records)")
            return 0
        result = repair(store, signing_key(key_path))
        if not result.report.ok:
            click.echo(terminal(f"FAIL: {store.where}:{result.report.line}: not repaired, the log does not verify "
                                f"before its end: {result.report.reason}"))
            return result.report.exit_code
        if not result.removed:
            click.echo(f"nothing to repair: {result.report.count} record(s) verify, no torn final record")
            return 0
        click.echo(terminal(f"repaired {store.where}: removed the torn record at line {result.line} "
                            f"({result.removed} bytes, kept in {result.saved_to}); repair record "
                            f"{result.record_id} appended to stream {REPAIR_STREAM}"))
        return 0

    run(body)
