"""Reading an evidence file within limits: a regular file, of bounded size, parsed into bounded data.

Every report relgate reads comes from a build that might be broken or hostile. A FIFO
must not block the gate, a directory must not crash it, a huge file must not exhaust
memory, and a document nested a thousand levels deep or carrying a lone UTF-16
surrogate must not reach the engines or the audit log (both choke on them). Each of
these is one line naming the file and, where there is one, the path to the element.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from relgate.errors import SourceError
from relgate.portable import READ_FLAGS

# Real reports: CodeQL logs of ~100 MB exist; Trivy image reports are a few MB.
MAX_BYTES = 256 * 1024 * 1024
# The deepest real report seen nests ~20 levels (SARIF code flows); engines and the
# canonical JSON of the audit record recurse, so depth is bounded well below their limits.
MAX_DEPTH = 64

_SURROGATE = re.compile("[\ud800-\udfff]")
_PLAIN_KEY = re.compile(r"[A-Za-z_$@][A-Za-z0-9_$@\-]*\Z")
_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def json_path(parts: Iterable[str | int]) -> str:
    """`runs[0].results`; keys that are not plain names are quoted: `a["x.y"]`."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out or "(top level)"


def file_kind(path: Path) -> str:
    """What a path that is not a regular file is, for an error: `a directory`, `a FIFO (named pipe)`, …"""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "a dangling link" if os.path.islink(path) else "nothing readable"
    return "a regular file" if stat.S_ISREG(mode) else _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes, refusing what is not a regular file or is larger than the limit.

    The file is opened non-blocking and checked on the open descriptor, so a FIFO
    cannot block the read and a swap between check and read cannot slip one in.
    """
    limit = MAX_BYTES if limit is None else limit
    try:
        fd = os.open(path, READ_FLAGS)  # non-blocking, binary (no CRLF translation on Windows)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
            raise SourceError(f"{path}: expected a regular file, found {kind}")
        if info.st_size > limit:
            raise SourceError(f"{path}: {info.st_size} bytes is over the evidence limit of {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise SourceError(f"{path}: over the evidence limit of {limit} bytes (the file grew while read)")
        return b"".join(chunks)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class DuplicateKey(ValueError):
    """A JSON object names a key twice. RFC 8259 leaves the meaning to the reader (Python, jq and JavaScript take
    the last value, some readers refuse), so a report could say one thing to its producer and another to the gate:
    a SARIF run with its findings, then `"results": []`, read as no findings at all."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {key[:80]!r} is given twice in one object (readers differ on which counts)")


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`object_pairs_hook` for json.loads: the object, or DuplicateKey."""
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return found


def load_json(path: Path) -> Any:
    """Parse a JSON evidence file (UTF-8/16/32, BOM allowed) and check it is bounded, plain data."""
    raw = read_bytes(path)
    try:
        document = json.loads(raw, parse_constant=_refuse_constant, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text (undecodable byte at offset {exc.start})") from None
    except RecursionError:
        raise SourceError(f"{path}: nested too deeply (more than {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # NaN/Infinity, a key given twice, or an integer with thousands of digits
        raise SourceError(f"{path}: not valid JSON: {exc}") from None
    check_data(document, path)
    return document


def check_data(document: Any, path: Path) -> None:
    """Refuse nesting deeper than MAX_DEPTH and strings (or keys) with lone surrogates.

    Fast path first (a walk over containers only, then C-speed encoding); only a document
    that fails is walked again, slowly, to name the element.
    """
    level: list[Any] = [document]
    depth = 0
    while level:
        if depth > MAX_DEPTH:
            _locate(document, path)
        below: list[Any] = []
        for value in level:
            children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
            below.extend(item for item in children if isinstance(item, (dict, list)))
        level = below
        depth += 1
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        _locate(document, path)


def _locate(document: Any, path: Path) -> None:
    """Walk with paths to the first element check_data refuses, and raise naming it."""
    pending: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while pending:
        value, at = pending.pop()
        if len(at) > MAX_DEPTH:
            raise SourceError(f"{path}:{json_path(at)}: nested too deeply (more than {MAX_DEPTH} levels)")
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise SourceError(f"{path}:{json_path(at)}: text with a lone UTF-16 surrogate is not valid Unicode")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and _SURROGATE.search(key):
                    problem = "a key with a lone UTF-16 surrogate is not valid Unicode"
                    raise SourceError(f"{path}:{json_path(at)}: {problem}")
                pending.append((item, (*at, key)))
        elif isinstance(value, list):
            pending.extend((item, (*at, index)) for index, item in enumerate(value))
