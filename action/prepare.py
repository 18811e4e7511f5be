"""Prepare and install relgate for the GitHub Action, on Linux, macOS and Windows runners.

Run by the runner's Python once `run.sh` has checked it is 3.10 or newer:
`prepare` picks the virtual environment's place and the actions/cache key (the
OS, the architecture, the exact Python, relgate's version and a digest of the
action's own files); `install` creates it from a copy of the action's files (the
checkout is never written to: no build/ or *.egg-info) with the pinned
constraints. Both write step outputs; neither fails the step — the gate step
reports any problem, so warn mode can still pass.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path

ACTION = Path(__file__).resolve().parent.parent
CONSTRAINTS = ACTION / "action" / "constraints.txt"
MARKER = "relgate-action-key"
EXTRAS = ("postgres", "opa-server")
_VERSION = re.compile(r"^v?(\d+\.\d+\.\d+(?:[-.+][0-9A-Za-z.]+)?)$")
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist", ".*")


def own_version() -> str:
    match = re.search(r'^version\s*=\s*"([^"]+)"', (ACTION / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    return match.group(1) if match else "unknown"


def sources_digest() -> str:
    """What the action installs: pyproject.toml, the constraints and every file under src/."""
    digest = hashlib.sha256()
    files = [ACTION / "pyproject.toml", CONSTRAINTS, *sorted((ACTION / "src").rglob("*"))]
    for path in files:
        if path.is_file() and "__pycache__" not in path.parts and ".egg-info" not in str(path):
            digest.update(path.relative_to(ACTION).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def wanted_version(env: Mapping[str, str]) -> str:
    """The `version` input: empty for the action's own files, else a release version (`0.2.0` or `v0.2.0`)."""
    text = (env.get("RELGATE_VERSION") or "").strip()
    if not text:
        return ""
    match = _VERSION.match(text)
    if not match:
        raise ValueError(f"input version: expected a release version like 0.2.0, got {text!r}")
    return "" if match.group(1) == own_version() else match.group(1)


def wanted_extras(env: Mapping[str, str]) -> list[str]:
    """The `extras` input: optional parts to install with relgate (postgres, opa-server)."""
    names = sorted(set(re.split(r"[\s,]+", (env.get("RELGATE_EXTRAS") or "").strip())) - {""})
    unknown = [name for name in names if name not in EXTRAS]
    if unknown:
        raise ValueError(f"input extras: unknown {unknown[0]!r} (known: {', '.join(EXTRAS)})")
    return names


def cache_key(env: Mapping[str, str]) -> str:
    implementation = sys.implementation.name + ".".join(map(str, sys.version_info[:3]))
    version = wanted_version(env) or f"{own_version()}-{sources_digest()}"
    extras = "+".join(wanted_extras(env)) or "base"
    system = env.get("RUNNER_OS") or platform.system()
    arch = env.get("RUNNER_ARCH") or platform.machine()
    return re.sub(r"[^A-Za-z0-9._+-]", "_", f"relgate-{system}-{arch}-{implementation}-{version}-{extras}")


def venv_python(venv: Path, windows: bool = os.name == "nt") -> Path:
    """The virtual environment's interpreter: `Scripts\\python.exe` on Windows, `bin/python` elsewhere."""
    return venv / "Scripts" / "python.exe" if windows else venv / "bin" / "python"


def venv_dir(env: Mapping[str, str], key: str) -> Path:
    """A fixed place per key (actions/cache restores to the same absolute path; a venv cannot move)."""
    base = env.get("RUNNER_TOOL_CACHE") or env.get("RUNNER_TEMP") or tempfile.gettempdir()
    return Path(base) / "relgate-action" / key


def write_outputs(env: Mapping[str, str], values: Mapping[str, str]) -> None:
    target = env.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as handle:
        for name, value in values.items():
            delimiter = f"relgate_{uuid.uuid4().hex}"
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def prepare(env: Mapping[str, str]) -> int:
    try:
        key = cache_key(env)
    except ValueError as exc:
        write_outputs(env, {"ready": "false", "error": str(exc)})
        return 0
    venv = venv_dir(env, key)
    python = venv_python(venv)
    cached = python.is_file() and (venv / MARKER).is_file() and (venv / MARKER).read_text().strip() == key
    write_outputs(env, {"ready": "true", "key": key, "venv": str(venv), "python": str(python),
                        "bin": str(python.parent), "interpreter": sys.executable,
                        "cached": "true" if cached else "false"})
    return 0


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise RuntimeError(f"{what} failed (exit {done.returncode}): {tail}")


def install(env: Mapping[str, str]) -> int:
    """Create the virtual environment and install relgate into it; say why on failure."""
    venv = Path(env.get("RELGATE_VENV") or "")
    key = env.get("RELGATE_KEY") or ""
    if not key or not venv.name:
        write_outputs(env, {"error": "internal: the prepare step gave no venv or key"})
        return 0
    try:
        version = wanted_version(env)
        extras = f"[{','.join(wanted_extras(env))}]" if wanted_extras(env) else ""
        shutil.rmtree(venv, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        _run([sys.executable, "-m", "venv", str(venv)], "creating the virtual environment")
        python = str(venv_python(venv))
        with tempfile.TemporaryDirectory(prefix="relgate-src-") as scratch:
            if version:
                repository = env.get("RELGATE_ACTION_REPOSITORY") or ""
                if not repository:
                    raise RuntimeError("input version needs the action used from a repository (uses: OWNER/relgate@…)")
                server = env.get("GITHUB_SERVER_URL") or "https://github.com"
                target = f"relgate{extras} @ git+{server}/{repository}@v{version}"
            else:  # a copy, so building never writes build/ or *.egg-info into the action's checkout
                copy = Path(scratch) / "relgate"
                shutil.copytree(ACTION / "src", copy / "src", ignore=_IGNORED)
                for name in ("pyproject.toml", "README.md", "LICENSE"):
                    if (ACTION / name).is_file():
                        shutil.copy2(ACTION / name, copy / name)
                target = f"{copy}{extras}"
            _run([python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet",
                  "--prefer-binary", "--constraint", str(CONSTRAINTS), target], "pip install")
        _run([python, "-c", "import relgate"], "importing relgate")
        (venv / MARKER).write_text(key + "\n", encoding="utf-8")
    except (OSError, RuntimeError, ValueError) as exc:
        write_outputs(env, {"error": f"installing relgate: {exc}"})
    return 0


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "prepare":
        return prepare(os.environ)
    if command == "install":
        return install(os.environ)
    print("usage: prepare.py prepare|install", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
