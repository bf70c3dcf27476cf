#!/usr/bin/env bash
# Regenerate requirements.lock: the exact version of every package kravkoll installs (its
# dependencies and the test and bench extras), resolved by pip in a fresh venv. Unattended;
# run from anywhere:  scripts/lock.sh [PYTHON]  (default: python3.11, else python3.12, else python3)
set -euo pipefail
cd "$(dirname "$0")/.."

supported() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] in ((3,11),(3,12),(3,13)) else 1)' 2>/dev/null; }
PY="${1:-}"
if [ -z "$PY" ]; then
  # The oldest supported Python: what resolves there also installs on the newer one.
  for candidate in python3.11 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && supported "$candidate"; then PY="$candidate"; break; fi
  done
fi
if [ -z "$PY" ] || ! supported "$PY"; then echo "lock: ingen Python 3.11, 3.12 eller 3.13 hittades" >&2; exit 1; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Neither an old lock nor the caller's pip settings may steer the resolution.
unset PIP_CONSTRAINT PIP_REQUIREMENT PIP_NO_DEPS PIP_PRE PIP_USER PIP_REQUIRE_VIRTUALENV
export CC="cc -DPyEval_CallObject=PyObject_CallObject"  # durable_rules on 3.13 (README)
"$PY" -m venv "$work/venv"
"$work/venv/bin/pip" install -q --no-input -e '.[test,bench]'

version="$("$work/venv/bin/python" -c 'import platform; print(platform.python_version(), platform.system(), platform.machine())')"
{
  echo "# Exact versions of everything kravkoll installs: its dependencies and the test and bench"
  echo "# extras (pip constraints format; the project itself is left out)."
  echo "#   install:    pip install -c requirements.lock -e '.[test]'"
  echo "#   regenerate: scripts/lock.sh   (a fresh venv, pip install -e '.[test,bench]',"
  echo "#               pip freeze --exclude-editable)"
  echo "# Resolved with Python $version."
  "$work/venv/bin/pip" freeze --exclude-editable --no-input
} > requirements.lock.tmp
mv requirements.lock.tmp requirements.lock
echo "lock: requirements.lock skriven ($(grep -vc '^#' requirements.lock) paket, Python $version)"
