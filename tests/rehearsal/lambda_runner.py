"""Runs a handler the way the Lambda Python runtime does, in an interpreter started with ``-I -S``.

Only the standard library is importable at first; this script puts the function's folder and the layers' merged
``python/`` folder (Lambda's /opt/python) on the path, imports the handler once (a cold start) and invokes it
with each event in turn (warm invocations), writing each result or error to a JSON file. It imports nothing but
the standard library itself, so whatever else the function needs must come from its folder or the layer.

    python -I -S lambda_runner.py FUNCTION_DIR OPT_PYTHON app.lambda_handler EVENTS_JSON RESULTS_JSON
"""

import importlib
import json
import sys
import time
import traceback
import uuid


class Context:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    def __init__(self, function_name: str, timeout_s: float) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:eu-central-1:123456789012:function:{function_name}"
        self.memory_limit_in_mb = 1024
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "rehearsal"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main() -> None:
    function_dir, opt_python, handler, events_path, results_path = sys.argv[1:6]
    timeout_s = float(sys.argv[6]) if len(sys.argv) > 6 else 60.0
    sys.path[:0] = [function_dir, opt_python]
    module_name, function_name = handler.rsplit(".", 1)
    results = []
    try:
        handle = getattr(importlib.import_module(module_name), function_name)
    except Exception as error:
        results.append({"import_error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()})
        handle = None
    with open(events_path, encoding="utf-8") as events_file:
        events = json.load(events_file)
    for event in events if handle is not None else []:
        context = Context(function_name=module_name, timeout_s=timeout_s)
        try:
            results.append({"result": handle(event, context)})
        except Exception as error:
            results.append({"error": type(error).__name__, "message": str(error), "trace": traceback.format_exc()})
    outside = sorted(
        {
            name
            for name, module in list(sys.modules.items())
            if getattr(module, "__file__", None)
            and module.__file__ != __file__  # this runner (as __main__, and multiprocessing's __mp_main__)
            and not module.__file__.startswith((function_dir, opt_python, sys.base_prefix, sys.base_exec_prefix))
        }
    )
    with open(results_path, "w", encoding="utf-8") as results_file:
        json.dump({"invocations": results, "imported_from_elsewhere": outside}, results_file, default=str)


if __name__ == "__main__":
    main()
