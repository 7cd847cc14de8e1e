#!/usr/bin/env bash
# build-layer.sh ARCH ARTIFACTS_DIR: the compiled layer for ARCH (arm64 or x86_64).
# mypyc compiles for the machine and the Python it runs on, so the layer is compiled only where that is Linux on
# ARCH with Python 3.12 (Lambda's python3.12) and a C compiler: a build host of that architecture, or
# `sam build --use-container`, whose build image for ARCH has all three. Anywhere else the layer holds only
# logwarden-compiled.txt saying why, and the functions run the same hot path as Python (slower, same results).
# A compile that starts and fails fails the build.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 arm64|x86_64 ARTIFACTS_DIR" >&2; exit 2; }
arch=$1
artifacts=$2
# The compiler and what it builds with; pinned so that a layer build does not change with their releases.
tools_pins=("mypy==2.4.1" "setuptools==84.2.1")
mkdir -p "$artifacts"

note() {
  printf '%s\n' "$1" > "$artifacts/logwarden-compiled.txt"
  echo "logwarden compiled layer ($arch): $1" >&2
}

host=$(uname -m)
case $host in aarch64 | arm64) host=arm64 ;; x86_64 | amd64) host=x86_64 ;; esac
if [ "$(uname -s)" != Linux ] || [ "$host" != "$arch" ]; then
  note "not compiled: built on $(uname -s) $host; the functions run the hot path as Python (sam build --use-container compiles it)"
  exit 0
fi
python=$(command -v python3.12 || true)
compiler=$(command -v cc || command -v gcc || true)
if [ -z "$python" ] || [ -z "$compiler" ]; then
  note "not compiled: the build machine lacks python3.12 or a C compiler; the functions run the hot path as Python"
  exit 0
fi

tools=$(mktemp -d "${TMPDIR:-/tmp}/logwarden-layer.XXXXXX")
trap 'rm -rf "$tools"' EXIT
"$python" -m venv "$tools/venv"
# With the library's own requirements too: mypyc compiles calls into them by their types, as `make compiled` does.
"$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check "${tools_pins[@]}" \
  -r ../logwarden/requirements.txt
MYPYC=$tools/venv/bin/mypyc ./compile.sh --layer "$artifacts/python"
note "compiled: $(find "$artifacts/python" -name '*.so' | wc -l) extension modules for $arch, $("$python" -V)"
