"""The artefacts of `sam build`: every handler imports with nothing but the built layer and its own folder on the
path, so the layer's requirements and the code can never diverge; the deployed build carries arm64 binaries.

scripts/check-template.sh builds twice: ``.aws-sam/build`` (arm64, what `sam deploy` uploads) and
``.aws-sam/host/build`` (this machine's architecture, so its native wheels can be imported here).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import LAMBDA_ENV, ROOT, function_environment, of_type

DEPLOYED = ROOT / ".aws-sam" / "build"
HOST = ROOT / ".aws-sam" / "host" / "build"
ELF_MACHINE = {183: "arm64", 62: "x86_64"}  # e_machine of EM_AARCH64 and EM_X86_64


def _need(build: Path) -> Path:
    if not (build / "template.yaml").exists():
        if os.environ.get("LOGWARDEN_TEMPLATE_BUILD") == "1":
            pytest.fail(f"{build} missing although scripts/check-template.sh built it")
        pytest.skip(f"{build} missing: run scripts/check-template.sh")
    return build


def _functions(sam: dict[str, Any]) -> list[str]:
    return sorted(of_type(sam, "AWS::Serverless::Function"))


@pytest.fixture(scope="module")
def functions(sam: dict[str, Any]) -> list[str]:
    return _functions(sam)


def test_every_handler_imports_from_the_build_with_only_the_layer(sam: dict[str, Any], functions: list[str]) -> None:
    build = _need(HOST)
    layer = build / "LogwardenLayer" / "python"
    assert (layer / "logwarden" / "__init__.py").exists()
    failures = {}
    for name in functions:
        function = sam["Resources"][name]
        module, handler = function["Properties"].get("Handler", sam["Globals"]["Function"]["Handler"]).split(".")
        # -I -S: no site-packages, no user site, no PYTHONPATH: the standard library, the function, the layer.
        code = (
            "import sys; sys.path[:0] = sys.argv[1:3]; "
            f"import {module}; assert callable({module}.{handler}), 'no {handler}'; "
            f"assert {module}.__file__.startswith(sys.argv[1]); "
            "import logwarden; assert logwarden.__file__.startswith(sys.argv[2]), logwarden.__file__"
        )
        done = subprocess.run(
            [sys.executable, "-I", "-S", "-c", code, str(build / name), str(layer)],
            capture_output=True,
            text=True,
            env={"PATH": os.environ.get("PATH", ""), **LAMBDA_ENV, **function_environment(function, sam)},
            cwd=build / name,
            timeout=120,
        )
        if done.returncode != 0:
            failures[name] = done.stderr.strip().splitlines()[-3:]
    assert failures == {}


def test_the_layer_masks_through_its_own_hyperscan_build() -> None:
    # The prefilter's native wheel comes from the layer's requirements: the layer alone must build and run it.
    layer = _need(HOST) / "LogwardenLayer" / "python"
    _assert_masks_with_only(
        layer, "import hyperscan; assert hyperscan.__file__.startswith(sys.argv[1]), hyperscan.__file__"
    )


def _assert_masks_with_only(python: Path, check: str) -> None:
    """With nothing but ``python`` on the path (no site-packages, no PYTHONPATH): run ``check``, then mask a line."""
    code = (
        f"import sys; sys.path[:0] = sys.argv[1:2]; {check}; from logwarden.masking.masker import Masker; "
        "line = 'order 79958318034 created for customer 5521, contact ivan.petrov@mail.ru, +7 912 345-67-89'; "
        "print(Masker().mask_lines([line, 'nothing to see here, just a long enough line of plain text'])[0])"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(python)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "order 79958318034 created for customer 5521, contact [EMAIL], [PHONE]"


def test_the_layer_carries_the_package_exactly_as_in_the_repo() -> None:
    build = _need(DEPLOYED)
    source = ROOT / "layers" / "logwarden" / "logwarden"
    built = build / "LogwardenLayer" / "python" / "logwarden"
    ours = {p.relative_to(source) for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    theirs = {p.relative_to(built) for p in built.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert ours == theirs
    assert all((source / p).read_bytes() == (built / p).read_bytes() for p in ours)


def test_the_layer_ships_no_local_tooling() -> None:
    # The command, demo, engine installers and generators are logwarden_tools, installed beside the library in
    # the venv only; nothing in the layer may import it or the packages only it needs.
    built = _need(DEPLOYED) / "LogwardenLayer" / "python"
    assert not (built / "logwarden_tools").exists()
    assert not [p.name for p in built.iterdir() if p.name.startswith(("pika", "moto", "jsonschema", "pytest"))]
    offenders = [
        str(path.relative_to(built))
        for path in (built / "logwarden").rglob("*.py")
        if any(word in path.read_text(encoding="utf-8") for word in ("logwarden_tools", "import pika", "from moto"))
    ]
    assert offenders == []


def _machines(folder: Path) -> dict[str, str]:
    machines = {}
    for library in folder.rglob("*.so*"):
        header = library.read_bytes()[:20]
        if header[:4] == b"\x7fELF":
            machines[str(library.relative_to(folder))] = ELF_MACHINE.get(
                int.from_bytes(header[18:20], "little"), "other"
            )
    return machines


def test_the_deployed_build_carries_only_arm64_binaries(sam: dict[str, Any]) -> None:
    build = _need(DEPLOYED)
    assert sam["Parameters"]["Architecture"]["Default"] == "arm64"
    machines = _machines(build / "LogwardenLayer" / "python")
    assert machines, "expected native extensions (orjson at least)"
    assert {m for m in machines.values()} == {"arm64"}, {k: v for k, v in machines.items() if v != "arm64"}
    # Compiled on an arm64 machine (or in the arm64 build image), or not at all: never another machine's code.
    compiled = build / "CompiledArm64Layer"
    note = (compiled / "logwarden-compiled.txt").read_text()
    if _machines(compiled):
        assert set(_machines(compiled).values()) == {"arm64"} and note.startswith("compiled:")
    else:
        assert note.startswith("not compiled:") and not (compiled / "python").exists()


def test_the_compiled_layer_runs_over_the_library_layer_as_lambda_lays_them_out(tmp_path: Path) -> None:
    # Lambda extracts the function's layers in order into /opt: the two python/ folders become one.
    build = _need(HOST)
    host = {"x86_64": "X8664", "AMD64": "X8664", "aarch64": "Arm64", "arm64": "Arm64"}[platform.machine()]
    opt = tmp_path / "python"
    shutil.copytree(build / "LogwardenLayer" / "python", opt)
    shutil.copytree(build / f"Compiled{host}Layer" / "python", opt, dirs_exist_ok=True)
    assert (build / f"Compiled{host}Layer" / "logwarden-compiled.txt").read_text().startswith("compiled:")
    check = "from logwarden.compiled import HOT_MODULES, compiled_modules; "
    _assert_masks_with_only(opt, check + "assert compiled_modules() == list(HOT_MODULES), compiled_modules()")


def test_the_host_build_matches_this_machine() -> None:
    build = _need(HOST)
    host = {"x86_64": "x86_64", "AMD64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
    orjson = next((build / "LogwardenLayer" / "python" / "orjson").glob("*.so"))
    assert ELF_MACHINE[int.from_bytes(orjson.read_bytes()[18:20], "little")] == host
