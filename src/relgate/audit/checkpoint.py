"""Signed checkpoints: a log's size and head hash per stream, published outside the log.

A later `verify --checkpoint` proves the log still extends what was published:
truncation (fewer records) and rewriting (another head at that size) both show.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from relgate.audit.chain import HASH, SEQ, STREAM, canonical, key_id
from relgate.timeutil import format_ns, now_ns

FORMAT = "relgate-checkpoint/1"


def make_checkpoint(origin: str, records: Iterable[tuple[int, Mapping[str, Any]]],
                    key: Ed25519PrivateKey | None) -> dict[str, Any]:
    streams: dict[str, dict[str, Any]] = {}
    size = 0
    for _, record in records:
        size += 1
        streams[str(record.get(STREAM, ""))] = {"size": int(record.get(SEQ, 0)), "head": str(record.get(HASH, ""))}
    checkpoint: dict[str, Any] = {"format": FORMAT, "origin": origin, "size": size, "streams": streams,
                                  "created_at": format_ns(now_ns())}
    if key is not None:
        checkpoint["keyid"] = key_id(key.public_key())
        checkpoint["signature"] = base64.b64encode(key.sign(canonical(checkpoint))).decode()
    return checkpoint


def check_extends(checkpoint: Mapping[str, Any], records: Iterable[tuple[int, Mapping[str, Any]]],
                  public_key: Ed25519PublicKey | None) -> str:
    """Empty when the log extends the checkpoint; otherwise what is wrong, in one line."""
    if checkpoint.get("format") != FORMAT:
        return f"not a relgate checkpoint (format {checkpoint.get('format')!r})"
    if public_key is not None:
        signature = checkpoint.get("signature")
        unsigned = {k: v for k, v in checkpoint.items() if k not in ("signature",)}
        try:
            public_key.verify(base64.b64decode(str(signature or ""), validate=True), canonical(unsigned))
        except (InvalidSignature, ValueError):
            return "checkpoint signature does not verify with the given public key"
    wanted = {name: (int(s["size"]), str(s["head"])) for name, s in dict(checkpoint.get("streams", {})).items()}
    seen: dict[str, int] = {}
    for _, record in records:
        stream = str(record.get(STREAM, ""))
        seen[stream] = int(record.get(SEQ, 0))
        if stream in wanted and int(record.get(SEQ, 0)) == wanted[stream][0] and record.get(HASH) != wanted[stream][1]:
            return f"stream {stream}: record {wanted[stream][0]} differs from the checkpoint's head (rewritten)"
    for stream, (size, _) in wanted.items():
        if seen.get(stream, 0) < size:
            return f"stream {stream}: {seen.get(stream, 0)} record(s), the checkpoint has {size} (truncated)"
    return ""
