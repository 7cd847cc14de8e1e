"""The ingest hot path compiled with mypyc, and how to tell whether this process runs it.

The modules in ``HOT_MODULES`` are compiled from this very source into C extension modules: by
``make compiled`` (``build/compiled``) for the tests, the benchmarks and the demo, and by the layer build for Lambda
when the build machine matches the function's architecture. An interpreter that finds a compiled module built
for its own platform imports it instead of the ``.py``; any other runs the Python. Both behave the same (the
suite runs on both); the compiled path does the same work in about three quarters of the instructions.

This file runs as a script too, with nothing but the standard library, so that a build can read the list
without importing the package or its dependencies::

    python logwarden/compiled.py --list      # the hot modules' source files, relative to the package's parent
    python logwarden/compiled.py --stamp     # the source's digest and the Python: a compiled tree is stale without it
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from typing import Final

# Every module a log event passes through between decoding and the bulk body, and the ones they call per event.
HOT_MODULES: Final = (
    "logwarden.ingest.cloudwatch",
    "logwarden.ingest.records",
    "logwarden.ingest.normalise",
    "logwarden.ingest.pipeline",
    "logwarden.parsing.sniff",
    "logwarden.parsing.structured",
    "logwarden.parsing.enrich",
    "logwarden.parsing.timestamps",
    "logwarden.parsing.text",
    "logwarden.parsing.broker_log",
    "logwarden.masking.masker",
    "logwarden.masking.text",
    "logwarden.masking.prefilter",
    "logwarden.masking.fieldnames",
    "logwarden.masking.checksums",
    "logwarden.sink.bulk",
    "logwarden.naming",
    "logwarden.routing",
)

PACKAGE_ROOT: Final = Path(__file__).resolve().parent


def is_compiled(module: str) -> bool:
    """Whether ``module`` is (or would be) imported from a compiled extension module. Only its spec is looked
    up, so asking at a cold start imports none of the modules a handler does not use."""
    spec = importlib.util.find_spec(module)
    origin = (spec.origin if spec is not None else None) or ""
    return origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def compiled_modules() -> list[str]:
    """The hot modules this process runs compiled; empty on a pure-Python install."""
    return [module for module in HOT_MODULES if is_compiled(module)]


def hot_path_summary() -> str:
    """One line for the cold-start log: whether the layer's compiled modules were found for this machine."""
    return f"{len(compiled_modules())} of {len(HOT_MODULES)} hot-path modules compiled"


def source_files() -> list[str]:
    """The hot modules' source files, as paths relative to the directory holding the package."""
    return [module.replace(".", "/") + ".py" for module in HOT_MODULES]


def source_digest(package: Path = PACKAGE_ROOT) -> str:
    """A digest of every Python file of the package: compiled modules inline calls into the others, so a
    compiled tree is current only while the whole package's source is what it was compiled from."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_stamp(package: Path = PACKAGE_ROOT) -> str:
    """What a compiled tree records (``.source-digest``) and must still match: the source and the Python it is
    compiled for."""
    return f"{source_digest(package)}-{sys.implementation.cache_tag}"


def main(argv: list[str]) -> int:
    if argv == ["--list"]:
        print("\n".join(source_files()))
        return 0
    if argv == ["--stamp"]:
        print(build_stamp())
        return 0
    print("usage: compiled.py --list | --stamp", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
