#!/usr/bin/env bash
# Run the checks of one target inside its environment (host venv or the chroot).
# Called by scripts/test; prints "@@pushover-..." marker lines that scripts/test parses.
#
#   _checks.sh TARGET BINDIR LINT(0|1) COVERAGE(0|1) [PYTEST ARGS ...]
set -uo pipefail

target=$1 bindir=$2 lint=$3 coverage=$4
shift 4
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

export COVERAGE_FILE="${COVERAGE_FILE:-.coverage.$target}"
export MYPY_CACHE_DIR="${MYPY_CACHE_DIR:-.mypy_cache/$target}"
export RUFF_CACHE_DIR="${RUFF_CACHE_DIR:-.ruff_cache}"
export HYPOTHESIS_STORAGE_DIRECTORY="${HYPOTHESIS_STORAGE_DIRECTORY:-/tmp/pushover-complete-hypothesis-$target}"
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV
# The end-to-end browser test (tests/e2e, a real Home Assistant and headless Chromium) runs
# once, on the newest Home Assistant, and fails there if it cannot start; elsewhere
# tests/e2e/conftest.py deselects it. "-m 'not e2e'" leaves it out of a run by hand.
if [ "$target" = current ]; then
    export PUSHOVER_E2E=1
else
    export PUSHOVER_E2E=0
    echo "$target: the browser test (tests/e2e, marker e2e) is deselected here; it runs on the current target"
fi

"$bindir/python" -c '
import sys
from homeassistant.const import __version__ as ha
print(f"@@pushover-info Python {sys.version.split()[0]}, Home Assistant {ha}")
' || echo "@@pushover-info (Home Assistant not importable)"

step() { # name command...
    local name=$1 rc
    shift
    printf '\n----- %s: %s -----\n' "$target" "$*"
    "$@"
    rc=$?
    echo "@@pushover-step $name $rc"
    return "$rc"
}

overall=0
if [ "$lint" = 1 ]; then
    step ruff-check "$bindir/ruff" check . || overall=1
    step ruff-format "$bindir/ruff" format --check . || overall=1
    step mypy "$bindir/mypy" || overall=1
fi

pytest_args=(-p no:cacheprovider -p no:sugar)
if [ -t 1 ] || [ -n "${FORCE_COLOR:-}" ]; then pytest_args+=(--color=yes); fi
if [ "$coverage" = 1 ]; then
    pytest_args+=(--cov --cov-report=term-missing --cov-fail-under=95)
fi
step pytest "$bindir/python" -m pytest "${pytest_args[@]}" "$@"
rc=$?
if [ "$rc" = 5 ]; then
    echo "ERROR: pytest collected no tests (exit code 5); this counts as a failure."
fi
[ "$rc" = 0 ] || overall=1
exit "$overall"
