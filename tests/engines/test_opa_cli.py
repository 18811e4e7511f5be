"""The opa-cli engine: against the real `opa` binary when one is on PATH; a clear error when not."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from relgate.engines import make_engine
from relgate.engines.interface import PolicyModule, PolicySet
from relgate.errors import EngineError, PolicyError
from tests.policies.test_library_parity import CASES, outcome

HAVE_OPA = shutil.which("opa") is not None
needs_opa = pytest.mark.skipif(not HAVE_OPA, reason="no `opa` binary on PATH (setup-opa installs one)")


def test_missing_binary_is_a_clear_error() -> None:
    with pytest.raises(EngineError, match="needs the `opa` binary"):
        make_engine("opa-cli", {"binary": ""} if HAVE_OPA else {})
    if HAVE_OPA:
        pytest.skip("an `opa` binary is on PATH; the error path needs it absent")


@needs_opa
@pytest.mark.parametrize(("name", "config", "doc", "waivers", "deny", "warn"), CASES, ids=[c[0] for c in CASES])
def test_opa_cli_agrees_with_regorus(name: str, config: dict[str, Any], doc: dict[str, Any],
                                     waivers: list[dict[str, str]], deny: set[str], warn: set[str]) -> None:
    assert outcome("opa-cli", config, doc, waivers) == outcome("regorus", config, doc, waivers)


@needs_opa
def test_opa_cli_syntax_error_names_file_and_line() -> None:
    broken = PolicySet((PolicyModule("mine/broken.rego", "package relgate.x\n\ndeny contains x if {\n  x := [\n}\n"),))
    with pytest.raises(PolicyError, match=r"^mine/broken\.rego:\d+:\d+: "):
        make_engine("opa-cli").load(broken, {})
