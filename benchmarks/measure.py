"""What every benchmark here needs: run a command as a user would, time it, watch its memory, say how busy we were.

The machine these figures come from is shared, so every script prints the load
average next to its numbers, and start-up comparisons run paired and interleaved.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELGATE = (sys.executable, "-c", "import sys; from relgate.cli import main; sys.exit(main())")


def relgate_command() -> list[str]:
    """The `relgate` console script beside this interpreter (what a user runs), else the same entry point via -c."""
    script = Path(sys.executable).parent / "relgate"
    if script.exists() and not os.environ.get("PYTHONPATH"):
        return [str(script)]
    return list(RELGATE)  # with PYTHONPATH (measuring another tree), the script would import that tree too


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


@dataclass(frozen=True)
class Run:
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    code: int
    stdout: bytes
    stderr: bytes


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (a verifier's worker pool counts too)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo.extend(int(child) for child in children.read().split())
        except (OSError, ValueError):
            continue
    return total


def run(command: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: str | Path | None = None,
        watch_memory: bool = False, stdin: bytes | None = None) -> Run:
    """Run once; wall time, the CPU time of the process and its reaped children, and (optionally) peak tree RSS."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(command, env=dict(env) if env is not None else None, cwd=cwd,
                               stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            peak[0] = max(peak[0], _tree_rss_kb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True) if watch_memory else None
    if sampler:
        sampler.start()
    out, err = process.communicate(stdin)
    wall = time.perf_counter() - started
    stop.set()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, peak[0] / 1024, process.returncode, out, err)


def copy_quickstart(scratch: Path) -> Path:
    example = scratch / "quickstart"
    shutil.copytree(ROOT / "examples" / "quickstart", example, ignore=shutil.ignore_patterns(".relgate"))
    return example / "relgate.yaml"


def clean_python(scratch: Path) -> str:
    """An interpreter that sees the same packages without running this machine's own `.pth` start-up hooks.

    The shared machine's site-packages holds a sandbox hook that imports certifi in every
    interpreter (some 50-100 ms), which no user's Python does. A venv without system site
    packages, whose one `.pth` lists the relgate tree and the site-packages directory as
    plain paths, imports the same code but runs no hook: a fair "bare python" for ratios.
    """
    import site
    import venv

    home = scratch / "clean-python"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(home)
    found = next(home.glob("lib/python*/site-packages"))
    paths = [str(Path(tree()) / "src"), *site.getsitepackages()]
    (found / "relgate-bench.pth").write_text("\n".join(paths) + "\n")
    return str(home / "bin" / "python")


def tree() -> str:
    """Which relgate these figures measure (PYTHONPATH points a run at another checkout, e.g. the "before")."""
    found = subprocess.run([sys.executable, "-c", "import relgate, sys; sys.stdout.write(relgate.__file__)"],
                           capture_output=True, text=True, check=True).stdout
    return str(Path(found).parent.parent.parent)
