"""relgate: a policy-as-code release gate."""

from __future__ import annotations

from relgate.api import check, check_run
from relgate.decision import Decision, Verdict
from relgate.errors import RelgateError

__version__ = "0.1.0"
__all__ = ["Decision", "RelgateError", "Verdict", "__version__", "check", "check_run"]
