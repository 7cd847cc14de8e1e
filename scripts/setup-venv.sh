#!/usr/bin/env bash
# Create (or reuse) .venv in the repo root with logwarden (the library), logwarden-tools (the command) and the
# dev dependencies.
# Prefers Python 3.12 (the Lambda runtime); falls back to any python3 >= 3.11.
set -euo pipefail
cd "$(dirname "$0")/.."

pick_python() {
  for candidate in python3.12 "$HOME/.pyenv/versions/3.12.1/bin/python" python3.13 python3 python3.11; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  for found in "$HOME"/.pyenv/versions/3.1[1-9]*/bin/python; do
    [ -x "$found" ] && { echo "$found"; return 0; }
  done
  echo "no Python >= 3.11 found" >&2; return 1
}

if [ ! -x .venv/bin/python ]; then
  python_bin=$(pick_python)
  echo "creating .venv with $python_bin" >&2
  "$python_bin" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml tools/pyproject.toml layers/logwarden/requirements.txt | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]' -e ./tools
  rm -f .venv/.installed-*; touch "$stamp"
fi
