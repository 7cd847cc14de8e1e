"""The compiled hot path: the list a build compiles, the digest that says a compiled tree is current, and that a
compiled tree really runs compiled (a build that quietly fell back to Python would pass every other test)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import logwarden
from logwarden.compiled import (
    HOT_MODULES,
    build_stamp,
    compiled_modules,
    hot_path_summary,
    source_digest,
    source_files,
)
from logwarden.masking import prefilter
from tests.conftest import ROOT

SOURCE = ROOT / "layers" / "logwarden"


def test_every_hot_module_is_a_source_file_of_the_package() -> None:
    assert len(set(HOT_MODULES)) == len(HOT_MODULES)
    assert all((SOURCE / path).is_file() for path in source_files())


def test_a_compiled_tree_runs_every_hot_module_compiled_and_the_source_none() -> None:
    package = Path(logwarden.__file__).resolve().parent
    if (package.parent / ".source-digest").exists():
        assert compiled_modules() == list(HOT_MODULES)
        # and the prefilter's databases, compiled with it from these very patterns, are loaded, not compiled again
        assert prefilter._load(prefilter.SERIALIZED, prefilter._stamp(prefilter._specs())) is not None
        assert hot_path_summary() == f"{len(HOT_MODULES)} of {len(HOT_MODULES)} hot-path modules compiled"
    else:
        assert package == SOURCE / "logwarden"
        assert compiled_modules() == []
        assert not prefilter.SERIALIZED.exists()
        assert hot_path_summary() == f"0 of {len(HOT_MODULES)} hot-path modules compiled"


def test_the_digest_follows_any_python_file_of_the_package(tmp_path: Path) -> None:
    copy = tmp_path / "logwarden"
    shutil.copytree(SOURCE / "logwarden", copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = source_digest(copy)
    assert before == source_digest(SOURCE / "logwarden")
    (copy / "parsing" / "__init__.py").write_text((copy / "parsing" / "__init__.py").read_text() + "\n")
    after_python_edit = source_digest(copy)
    assert after_python_edit != before
    # a data file is not compiled, so changing one leaves the digest (and the compiled tree) as it was
    (copy / "masking" / "masking.toml").write_text("# data files are not compiled\n")
    assert source_digest(copy) == after_python_edit


def test_a_build_reads_the_list_with_the_standard_library_alone() -> None:
    # -I -S: no site-packages and no PYTHONPATH, as in a layer build before any dependency is installed.
    script = SOURCE / "logwarden" / "compiled.py"
    listed = subprocess.run(
        [sys.executable, "-I", "-S", str(script), "--list"], capture_output=True, text=True, check=True, timeout=60
    )
    assert listed.stdout.split() == source_files()
    stamp = subprocess.run(
        [sys.executable, "-I", "-S", str(script), "--stamp"], capture_output=True, text=True, check=True, timeout=60
    )
    assert stamp.stdout.strip() == build_stamp(SOURCE / "logwarden")
    wrong = subprocess.run([sys.executable, "-I", "-S", str(script)], capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "usage" in wrong.stderr
