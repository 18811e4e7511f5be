"""The Engine interface answered by an engine in a worker process (worker.py), under a deadline.

Every call is one request. When the worker is lost (a crash, or stopped at the
deadline) the call raises EngineError naming what happened; the next call
starts a new worker and loads the same policies again, so one runaway policy
test does not end a whole `relgate policy test` run.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any, ClassVar

from relgate.engines.interface import (
    Engine,
    EngineOptions,
    Evaluation,
    LineCoverage,
    LoadReport,
    PolicyModule,
    PolicySet,
    RuleOutcome,
)
from relgate.engines.worker import WorkerGone, WorkerProcess, take_spare
from relgate.errors import EngineError, RelgateError

LOAD_TIMEOUT_S = 60.0


class IsolatedEngine(Engine):
    name: ClassVar[str] = "isolated"

    def __init__(self, engine_name: str, settings: Mapping[str, Any], options: EngineOptions) -> None:
        self.engine_name = engine_name
        self.options = options
        self._setup = {"name": engine_name, "settings": dict(settings),
                       "allow_builtins": sorted(options.allow_builtins), "packages": list(options.packages),
                       "timeout_s": options.timeout_s}
        self._worker: WorkerProcess | None = None
        self._loaded: dict[str, Any] | None = None
        self._pending: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def begin_load(self, policies: PolicySet, data: Mapping[str, Any]) -> None:
        """Send the load request now and return: the worker compiles while this process gathers."""
        request = self._load_request(policies, data)
        with self._lock:
            try:
                worker = self._worker = self._worker or self._new_worker()
                worker.send(request)
            except WorkerGone:
                self._worker = None
                return  # load() starts over and reports what happens then
            self._pending = request

    def load(self, policies: PolicySet, data: Mapping[str, Any]) -> LoadReport:
        request = self._load_request(policies, data)
        self._loaded = None
        pending, self._pending = self._pending, None
        if pending is not None and pending != request:
            self.close()  # loaded with other data: its answer is of no use
        report = self._call(request, answer_only=pending == request)
        self._loaded = request
        return LoadReport(tuple(report["builtins"]), tuple(report["packages"]), tuple(report["warnings"]))

    @staticmethod
    def _load_request(policies: PolicySet, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"op": "load", "policies": [asdict(m) for m in policies.modules], "data": dict(data)}

    def compile(self, policies: PolicySet, data: Mapping[str, Any]) -> None:
        raise EngineError("an isolated engine compiles in its worker: call load()")

    def query(self, query: str, input_doc: Mapping[str, Any] | None, now_ns: int | None = None) -> Any:
        return self._call({"op": "query", "query": query, "input": _plain(input_doc), "now_ns": now_ns})

    def query_with_coverage(self, query: str, input_doc: Mapping[str, Any] | None) -> tuple[Any, LineCoverage]:
        reply = self._call({"op": "query_with_coverage", "query": query, "input": _plain(input_doc)})
        return reply["value"], LineCoverage(
            {path: frozenset(rows) for path, rows in reply["covered"].items()},
            {path: frozenset(rows) for path, rows in reply["not_covered"].items()},
        )

    def query_with_prints(self, query: str, input_doc: Mapping[str, Any] | None) -> tuple[Any, tuple[str, ...]]:
        value, prints = self._call({"op": "query_with_prints", "query": query, "input": _plain(input_doc)})
        return value, tuple(prints)

    def provenance(self) -> str | None:
        value = self._call({"op": "provenance"})
        return str(value) if value is not None else None

    def evaluate(self, input_doc: Mapping[str, Any]) -> tuple[RuleOutcome, ...]:
        return _outcomes(self._call({"op": "evaluate", "input": dict(input_doc)}))

    def evaluate_many(self, input_docs: Sequence[Mapping[str, Any]]) -> tuple[Evaluation, ...]:
        """One request for the batch; each answer still arrives within the deadline of one evaluation.

        When the worker is lost, the input it was on gets the loss as its error, and the
        rest are evaluated one by one in a new worker (a crash is one input's answer).
        """
        if not input_docs:
            return ()
        with self._lock:
            try:
                ready = self._ready_worker()
                ready.send({"op": "evaluate_many", "inputs": [dict(doc) for doc in input_docs]})
                worker: WorkerProcess | None = ready
            except RelgateError as exc:  # the policies no longer load in a new worker: no input can be answered
                return tuple(Evaluation(error=str(exc)) for _ in input_docs)
            except WorkerGone:  # lost before it took the batch: no input was evaluated
                self._worker = worker = None
            answers, lost = self._collect(worker, len(input_docs)) if worker is not None else ([], None)
        if worker is None:
            return super().evaluate_many(input_docs)
        if lost is None:
            return tuple(answers)
        rest = input_docs[len(answers) + 1:]
        return (*answers, Evaluation(error=lost), *super().evaluate_many(rest))

    def _collect(self, worker: WorkerProcess, count: int) -> tuple[list[Evaluation], str | None]:
        """Up to `count` answers, and what happened when the worker was lost before the last (call under the lock)."""
        answers: list[Evaluation] = []
        for _ in range(count):
            try:
                answers.append(Evaluation(_outcomes(worker.receive(self.options.timeout_s))))
            except RelgateError as exc:
                answers.append(Evaluation(error=str(exc)))
            except WorkerGone as gone:
                self._worker = None
                return answers, f"engine {self.engine_name} {gone.reason}"
        return answers, None

    def _ready_worker(self, *, reload: bool = True) -> WorkerProcess:
        """The worker; a new one loads the current policies again unless told not to (call under the lock)."""
        worker = self._worker
        if worker is None:
            worker = self._worker = self._new_worker()
            if reload and self._loaded is not None:
                worker.call(self._loaded, self._load_timeout)
        return worker

    def _call(self, request: dict[str, Any], *, answer_only: bool = False) -> Any:
        """One request and its answer; with `answer_only`, the request was sent by begin_load already."""
        timeout = self._load_timeout if request["op"] == "load" else self.options.timeout_s
        with self._lock:
            try:
                answer_only = answer_only and self._worker is not None
                worker = self._ready_worker(reload=request["op"] != "load")
                return worker.receive(timeout) if answer_only else worker.call(request, timeout)
            except WorkerGone as gone:
                self._worker = None
                raise EngineError(f"engine {self.engine_name} {gone.reason}") from None

    def _new_worker(self) -> WorkerProcess:
        return take_spare(self._setup) or WorkerProcess(self._setup)

    @property
    def _load_timeout(self) -> float:
        """Parsing and compiling a large policy set may take longer than one evaluation; it cannot run away."""
        return max(self.options.timeout_s, LOAD_TIMEOUT_S)

    def close(self) -> None:
        """End the worker process (it also ends by itself when this process exits)."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.close()

    def __del__(self) -> None:
        try:  # noqa: SIM105 - contextlib may already be gone at interpreter shutdown
            self.close()
        except Exception:  # the worker then sees EOF and ends by itself
            pass


def _outcomes(answer: Any) -> tuple[RuleOutcome, ...]:
    return tuple(RuleOutcome(o["package"], tuple(o["deny"]), tuple(o["warn"])) for o in answer)


def _plain(input_doc: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return dict(input_doc) if input_doc is not None else None


def build_engine(setup: Mapping[str, Any]) -> Engine:
    """In the worker: the real engine, with the options the parent was given."""
    from relgate.engines import make_engine

    options = EngineOptions(frozenset(setup["allow_builtins"]), tuple(setup["packages"]), float(setup["timeout_s"]))
    return make_engine(str(setup["name"]), setup["settings"], options, isolated=False)


def handle(engine: Engine, request: Mapping[str, Any]) -> Any:
    """In the worker: answer one request with plain JSON values."""
    op = request["op"]
    if op == "load":
        modules = tuple(PolicyModule(**m) for m in request["policies"])
        return asdict(engine.load(PolicySet(modules), request["data"]))
    if op == "evaluate":
        return [asdict(o) for o in engine.evaluate(request["input"])]
    if op == "query":
        return engine.query(request["query"], request["input"], request.get("now_ns"))
    if op == "query_with_coverage":
        value, lines = engine.query_with_coverage(request["query"], request["input"])
        return {"value": value, "covered": {p: sorted(r) for p, r in lines.covered.items()},
                "not_covered": {p: sorted(r) for p, r in lines.not_covered.items()}}
    if op == "query_with_prints":
        value, prints = engine.query_with_prints(request["query"], request["input"])
        return [value, list(prints)]
    if op == "provenance":
        return engine.provenance()
    raise EngineError(f"engine worker: unknown request {op!r}")
