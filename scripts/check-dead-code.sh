#!/usr/bin/env bash
# Dead code: vulture over the library, the tooling and the handlers, with the tests, benches and scripts as users
# (findings inside tests are not reported). A name used only where vulture cannot see it (getattr, a framework
# hook) goes into scripts/vulture_allow.py with who reads it; a name that is really unused is deleted.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
report=$(.venv/bin/vulture layers/logwarden/logwarden tools/logwarden_tools functions tests bench scripts \
  scripts/vulture_allow.py --min-confidence 60) || status=$?
# vulture exits 3 when it found something; anything else but 0 is vulture itself failing (missing, bad args)
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
  echo "vulture did not run (exit $status): run make venv" >&2
  exit 1
fi
found=$(grep -v '^tests/' <<<"$report" || true)
if [ -n "$found" ]; then
  echo "$found"
  echo "dead code: delete it, or name who reads it in scripts/vulture_allow.py" >&2
  exit 1
fi
