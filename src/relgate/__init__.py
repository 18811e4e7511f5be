"""relgate: a policy-as-code release gate.

The API is imported on first use, so `relgate --version` or `relgate audit …`
does not load the gate's whole evaluation stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relgate.errors import RelgateError

if TYPE_CHECKING:
    from relgate.api import check, check_run
    from relgate.decision import Decision, Verdict

__version__ = "0.1.0"
__all__ = ["Decision", "RelgateError", "Verdict", "__version__", "check", "check_run"]
_LAZY = {"check": "relgate.api", "check_run": "relgate.api", "Decision": "relgate.decision",
         "Verdict": "relgate.decision"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'relgate' has no attribute {name!r}")
