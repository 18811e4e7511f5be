"""Keep secrets out of everything relgate writes: messages, outputs, audit records and spools.

Two layers. Values known to be secret (those of secret-named environment
variables, every HTTP header value, secret-named config fields) are replaced
wherever they appear, whatever wraps them. Shapes that are secret whatever their
origin (URL passwords, `password=` pairs, bearer tokens, PEM and DER key material,
well-known token formats) are masked by pattern, so a secret relgate was never
told about is still caught when it looks like one.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import threading
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar

MASK = "***"
T = TypeVar("T")

# A key or variable name is secret when one of its words says so. Words, not
# substrings, for the short ones: `author` is not `auth`, `pass_rate` not a password.
_SECRET_SUBSTRINGS = re.compile(
    r"token|secret|passw(?:or)?d|passphrase|credential|authori[sz]ation|api[_-]?key|private[_-]?key|bearer|cookie",
    re.IGNORECASE,
)
_SECRET_WORDS = frozenset({"auth", "pwd", "dsn", "apikey", "privatekey", "sessionid", "jwt", "otp"})
_KEY_QUALIFIERS = frozenset({
    "api", "private", "signing", "secret", "access", "ssh", "client", "master", "encryption", "deploy",
    "license", "webhook", "account", "service", "session", "shared", "hmac", "gpg", "pgp",
})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# Shell variables that are named like secrets but hold directories.
_NOT_SECRET_ENV = frozenset({"PWD", "OLDPWD"})
_TRIVIAL = frozenset({"true", "false", "none", "null", "yes", "no", "on", "off"})
MIN_SECRET_LENGTH = 4


def is_secret_name(name: str, *, env: bool = False) -> bool:
    """True for a key or variable name that holds a secret (`webhook_token`, `X-Api-Key`, `DB_PWD`).

    Environment names also count a bare `KEY` or `PASS` word (`SSH_KEY`, `DB_PASS`);
    config keys do not (`key:` and `min_pass_rate` are ordinary settings).
    """
    if env and name.upper() in _NOT_SECRET_ENV:
        return False
    if _SECRET_SUBSTRINGS.search(name):
        return True
    words = [w.lower() for w in _WORD.findall(name)]
    if any(w in _SECRET_WORDS for w in words):
        return True
    if env and any(w in ("key", "keys", "pass") for w in words):
        return True
    pairs = itertools.pairwise(words)
    return any((a in _KEY_QUALIFIERS and b in ("key", "keys")) or (a == "session" and b == "id") for a, b in pairs)


class _Registry:
    """The secret values this process has been told about; read by every scrub."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, values: Iterable[str]) -> None:
        fresh = {v for v in values if _worth_masking(v)} - self._values
        if not fresh:
            return
        with self._lock:
            _CACHE.clear()
            self._values |= fresh
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def clear(self) -> None:
        with self._lock:
            _CACHE.clear()
            self._values.clear()
            self._pattern = None

    def sub(self, text: str) -> str:
        pattern = self._pattern
        return pattern.sub(MASK, text) if pattern is not None else text


_REGISTRY = _Registry()


def _worth_masking(value: str) -> bool:
    stripped = value.strip()
    return len(stripped) >= MIN_SECRET_LENGTH and stripped.lower() not in _TRIVIAL and stripped != MASK


def _variants(value: str) -> list[str]:
    """A secret and the parts of it that may be shown alone (`Bearer x` → also `x`)."""
    out = [value, value.strip()]
    scheme, _, rest = value.strip().partition(" ")
    if rest and scheme.lower() in ("bearer", "basic", "token", "digest", "apikey"):
        out.append(rest.strip())
    return out


def remember(*values: Any) -> None:
    """Treat these values as secret from now on (strings only; others are ignored)."""
    _REGISTRY.add(v for value in values if isinstance(value, str) for v in _variants(value))


def remember_env(env: Mapping[str, str]) -> None:
    """Remember the values of every secret-named environment variable."""
    remember(*(value for name, value in env.items() if is_secret_name(name, env=True)))


def remember_in(document: Any) -> None:
    """Remember values under secret-named keys, and every value of a `headers` mapping, anywhere inside."""
    if isinstance(document, Mapping):
        for key, item in document.items():
            if str(key).lower() == "headers" and isinstance(item, Mapping):
                remember(*(str(v) for v in item.values()))
            elif is_secret_name(str(key)):
                remember(*_strings(item))
            else:
                remember_in(item)
    elif isinstance(document, list | tuple):
        for item in document:
            remember_in(item)


def forget_all() -> None:
    """Drop every remembered value (tests; a long-lived process between unrelated runs)."""
    _REGISTRY.clear()


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


