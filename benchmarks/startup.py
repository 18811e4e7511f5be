"""Start-up: `relgate check` on the quickstart against a bare `python -c pass`, paired and interleaved.

Run on demand: python benchmarks/startup.py [ROUNDS] [--as-is]   (default 31 rounds, a clean interpreter)
               python benchmarks/startup.py --importtime   (where a check's imports go, -X importtime)

Each round runs a bare interpreter, an unsigned check and a signed check (audit on,
RELGATE_SIGNING_KEY set) in a rotating order, so a busy moment of the shared machine
weighs on all three alike; the figure is the median of the per-round ratios. Wall time
is the target; CPU time (user + system of the process) is printed beside it, as it
suffers less from other helpers' load. Both run in a clean interpreter (see
`measure.clean_python`: this machine's sandbox start-up hook left out); `--as-is`
measures this venv as it is, hook included.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from measure import clean_python, copy_quickstart, load, run, tree

ENTRY = "import sys; from relgate.cli import main; sys.exit(main())"  # what the `relgate` console script runs


def user_env(scratch: Path) -> dict[str, str]:
    """The environment as a user's install has it: bytecode cached (pip compiles it at install time).

    This machine sets PYTHONDONTWRITEBYTECODE, which would make every run compile every
    module from source; the cache goes to a scratch folder, not into the source tree.
    """
    env = {k: v for k, v in os.environ.items()
           if k not in ("RELGATE_SIGNING_KEY", "PYTHONDONTWRITEBYTECODE")}
    env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    return env


def _key_file(scratch: Path) -> Path:
    key = Ed25519PrivateKey.generate()
    path = scratch / "gate.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


def rounds(count: int, as_is: bool) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        config = copy_quickstart(Path(scratch))
        key = _key_file(Path(scratch))
        base_env = user_env(Path(scratch))
        python = sys.executable if as_is else clean_python(Path(scratch))
        check = [python, "-c", ENTRY, "check", "--config", str(config)]
        variants = {
            "bare": ([python, "-c", "pass"], base_env),
            "unsigned": (check, base_env),
            "signed": (check, {**base_env, "RELGATE_SIGNING_KEY": str(key)}),
        }
        names = list(variants)
        for name in names[1:]:  # warm the page cache and the bytecode cache once
            command, env = variants[name]
            warm = run(command, env=env)
            if warm.code not in (0, 1):
                sys.exit(f"relgate check failed ({warm.code}): {warm.stderr.decode()}")
        walls: dict[str, list[float]] = {n: [] for n in names}
        cpus: dict[str, list[float]] = {n: [] for n in names}
        print(f"relgate from {tree()}; {'this venv as it is' if as_is else 'a clean interpreter'}; "
              f"{load()} at the start")
        for index in range(count):
            order = names[index % 3:] + names[:index % 3]
            for name in order:
                command, env = variants[name]
                done = run(command, env=env)
                walls[name].append(done.wall_s)
                cpus[name].append(done.cpu_s)
        records = sum(1 for _ in (config.parent / ".relgate" / "audit.jsonl").open())
    print(f"{count} rounds (bare, unsigned check, signed check; order rotating); {load()} at the end; "
          f"{records} audit records written")
    for name in names:
        print(f"  {name:9} wall median {statistics.median(walls[name]) * 1000:6.1f} ms  "
              f"(min {min(walls[name]) * 1000:.1f}), cpu median {statistics.median(cpus[name]) * 1000:6.1f} ms")
    for name in names[1:]:
        wall_ratio = statistics.median(w / b for w, b in zip(walls[name], walls["bare"], strict=True))
        cpu_ratio = statistics.median(c / b for c, b in zip(cpus[name], cpus["bare"], strict=True) if b > 0)
        print(f"  {name} check / bare python: {wall_ratio:.1f}x wall (paired median), {cpu_ratio:.1f}x cpu")


def importtime() -> None:
    """Where a check's import time goes: the slowest imports by cumulative time, and how many modules."""
    with tempfile.TemporaryDirectory() as scratch:
        config = copy_quickstart(Path(scratch))
        python = clean_python(Path(scratch))
        command = [python, "-X", "importtime", "-c", ENTRY, "check", "--config", str(config)]
        env = user_env(Path(scratch))
        subprocess.run(command, capture_output=True, check=False, env=env)  # writes the bytecode cache
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    rows = []
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if found:
            rows.append((int(found[2]), len(found[3]) // 2, found[4]))
    print(f"{len(rows)} modules imported by `relgate check` on the quickstart; {load()}")
    print("top-level imports by cumulative time (us):")
    for cumulative, depth, name in sorted((r for r in rows if r[1] <= 1), reverse=True)[:20]:
        print(f"  {cumulative:8d}  {'  ' * depth}{name}")


if __name__ == "__main__":
    if "--importtime" in sys.argv:
        importtime()
    else:
        numbers = [a for a in sys.argv[1:] if a.isdigit()]
        rounds(int(numbers[0]) if numbers else 31, "--as-is" in sys.argv)
