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

echo "== local services"
$BIN/logwarden opensearch up
$BIN/logwarden rabbitmq up

echo "== tests"
$BIN/python -m pytest "$@"
