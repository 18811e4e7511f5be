"""Crash and runaway safety: a panic, a segfault or a deadline overrun is an `error` decision with an audit record."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from relgate.cli import main
from relgate.engines import EMBEDDED_ENGINES, make_engine, worker
from relgate.engines.interface import EngineOptions, PolicyModule, PolicySet
from relgate.engines.isolated import IsolatedEngine
from relgate.errors import EngineError
from tests.conftest import write_config

AT = "2026-11-23T12:00:00Z"
PANIC = 'package relgate.crash\nimport rego.v1\ndeny contains "subset" if object.subset(["a"], [])\n'
DEEP = ("package relgate.deep\nimport rego.v1\nnested := " + "[" * 200_000 + "1" + "]" * 200_000 +
        '\ndeny contains "deep" if nested\n')
RUNAWAY = ("package relgate.runaway\nimport rego.v1\n"
           'deny contains "found" if {\n  some i in numbers.range(1, 100000)\n'
           "  some j in numbers.range(1, 100000)\n  i * j == -1\n}\n")
CALM = 'package relgate.calm\nimport rego.v1\nwarn contains "still here" if true\n'


def gate(tmp_path: Path, engine: str, text: str, **fields: Any) -> Path:
    (tmp_path / "policies").mkdir(exist_ok=True)
    (tmp_path / "policies" / "gate.rego").write_text(text)
    return write_config(tmp_path, policies=["policies"], engine=engine, **fields)


def check(config: Path, *extra: str) -> Result:
    return CliRunner().invoke(main, ["check", "--config", str(config), "--at", AT, *extra], catch_exceptions=False)


def recorded(config: Path) -> list[dict[str, Any]]:
    log = config.parent / ".relgate" / "audit.jsonl"
    return [json.loads(line)["data"]["customData"]["decision_log"]["result"] for line in log.read_text().splitlines()]


@pytest.mark.parametrize("mode", ["enforce", "warn"])
def test_a_regorus_panic_is_an_error_decision_with_an_audit_record(tmp_path: Path, mode: str) -> None:
    config = gate(tmp_path, "regorus", PANIC, mode=mode)
    result = check(config)
    assert result.exit_code == (2 if mode == "enforce" else 0), result.output
    (record,) = recorded(config)
    assert record["decision"] == "error"
    assert "regorus panicked" in record["errors"][0] and "window size must be non-zero" in record["errors"][0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
@pytest.mark.parametrize("mode", ["enforce", "warn"])
def test_a_segfault_is_an_error_decision_with_an_audit_record(tmp_path: Path, engine: str, mode: str) -> None:
    """200,000 nested brackets overflow the parser's stack: the worker dies of SIGSEGV, the gate does not."""
    config = gate(tmp_path, engine, DEEP, mode=mode)
    result = check(config)
    assert result.exit_code == (2 if mode == "enforce" else 0), result.output
    (record,) = recorded(config)
    assert record["decision"] == "error"
    assert record["errors"] == [f"engine {engine} crashed (SIGSEGV)"]


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
@pytest.mark.parametrize("mode", ["enforce", "warn"])
def test_an_evaluation_past_the_deadline_is_an_error_decision_with_an_audit_record(tmp_path: Path, engine: str,
                                                                                  mode: str) -> None:
    config = gate(tmp_path, engine, RUNAWAY, mode=mode, evaluation={"timeout": "1s"})
    started = time.monotonic()
    result = check(config)
    assert time.monotonic() - started < 20
    assert result.exit_code == (2 if mode == "enforce" else 0), result.output
    (record,) = recorded(config)
    assert record["decision"] == "error"
    assert record["errors"] == [f"engine {engine} did not finish within the 1s deadline (evaluation.timeout); "
                                "it was stopped"]


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_a_worker_killed_mid_evaluation_is_reported_by_signal(engine: str) -> None:
    isolated = make_engine(engine, options=EngineOptions(timeout_s=30))
    assert isinstance(isolated, IsolatedEngine)
    isolated.load(PolicySet((PolicyModule("r.rego", RUNAWAY),)), {})
    killer = threading.Timer(1.0, lambda: os.kill(isolated._worker.pid, signal.SIGSEGV))  # type: ignore[union-attr]
    killer.start()
    try:
        with pytest.raises(EngineError, match=rf"^engine {engine} crashed \(SIG[A-Z]+\)"):
            isolated.evaluate({"offset": -1})
    finally:
        killer.cancel()
        isolated.close()


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_after_a_crash_the_next_call_starts_a_new_worker_with_the_same_policies(engine: str) -> None:
    isolated = make_engine(engine, options=EngineOptions(timeout_s=1))
    isolated.load(PolicySet((PolicyModule("r.rego", RUNAWAY), PolicyModule("c.rego", CALM))), {})
    with pytest.raises(EngineError, match="deadline"):
        isolated.evaluate({"offset": -1})
    assert isolated.query("data.relgate.calm.warn", None) == ["still here"]
    isolated.close()


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_a_fresh_interpreter_serves_when_forking_is_not_safe(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "_can_fork", lambda: False)
    isolated = make_engine(engine, options=EngineOptions(timeout_s=30))
    report = isolated.load(PolicySet((PolicyModule("c.rego", CALM),)), {})
    assert report.packages == ("relgate.calm",)
    (outcome,) = isolated.evaluate({"evaluated_at_ns": 1})
    assert outcome.warn == ("still here",)
    isolated.close()


