"""The `opa` binary (`opa eval`), e.g. as installed by open-policy-agent/setup-opa in Actions."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from relgate.engines.interface import Engine, PolicySet
from relgate.engines.v0 import as_v1
from relgate.errors import EngineError, PolicyError

# `opa eval` hands its environment to policies as opa.runtime().env: GITHUB_TOKEN must not be in it.
POLICY_ENV = {"PATH": os.defpath}


class OpaCliEngine(Engine):
    name = "opa-cli"

    def __init__(self, settings: Mapping[str, Any]) -> None:
        binary = str(settings.get("binary") or shutil.which("opa") or "")
        if not binary:
            raise EngineError("engine opa-cli needs the `opa` binary on PATH (or opa.binary in the config)")
        self._binary = binary
        self._timeout = float(settings.get("timeout", 30))
        self._workdir = tempfile.TemporaryDirectory(prefix="relgate-opa-")
        self._files: dict[str, str] = {}

    def compile(self, policies: PolicySet, data: Mapping[str, Any]) -> None:
        policies = as_v1(policies)
        root = Path(self._workdir.name)
        args = []
        for index, module in enumerate(policies.modules):
            target = root / f"{index:04d}-{Path(module.path).name}"
            target.write_text(module.text, encoding="utf-8")
            self._files[str(target)] = module.path
            args += ["--data", str(target)]
        (root / "data.json").write_text(json.dumps(dict(data)), encoding="utf-8")
        self._args = [*args, "--data", str(root / "data.json")]
        self._run("data.relgate", None, compile_only=True)

    def query(self, query: str, input_doc: Mapping[str, Any] | None, now_ns: int | None = None) -> Any:
        if now_ns is not None:
            query = f"{query} with time.now_ns as {int(now_ns)}"
        return self._run(query, input_doc, compile_only=False)

    def _run(self, query: str, input_doc: Mapping[str, Any] | None, *, compile_only: bool) -> Any:
        command = [self._binary, "eval", "--format", "json", "--v1-compatible", *self._args]
        if input_doc is not None:
            command.append("--stdin-input")
        try:
            done = subprocess.run([*command, query], input=json.dumps(input_doc) if input_doc is not None else "",
                                  capture_output=True, text=True, timeout=self._timeout, check=False,
                                  env=POLICY_ENV)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EngineError(f"opa-cli: {type(exc).__name__}: {exc}") from None
        try:
            body = json.loads(done.stdout or "{}")
        except ValueError:
            body = {}
        if done.returncode != 0 or body.get("errors"):
            raise (PolicyError if compile_only else EngineError)(self._explain(body, done.stderr))
        results = body.get("result") or []
        return results[0]["expressions"][0]["value"] if results else None

    def _explain(self, body: Mapping[str, Any], stderr: str) -> str:
        for error in body.get("errors") or []:
            location = error.get("location") or {}
            if location:
                file = self._files.get(str(location.get("file")), str(location.get("file")))
                return f"{file}:{location.get('row')}:{location.get('col')}: {error.get('message', '')}"
            return f"opa-cli: {error.get('message', 'error')}"
        return f"opa-cli: {stderr.strip()[:300] or 'opa eval failed'}"
