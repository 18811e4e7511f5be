#!/usr/bin/env bash
# Install what the test suite needs, then run it (README's second command; .ci/run calls it).
# The real parts come from Debian (prometheus, promtool, PostgreSQL) and PyPI; nothing is mocked.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
# A stock Debian/Ubuntu Python refuses `pip install` outside a virtual environment (PEP 668): then use .venv.
python=python3
if python3 -c 'import os, sys, sysconfig; sys.exit(sys.prefix != sys.base_prefix or not os.path.exists(
        os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")))'; then
    python=.venv/bin/python
fi

missing=()
command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null || missing+=(chromium)  # browser tests: the console and the HTML report
[ "$python" = python3 ] || [ -x .venv/bin/python ] || python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "$python" = python3 ] || [ -x .venv/bin/python ] || python3 -m venv .venv
"$python" -m pip install -q -e '.[test]'
# Engine `opa` (the real OPA, the reference in the tests): the wheel's metadata asks for Python 3.14
# although the py3-none wheel runs on 3.10+, hence --ignore-requires-python; it has no dependencies.
"$python" -m pip install -q --no-deps --ignore-requires-python opa-golib-python-bindings==0.4.4
exec "$python" -m pytest "$@"