_PEM = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*)-----.*?(?:-----END \1-----|\Z)", re.DOTALL
)
# DER private keys in base64 without PEM armour: PKCS#8 Ed25519, and any long DER SEQUENCE.
_DER = re.compile(r"MC4CAQAwBQYDK2Vw[A-Za-z0-9+/=]*|\bMI[IG][A-Za-z0-9+/]{60,}={0,2}")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^\s/?#@:'\"]*):([^\s/?#@'\"]*)@")
_URL_TOKEN = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^\s/?#@:'\"]+)@")
_PAIR = re.compile(r"([A-Za-z0-9_.-]+)(=)([^\s&;\"',)}\]]+)")
_QUOTED_PAIR = re.compile(r"([\"'])([^\"'\n]{1,80})\1(\s*:\s*)([\"'])((?:(?!\4)[^\\\n]|\\.)*)\4")
_HEADER_LINE = re.compile(
    r"(?im)(?<![\w.\[\]-])((?:proxy-)?authorization|(?:set-)?cookie|x-[a-z0-9-]*(?:token|key|secret|auth)[a-z0-9-]*|"
    r"private-token|api-key)(\s*:\s*)([^\r\n'\",}]+)"
)
_SCHEME_TOKEN = re.compile(r"(?i)\b(bearer)(\s+)([A-Za-z0-9._~+/=-]{6,})|\b(Basic)(\s+)([A-Za-z0-9+/]{8,}={0,2})")
_KNOWN_FORMATS = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|glpat-[A-Za-z0-9_-]{20,}"
    r"|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|sk_live_[0-9A-Za-z]{20,}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)"
)


def _pair(match: re.Match[str]) -> str:
    name = match.group(1).rsplit(".", 1)[-1]
    return f"{match.group(1)}={MASK}" if is_secret_name(name) else match.group(0)


def _quoted_pair(match: re.Match[str]) -> str:
    if not is_secret_name(match.group(2)) or match.group(5) in ("", MASK):
        return match.group(0)
    quote, key, sep, vquote = match.group(1), match.group(2), match.group(3), match.group(4)
    return f"{quote}{key}{quote}{sep}{vquote}{MASK}{vquote}"


def _scheme_token(match: re.Match[str]) -> str:
    if match.group(1):
        return f"{match.group(1)}{match.group(2)}{MASK}"
    return f"{match.group(4)}{match.group(5)}{MASK}"


# Substrings (lowercase) present in every text one of the patterns below can change: most strings
# in a record have none of them and skip the patterns altogether.
_TRIGGERS = (
    "-----begin", "mc4caqaw", "mii", "mig", "://", "=", "bearer", "basic", "authorization", "cookie", "x-",
    "private-token", "api-key", "hp_", "hs_", "ho_", "hu_", "hr_", "github_pat_", "glpat-", "xox", "akia", "aiza",
    "sk_live_", "eyj",
)


def _may_hold_secret_shape(text: str) -> bool:
    low = text.lower()
    return any(t in low for t in _TRIGGERS) or (":" in text and ('"' in text or "'" in text))


_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 50_000
_CACHE_MAX_LENGTH = 256


def scrub(text: str) -> str:
    """The text with every known secret value and every secret-shaped fragment masked."""
    if not text:
        return text
    cached = _CACHE.get(text)
    if cached is not None:
        return cached
    out = _REGISTRY.sub(text)
    if _may_hold_secret_shape(out):
        out = _patterns(out)
    if len(text) <= _CACHE_MAX_LENGTH:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[text] = out
    return out


def _patterns(out: str) -> str:
    out = _PEM.sub(lambda m: f"-----BEGIN {m.group(1)}-----{MASK}", out)
    out = _DER.sub(MASK, out)
    out = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{m.group(2)}:{MASK}@", out)
    out = _URL_TOKEN.sub(lambda m: f"{m.group(1)}{MASK}@" if m.group(2) != MASK else m.group(0), out)
    out = _KNOWN_FORMATS.sub(MASK, out)
    out = _SCHEME_TOKEN.sub(_scheme_token, out)
    out = _HEADER_LINE.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", out)
    if "=" in out:
        out = _PAIR.sub(_pair, out)
    if ":" in out:
        out = _QUOTED_PAIR.sub(_quoted_pair, out)
    return out


def scrub_value(value: T) -> T:
    """A copy of a JSON-like value (dicts, lists, strings) with every string scrubbed."""
    return _walk(value)  # type: ignore[no-any-return]


def _walk(value: Any) -> Any:
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {(scrub(k) if isinstance(k, str) else k): _walk(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_walk(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _walk(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


def mask_secrets(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """Replace values under secret-named keys (as OPA masks decision-log fields); return the masked paths."""
    masked: list[str] = []
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            child = f"{path}/{key}"
            if is_secret_name(str(key)) and item not in (None, ""):
                out[key] = MASK
                masked.append(child)
            else:
                out[key], inner = mask_secrets(item, child)
                masked.extend(inner)
        return out, masked
    if isinstance(value, list):
        items = []
        for index, item in enumerate(value):
            new, inner = mask_secrets(item, f"{path}/{index}")
            items.append(new)
            masked.extend(inner)
        return items, masked
    return value, masked


def looks_like_key_material(value: str) -> bool:
    """True for text that is a key rather than a path to one (PEM, DER in base64, or any long blob)."""
    text = value.strip()
    return ("-----BEGIN" in text or "\n" in text or bool(_DER.search(text))
            or (len(text) >= 40 and re.fullmatch(r"[A-Za-z0-9+/=_-]+", text) is not None))
