"""`relgate check` on the quickstart imports exactly what that run needs, and nothing it does not.

Start-up is most of a gate run's time, and every module a run imports is paid for
by every pipeline. If this fails because a module was added on purpose, and every
quickstart check really needs it, add it to CHECK_MODULES; if only some runs need
it, import it where those runs go (see how `relgate.output` and `relgate.sources`
load their modules by name).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.audit.helpers import pem_pair

RUN = """
import atexit, json, sys
before = set(sys.modules)
atexit.register(lambda: sys.stderr.write("MODULES " + json.dumps(sorted(set(sys.modules) - before)) + "\\n"))
from relgate.cli import main
sys.argv = ["relgate", *sys.argv[1:]]
main()
"""

CHECK_MODULES = {
    "relgate", "relgate.audit", "relgate.audit.canonical", "relgate.audit.chain", "relgate.audit.jsonl",
    "relgate.audit.record", "relgate.audit.store", "relgate.audit.tails", "relgate.audit.writer", "relgate.cli",
    "relgate.config", "relgate.config_lines", "relgate.context", "relgate.context_check", "relgate.decision",
    "relgate.engines", "relgate.engines.interface", "relgate.engines.isolated", "relgate.engines.worker",
    "relgate.errors",
    "relgate.filetext", "relgate.gate", "relgate.gather", "relgate.output", "relgate.output.escape",
    "relgate.output.interface", "relgate.output.text", "relgate.policy", "relgate.portable", "relgate.redact",
    "relgate.schema", "relgate.settings", "relgate.sources", "relgate.sources.ci_env", "relgate.sources.evidence",
    "relgate.sources.file", "relgate.sources.findings", "relgate.sources.interface", "relgate.sources.junit",
    "relgate.sources.options", "relgate.sources.paths", "relgate.sources.sarif", "relgate.sources.sarif_rules",
    "relgate.sources.shape", "relgate.timeutil", "relgate.verdict", "relgate.waivers", "relgate.yamltext",
}
# Third-party packages the quickstart check may load: the CLI and the config's YAML. The embedded engine
# (regorus) loads in the engine's worker process only.
THIRD_PARTY = {"click", "yaml", "_yaml"}
NEVER_UNSIGNED = {"cryptography", "_cffi_backend", "_openssl", "rfc8785", "jsonschema", "requests", "urllib3",
                  "psycopg", "opa_bindings", "opa_client", "starlette", "uvicorn", "jwt", "prometheus_client"}


def imported(config: Path, env: dict[str, str], *args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", RUN, *args, "--config", str(config)], capture_output=True,
                          text=True, env=env, check=False, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    line = next(line for line in done.stderr.splitlines() if line.startswith("MODULES "))
    return set(json.loads(line[len("MODULES "):]))


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "RELGATE_SIGNING_KEY"}


def _tops(modules: set[str]) -> set[str]:
    """Top-level packages outside the standard library (a compiled extension's Cython runtime aside)."""
    return {top for top in (m.split(".")[0] for m in modules)
            if top not in sys.stdlib_module_names and not top.startswith(("cython_runtime", "_cython_"))}


def test_an_unsigned_check_imports_exactly_its_modules(quickstart: Path) -> None:
    modules = imported(quickstart, _env(), "check")
    ours = {m for m in modules if m == "relgate" or m.startswith("relgate.")}
    assert ours == CHECK_MODULES, (f"imported but not expected: {sorted(ours - CHECK_MODULES)}; "
                                   f"expected but not imported: {sorted(CHECK_MODULES - ours)}")
    assert _tops(modules) - {"relgate"} <= THIRD_PARTY, sorted(_tops(modules))
    assert not _tops(modules) & NEVER_UNSIGNED
    assert not {"logging", "concurrent", "importlib.resources", "tempfile", "zipfile", "html", "csv"} & modules


def test_a_signed_check_adds_only_the_signature(quickstart: Path, tmp_path: Path) -> None:
    """A plain Ed25519 key signs by libsodium's compiled module alone: cryptography is not loaded."""
    private, _ = pem_pair(Ed25519PrivateKey.generate(), tmp_path)
    modules = imported(quickstart, {**_env(), "RELGATE_SIGNING_KEY": private}, "check")
    ours = {m for m in modules if m == "relgate" or m.startswith("relgate.")}
    assert ours == CHECK_MODULES | {"relgate.audit.sodium"}
    assert _tops(modules) - {"relgate"} <= THIRD_PARTY | {"nacl", "_sodium", "_cffi_backend"}
    assert {"nacl", "nacl._sodium"} <= modules and "nacl.bindings" not in modules
    assert not _tops(modules) & (NEVER_UNSIGNED - {"_cffi_backend"})


def test_a_check_never_loads_the_audit_or_policy_test_commands(quickstart: Path) -> None:
    modules = imported(quickstart, _env(), "check", "--output", "sarif=-")
    assert "relgate.output.sarif" in modules  # a format asked for is loaded
    assert not {"relgate.cli_audit", "relgate.cli_verify", "relgate.policytest", "relgate.report",
                "relgate.replay", "relgate.output.junit", "relgate.output.github"} & modules