def test_forking_stops_once_this_process_runs_opas_go_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    """Go's runtime does not survive a fork: a process that loaded it starts workers afresh."""
    import opa_bindings.engine as bindings

    monkeypatch.setattr(bindings, "_lib", None)
    assert worker._can_fork() is (os.uname().sysname == "Linux")
    monkeypatch.setattr(bindings, "_lib", object())
    assert worker._can_fork() is False


def test_closing_ends_the_worker_process() -> None:
    isolated = make_engine("regorus")
    isolated.load(PolicySet((PolicyModule("c.rego", CALM),)), {})
    pid = isolated._worker.pid  # type: ignore[attr-defined]
    isolated.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


MIXED = """package relgate.mixed
import rego.v1
f(x) := f(x)
deny contains "crash" if { input.kind == "crash"; f(1) }
deny contains "panic" if { input.kind == "panic"; object.subset(["a"], []) }
deny contains "slow" if {
  input.kind == "slow"
  some i in numbers.range(1, 100000)
  some j in numbers.range(1, 100000)
  i * j == -1
}
deny contains sprintf("n=%d", [input.n]) if input.n + 0 > 2
"""


@pytest.mark.parametrize("engine", EMBEDDED_ENGINES)
def test_a_batch_gets_the_answers_one_evaluation_at_a_time_gets(engine: str) -> None:
    isolated = make_engine(engine)
    isolated.load(PolicySet((PolicyModule("m.rego", MIXED.replace("f(x) := f(x)\n", "").replace(
        'deny contains "crash" if { input.kind == "crash"; f(1) }\n', "")),)), {})
    docs = [{"n": n, "evaluated_at_ns": n} for n in range(6)] + [{"n": "text"}]
    batch = isolated.evaluate_many(docs)
    assert [answer.error for answer in batch[:-1]] == [None] * 6
    assert [answer.outcomes for answer in batch[:-1]] == [isolated.evaluate(doc) for doc in docs[:-1]]
    assert [o.deny for o in batch[3].outcomes] == [("n=3",)]
    with pytest.raises(EngineError) as one_by_one:
        isolated.evaluate(docs[-1])
    assert batch[-1] == type(batch[-1])(error=str(one_by_one.value))
    isolated.close()


def test_a_crash_or_an_overrun_in_a_batch_is_the_answer_of_that_input_only() -> None:
    isolated = make_engine("regorus", options=EngineOptions(timeout_s=1.0))
    isolated.load(PolicySet((PolicyModule("m.rego", MIXED),)), {})
    docs = [{"n": 3}, {"kind": "crash", "n": 5}, {"n": 4}, {"kind": "panic"}, {"kind": "slow", "n": 9}, {"n": 7}]
    started = time.monotonic()
    answers = isolated.evaluate_many(docs)
    assert time.monotonic() - started < 10
    assert [a.error for a in answers] == [
        None, "engine regorus crashed (SIGSEGV)", None,
        'regorus panicked evaluating [[[type_name(x), x] | x := data["relgate"]["mixed"]["deny"]]]: '
        "window size must be non-zero",
        "engine regorus did not finish within the 1s deadline (evaluation.timeout); it was stopped", None]
    assert [[o.deny for o in a.outcomes] for a in answers] == [[("n=3",)], [], [("n=4",)], [], [], [("n=7",)]]
    isolated.close()


def test_a_worker_lost_while_idle_costs_a_batch_nothing() -> None:
    isolated = make_engine("regorus")
    assert isinstance(isolated, IsolatedEngine)
    isolated.load(PolicySet((PolicyModule("m.rego", MIXED),)), {})
    assert isolated._worker is not None
    os.kill(isolated._worker.pid, signal.SIGKILL)
    time.sleep(0.2)
    answers = isolated.evaluate_many([{"n": 3}, {"n": 4}])
    assert [a.error for a in answers] == [None, None]
    assert [[o.deny for o in a.outcomes] for a in answers] == [[("n=3",)], [("n=4",)]]
    isolated.close()
