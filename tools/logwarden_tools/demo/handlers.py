"""Load the Lambda handlers from ``functions/`` and call them the way Lambda does."""

from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType


def functions_dir(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """The ``functions/`` the demo runs: ``LOGWARDEN_FUNCTIONS_DIR``, else the checkout the command runs in (the
    working directory or the nearest parent holding ``template.yaml`` and ``functions/``)."""
    env = os.environ if env is None else env
    if env.get("LOGWARDEN_FUNCTIONS_DIR"):
        candidate = Path(env["LOGWARDEN_FUNCTIONS_DIR"])
        if not (candidate / "ingest_cloudwatch" / "app.py").is_file():
            raise FileNotFoundError(f"LOGWARDEN_FUNCTIONS_DIR={candidate} holds no ingest_cloudwatch/app.py")
        return candidate
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "template.yaml").is_file() and (folder / "functions").is_dir():
            return folder / "functions"
    raise FileNotFoundError(
        f"the demo runs the Lambda handlers of a logwarden checkout: run it inside the clone ({start} is not), "
        "or set LOGWARDEN_FUNCTIONS_DIR"
    )


def load_handler(name: str) -> ModuleType:
    module_name = f"logwarden_function_{name}"
    spec = importlib.util.spec_from_file_location(module_name, functions_dir() / name / "app.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load functions/{name}/app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class LocalLambdaContext:
    """What handlers read from Lambda's context object."""

    function_name: str
    timeout_s: float = 60.0
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:local:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return int(self.timeout_s * 1000)
