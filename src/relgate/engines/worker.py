"""An engine in its own process: a panic, a segfault or a runaway evaluation cannot take the gate with it.

The parent sends one request at a time over a pipe (length-prefixed JSON) and
waits at most the deadline for the answer. A child that dies (a Rust abort, a
Go fatal error, SIGSEGV, the OOM killer) or overruns the deadline is killed and
reported as an EngineError; the gate turns that into an `error` decision and
still writes its audit record.

On Linux the child is forked (about 2 ms; it inherits the imported modules).
Elsewhere, or once this process has started OPA's Go runtime itself (which
does not survive a fork), a fresh interpreter is started instead
(`python -m relgate.engines.worker`).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import struct
import sys
import time
import warnings
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from relgate.errors import EngineError, PolicyError, RelgateError

if TYPE_CHECKING:
    import subprocess

_HEADER = struct.Struct(">Q")
MAX_MESSAGE = 1 << 31


class WorkerGone(Exception):
    """The child is gone (crashed, killed, or stopped at the deadline); `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _write(fd: int, payload: bytes) -> None:
    view = memoryview(_HEADER.pack(len(payload)) + payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    while size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read(fd: int, deadline: float | None) -> bytes:
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    if size > MAX_MESSAGE:
        raise EOFError
    return _read_exact(fd, size, deadline)


def _scratch_file() -> IO[bytes]:
    """Where the child's stderr goes: an anonymous in-memory file on Linux (no tempfile import on a gate run)."""
    if hasattr(os, "memfd_create"):
        return os.fdopen(os.memfd_create("relgate-engine-stderr"), "w+b")
    import tempfile

    return tempfile.TemporaryFile(prefix="relgate-engine-")


class WorkerProcess:
    """The parent's handle on one child running `serve(...)` for a named engine.

    Without a setup, the child is a spare: it loads the engines' modules meanwhile and
    waits for configure(setup), so a gate run can start it before reading its config.
    """

    def __init__(self, setup: dict[str, Any] | None) -> None:
        self._stderr = _scratch_file()
        self._process: subprocess.Popen[bytes] | None = None
        self.pid = 0
        if _can_fork():
            self._fork()
        else:
            self._spawn()
        if setup is not None:
            self.configure(setup)

    def configure(self, setup: dict[str, Any]) -> None:
        """Tell the child which engine to build, with which options (its first message)."""
        self.send(setup)

    def _fork(self) -> None:
        request_r, request_w = os.pipe()
        response_r, response_w = os.pipe()
        with warnings.catch_warnings():  # Python 3.12+ warns when forking a process that has threads
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                os.dup2(self._stderr.fileno(), 1)
                os.dup2(self._stderr.fileno(), 2)
                _close_other_fds({0, 1, 2, request_r, response_w})
                code = _start(request_r, response_w, serve)
            finally:
                os._exit(code)
        os.close(request_r)
        os.close(response_w)
        self.pid, self._requests, self._responses = pid, request_w, response_r

    def _spawn(self) -> None:
        import subprocess  # only where a worker cannot be forked: a forking gate run never loads it

        process = subprocess.Popen(
            [sys.executable, "-m", "relgate.engines.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, close_fds=True,
        )
        assert process.stdin is not None and process.stdout is not None
        self._process, self.pid = process, process.pid
        self._requests, self._responses = process.stdin.fileno(), process.stdout.fileno()

    def call(self, request: dict[str, Any], timeout_s: float) -> Any:
        """Send one request; its value, or the RelgateError the engine raised. WorkerGone when the child is lost."""
        self.send(request)
        return self.receive(timeout_s)

    def send(self, request: dict[str, Any]) -> None:
        """Send one request without waiting for its answer (receive() collects it)."""
        try:
            _write(self._requests, json.dumps(request).encode())
        except (BrokenPipeError, ConnectionError):
            raise WorkerGone(self._death()) from None

    def receive(self, timeout_s: float) -> Any:
        """The answer to the request sent last, waiting at most `timeout_s`."""
        try:
            reply = json.loads(_read(self._responses, time.monotonic() + timeout_s))
        except TimeoutError:
            self.kill()
            raise WorkerGone(f"did not finish within the {timeout_s:g}s deadline (evaluation.timeout); "
                             "it was stopped") from None
        except (EOFError, BrokenPipeError, ConnectionError):
            raise WorkerGone(self._death()) from None
        if "error" in reply:
            raise _error_from(reply["error"])
        return reply.get("value")

    def _death(self) -> str:
        status = self._wait()
        detail = self._stderr_tail()
        if status is not None and status < 0:
            import signal

            try:
                name = signal.Signals(-status).name
            except ValueError:
                name = f"signal {-status}"
            how = f"crashed ({name})"
        else:
            how = f"exited unexpectedly (status {status})"
        return how + (f": {detail}" if detail else "")

    def _wait(self) -> int | None:
        if self._process is not None:
            import subprocess  # loaded already: _spawn made this process

            try:
                return self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                return None
        if not self.pid:
            return None
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            return None
        self.pid = 0
        return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)

    def _stderr_tail(self) -> str:
        """The first line the child wrote about its end (a Rust panic message, Go's `fatal error: …`)."""
        self._stderr.seek(0)
        text = self._stderr.read()[-8192:].decode("utf-8", "replace")
        lines = [line.strip() for line in text.splitlines() if any(c.isalnum() for c in line)]
        for line in lines:
            if line.startswith(("fatal error", "panic:", "thread '", "runtime:", "SIG")):
                return line[:300]
        return lines[-1][:300] if lines else ""

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
        elif self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, 9)  # SIGKILL, without loading the signal module
        self._wait()

    def close(self) -> None:
        """Ask the child to end (EOF on its requests), then make sure it has."""
        for fd in (self._requests, self._responses):
            if self._process is None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        if self._process is not None:
            import subprocess  # loaded already: _spawn made this process

            for stream in (self._process.stdin, self._process.stdout):
                if stream is not None:
                    stream.close()
            try:
                self._process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        elif self.pid:
            if _exited_within(self.pid, 2.0):
                self._wait()
            else:
                self.kill()
        self._stderr.close()


_SPARE: list[WorkerProcess] = []


def start_spare() -> None:
    """Fork a worker now, before the engine is known, so it loads the engines' modules on the other core
    while this process loads the gate and reads its config; the next WorkerProcess wanted takes it."""
    if not _SPARE and _can_fork():
        _SPARE.append(WorkerProcess(None))


def take_spare(setup: dict[str, Any]) -> WorkerProcess | None:
    """The spare worker (if any), configured with this setup; None when there is none or it is gone."""
    try:
        worker = _SPARE.pop()
    except IndexError:
        return None
    try:
        worker.configure(setup)
    except WorkerGone:
        worker.close()
        return None
    return worker


def end_spare() -> None:
    """End a spare that no engine took (the run failed first, or its engine runs out of process)."""
    while _SPARE:
        _SPARE.pop().close()


def _exited_within(pid: int, timeout_s: float) -> bool:
    """Whether the child ended within the timeout; woken the moment it ends (a pidfd), not on a polling tick."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # a kernel before Linux 5.3: poll, leaving the child to be reaped by _wait()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
            time.sleep(0.001)
        return False
    try:
        return bool(select.select([pidfd], [], [], timeout_s)[0])
    finally:
        os.close(pidfd)


def _can_fork() -> bool:
    """Fork only on Linux, and only while this process has not started OPA's Go runtime."""
    if sys.platform != "linux":
        return False
    bindings = sys.modules.get("opa_bindings.engine")
    return getattr(bindings, "_lib", None) is None


def _close_other_fds(keep: set[int]) -> None:
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 256))
    for fd in fds:
        if fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _error_from(error: dict[str, Any]) -> RelgateError:
    from relgate.engines.capabilities import CapabilityError

    kind, message = str(error.get("type", "")), str(error.get("message", ""))
    if kind == "CapabilityError":
        return CapabilityError([str(p) for p in error.get("problems", [message])])
    if kind == "PolicyError":
        return PolicyError(message)
    if kind in ("EngineError", "RelgateError", "ConfigError"):
        return EngineError(message)
    return EngineError(f"engine worker failed: {message}")


def _start(requests: int, responses: int, start: Callable[..., int]) -> int:
    """The child: load what answering takes while the parent prepares, then read the setup and serve."""
    import relgate.engines.isolated  # warm-up: the child's own time, not the gate's

    with contextlib.suppress(ImportError):
        import relgate.engines.capabilities
        import relgate.engines.regorus  # noqa: F401  (the default engine)
    try:
        setup = json.loads(_read(requests, None))
    except (EOFError, OSError):
        return 0  # a spare the parent did not need
    return start(requests, responses, setup)


def serve(requests: int, responses: int, setup: dict[str, Any]) -> int:
    """The child's loop: build the engine, then answer requests until the parent closes the pipe."""
    from relgate.engines.isolated import build_engine, handle

    engine: Any = None

    def answer(request: dict[str, Any]) -> bytes:
        nonlocal engine
        try:
            if engine is None:
                engine = build_engine(setup)
            reply: dict[str, Any] = {"value": handle(engine, request)}
        except RelgateError as exc:
            reply = {"error": {"type": type(exc).__name__, "message": str(exc),
                               "problems": list(getattr(exc, "problems", ()))}}
        except Exception as exc:  # a bug, reported to the parent as an engine failure, not a hang
            reply = {"error": {"type": "internal", "message": f"{type(exc).__name__}: {exc}"[:500]}}
        return json.dumps(reply).encode()

    while True:
        try:
            request = json.loads(_read(requests, None))
        except (EOFError, OSError):
            return 0
        if request.get("op") == "evaluate_many":  # one answer per input, each within its own deadline
            for input_doc in request["inputs"]:
                _write(responses, answer({"op": "evaluate", "input": input_doc}))
        else:
            _write(responses, answer(request))


def _main(stdin: IO[bytes], stdout: IO[bytes], start: Callable[..., int]) -> int:
    """A spawned worker: answers go to a private copy of stdout; anything else printed lands on stderr."""
    responses = os.dup(stdout.fileno())
    os.dup2(2, stdout.fileno())
    return _start(stdin.fileno(), responses, start)


if __name__ == "__main__":
    sys.exit(_main(sys.stdin.buffer, sys.stdout.buffer, serve))
