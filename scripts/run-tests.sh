#!/usr/bin/env bash
# The whole suite: static checks, then unit, handler and integration tests on the real local engines.
# Called by `make test` (the README's test command) and so by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

echo "== static checks"
$BIN/ruff check .
$BIN/ruff format --check .
$BIN/mypy
# Each handler is a module named app in its own folder (as Lambda loads it), so each is checked on its own.
for handler in functions/*/app.py; do $BIN/mypy --no-error-summary "$handler"; done
scripts/check-dead-code.sh

echo "== the deployable stack (cfn-lint, sam validate, checkov, sam build, template tests)"
scripts/check-template.sh

echo "== local services"
$BIN/logwarden opensearch up
$BIN/logwarden rabbitmq up

echo "== headless Chromium for the report test"
scripts/install-chromium.sh

echo "== the hot path compiled with mypyc (build/compiled)"
MYPYC=$BIN/mypyc layers/compiled/compile.sh build/compiled

echo "== tests, on the compiled hot path"
# tests/template ran above, inside check-template.sh, with the built artefacts
PYTHONPATH=build/compiled $BIN/python -m pytest --ignore=tests/template "$@"

echo "== unit tests, on the Python source (what runs where no compiled build is)"
$BIN/python -m pytest tests/unit "$@"
