#!/usr/bin/env bash
# Install what the test suite needs, then run it (README's second command; .ci/run calls it).
# The real parts come from Debian (prometheus, promtool, PostgreSQL) and PyPI; nothing is mocked.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null || missing+=(chromium)  # the console's browser tests (driven by Playwright)
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 -m pip install -q -e '.[test]'
# Engine `opa` (the real OPA, the reference in the tests): the wheel's metadata asks for Python 3.14
# although the py3-none wheel runs on 3.10+, hence --ignore-requires-python; it has no dependencies.
python3 -m pip install -q --no-deps --ignore-requires-python opa-golib-python-bindings==0.4.4
exec python3 -m pytest "$@"
