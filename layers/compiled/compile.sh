#!/usr/bin/env bash
# Compile the ingest hot path (the modules listed in logwarden/compiled.py) with mypyc: the same Python source as
# C extension modules, for the Python that runs mypyc.
#   compile.sh OUT              OUT/logwarden: the whole package, hot modules compiled (PYTHONPATH=OUT: the suite,
#                               bench/, the demo). Kept while OUT/.source-digest matches the package's source.
#   compile.sh --layer OUT      OUT: only the compiled files (and the prefilter's databases), to lay over the
#                               library layer's python/ folder
# MYPYC names the compiler (default: mypyc beside the python3 on PATH). Used by `make test` and by the layer build
# (layers/compiled/Makefile), which is why it lives here: SAM copies layers/ and nothing else for that build.
set -euo pipefail
layer=0
if [ "${1:-}" = --layer ]; then layer=1; shift; fi
[ $# -eq 1 ] || { echo "usage: $0 [--layer] OUT" >&2; exit 2; }
if [ $layer = 0 ] && [ -d "$1" ] && [ -n "$(ls -A "$1")" ] && [ ! -f "$1/.source-digest" ]; then
  echo "$1 is not empty and holds no compiled tree: not overwriting it" >&2; exit 2
fi
mkdir -p "$1"
out=$(cd "$1" && pwd)
package=$(cd "$(dirname "$0")/../logwarden/logwarden" && pwd)
mypyc=${MYPYC:-mypyc}
mypyc=$(command -v "$mypyc") || { echo "mypyc not found (MYPYC=$mypyc)" >&2; exit 1; }
mypyc=$(cd "$(dirname "$mypyc")" && pwd)/$(basename "$mypyc")
python_bin=$(dirname "$mypyc")/python3

digest=$("$python_bin" "$package/compiled.py" --stamp)
if [ $layer = 0 ] && [ -f "$out/.source-digest" ] && [ "$(cat "$out/.source-digest")" = "$digest" ]; then
  echo "compiled hot path in $out is current ($digest)"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/logwarden-mypyc.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r "$package" "$work/logwarden"
find "$work" -name __pycache__ -prune -exec rm -rf {} +
mapfile -t modules < <("$python_bin" "$package/compiled.py" --list)
started=$(date +%s)
# In the copy, where no config file of ours is found: mypyc type-checks what it compiles with mypy's defaults (the
# repo's strict mypy run is separate) and writes each extension module next to its source.
(cd "$work" && "$mypyc" "${modules[@]}" > build.log 2>&1) || { cat "$work/build.log" >&2; exit 1; }
rm -rf "$work/build" "$work/build.log"
# The masking prefilter's Hyperscan databases, compiled now rather than at each cold start (masking/prefilter.py).
(cd "$work" && PYTHONPATH=. "$python_bin" -c 'import sys; from pathlib import Path
from logwarden.masking.prefilter import write_databases; write_databases(Path(sys.argv[1]))' logwarden/masking/prefilter.hsdb)
if [ $layer = 1 ]; then
  # The shared runtime module sits at the top (beside the package), each compiled module beside its .py.
  (cd "$work" && find . \( -name '*.so' -o -name '*.hsdb' \) -print0 | xargs -0 -I{} cp --parents {} "$out/")
else
  find "$out" -mindepth 1 -delete
  cp -r "$work/." "$out/"
  echo "$digest" > "$out/.source-digest"
fi
echo "compiled ${#modules[@]} hot-path modules into $out in $(( $(date +%s) - started )) s"
