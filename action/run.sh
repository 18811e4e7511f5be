#!/usr/bin/env bash
# The steps of action.yml (prepare, install, gate), in bash on Linux, macOS and Windows (Git Bash) runners.
# Inputs arrive as RELGATE_* environment variables, never in script text. No step fails before the gate
# step, which decides the exit code: 0 allow (and always in warn mode), 1 deny, 2 error.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mode="${RELGATE_MODE:-enforce}"

# Text we put in a workflow command, JSON, XML or Markdown: printable ASCII without quotes, backslashes,
# markup or `%` (the messages are ours; only an interpreter name or environment name comes from inputs).
clean() { printf '%s' "$1" | LC_ALL=C tr -cd 'A-Za-z0-9 ._:/+=(),;-' | sed 's/::/: :/g' | cut -c1-300; }

annotate() {
    local kind=error
    [ "$mode" = warn ] && kind=warning
    echo "::${kind} title=relgate error::$(clean "$1")"
}

output() {
    [ -n "${GITHUB_OUTPUT:-}" ] || return 0
    local delimiter="relgate_${RANDOM}${RANDOM}${RANDOM}${RANDOM}"
    printf '%s<<%s\n%s\n%s\n' "$1" "$delimiter" "$2" "$delimiter" >> "$GITHUB_OUTPUT"
}

not_ready() {
    output ready false
    output error "$(clean "$1")"
}

prepare() {
    local py="${RELGATE_PYTHON:-}" candidate version
    if [ -z "$py" ]; then
        for candidate in python3 python; do  # Windows' python3 may be the Store stub: it fails to run
            if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys' >/dev/null 2>&1; then
                py="$candidate"
                break
            fi
        done
    fi
    if [ -z "$py" ]; then
        not_ready "no Python found on the runner (tried python3, python): add actions/setup-python with python-version 3.12 before this step, or set the python input"
        return 0
    fi
    version="$("$py" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)" || version=""
    if ! "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' >/dev/null 2>&1; then
        not_ready "relgate needs Python 3.10 or newer; $py is Python ${version:-of an unknown version}: add actions/setup-python with python-version 3.12 before this step, or set the python input"
        return 0
    fi
    "$py" "$here/prepare.py" prepare || not_ready "preparing the installation failed (see the log above)"
}

install() {
    [ "${RELGATE_READY:-}" = true ] || return 0
    "$RELGATE_INTERPRETER" "$here/prepare.py" install || output error "installing relgate failed (see the log above)"
}

write_file() {  # FORMAT PATH MESSAGE ENVIRONMENT: the requested file for a run that never reached relgate
    local format="$1" path="$2" message="$3" environment="$4"
    mkdir -p "$(dirname "$path")" || return 1
    case "$format" in
        json) printf '{"decision": "error", "allowed": false, "mode": "%s", "service": "", "environment": "%s", "evaluated_at": "", "violations": [], "warnings": [], "waived": [], "overrides": [], "waiver_notes": [], "errors": ["%s"], "policies": [], "policy_digest": "", "engine": "", "audit_id": null, "record_path": null}\n' "$mode" "$environment" "$message" ;;
        sarif) printf '{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [{"tool": {"driver": {"name": "relgate", "rules": []}}, "automationDetails": {"id": "relgate/-/%s/"}, "invocations": [{"executionSuccessful": false, "toolExecutionNotifications": [{"level": "error", "message": {"text": "%s"}, "descriptor": {"id": "relgate.error"}}]}], "results": [], "properties": {"decision": "error", "allowed": false, "mode": "%s"}}]}\n' "${environment:--}" "$message" "$mode" ;;
        junit) printf '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="relgate" tests="1" failures="0" errors="1" skipped="0">\n  <testsuite name="relgate" tests="1" failures="0" errors="1" skipped="0">\n    <testcase classname="relgate" name="gate">\n      <error message="%s" />\n    </testcase>\n  </testsuite>\n</testsuites>\n' "$message" ;;
        markdown) summary "$message" "$environment" ;;
        text) printf 'relgate: ERROR  - → %s\n  ERROR %s\n' "${environment:--}" "$message" ;;
        github) return 0 ;;
        *) return 1 ;;
    esac > "$path"
}

summary() {
    printf '## ⚠️ relgate: error\n\nService **-** → environment **%s**: no decision could be made (see Errors).\n\n### Errors\n\n- %s\n' "${2:--}" "$1"
}

fail_closed() {  # relgate never ran: say why everywhere a later step or a reader looks, then exit
    local message environment item format path
    message="relgate could not run: $(clean "$1")"
    environment="$(clean "${RELGATE_ENVIRONMENT:-}" | tr -cd 'A-Za-z0-9._-')"
    annotate "$message"
    echo "relgate: ERROR  $message"
    output decision error
    output allowed false
    output audit-id ""
    output record-path ""
    output violations 0
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
        summary "$message" "$environment" >> "$GITHUB_STEP_SUMMARY"
    fi
    for item in ${RELGATE_OUTPUTS:-}; do
        format="${item%%=*}"
        path="${item#*=}"
        [ "$format" != "$item" ] && [ -n "$path" ] && [ "$path" != "-" ] || continue
        write_file "$format" "$path" "$message" "$environment" || annotate "cannot write $item"
    done
    if [ "$mode" = warn ]; then
        exit 0
    fi
    exit 2
}

gate() {
    local problem="${RELGATE_PREPARE_ERROR:-}${RELGATE_INSTALL_ERROR:-}"
    if [ -n "$problem" ]; then
        fail_closed "$problem"
    fi
    if [ "${RELGATE_READY:-}" != true ] || [ -z "${RELGATE_VENV_PYTHON:-}" ]; then
        fail_closed "the install steps did not run"
    fi
    if [ -n "${GITHUB_PATH:-}" ] && [ -n "${RELGATE_VENV_BIN:-}" ]; then
        printf '%s\n' "$RELGATE_VENV_BIN" >> "$GITHUB_PATH"  # `relgate` for the job's later steps
    fi
    exec "$RELGATE_VENV_PYTHON" -m relgate.action
}

case "${1:-}" in
    prepare) prepare ;;
    install) install ;;
    gate) gate ;;
    *) echo "usage: run.sh prepare|install|gate" >&2; exit 2 ;;
esac
