"""Load the Lambda handlers from ``functions/`` and call them the way Lambda does."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import logwarden


def functions_dir() -> Path:
    """``functions/`` of the checkout this package is installed from (the demo runs from a clone)."""
    root = Path(logwarden.__file__).resolve().parents[3]
    candidate = root / "functions"
    if not candidate.is_dir():
        raise FileNotFoundError(
            f"the demo runs the real handlers from a logwarden checkout; {candidate} does not exist "
            "(install with `pip install -e .` from the repository)"
        )
    return candidate


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
