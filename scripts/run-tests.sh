#!/usr/bin/env bash
# The whole suite: lint, unit and handler tests, then integration tests on the real local engines.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

$BIN/ruff check .
$BIN/mypy
$BIN/logwarden opensearch up
$BIN/logwarden rabbitmq up
$BIN/python -m pytest "$@"
