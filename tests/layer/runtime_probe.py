"""Run inside the clean runtime (see conftest.py), with the built layer on PYTHONPATH.

    python -s -c "$(cat runtime_probe.py)" imports
    python -s -c "$(cat runtime_probe.py)" invoke REQUESTS_JSON     (cwd: the function's code)
    python -s -c "$(cat runtime_probe.py)" verify TOKEN KEY

Prints one JSON document. Only the standard library, the layer and the function code are used
here: the probe must not hide a module the layer forgot.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import sysconfig
from pathlib import Path
from typing import Any

# What AWS's Python runtime itself puts on sys.path (boto3 and its dependencies). urllib3 is
# among them there too, but the layer ships its own, which must be the one loaded.
RUNTIME_PACKAGES = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six"}


def _origins() -> dict[str, str]:
    """Top-level module name → where it loaded from: layer, task, stdlib or runtime."""
    layers = [Path(p).resolve() for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    stdlib = [Path(sysconfig.get_paths()[key]).resolve() for key in ("stdlib", "platstdlib")]
    task = Path.cwd().resolve()
    found: dict[str, str] = {}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file or name == "__main__":
            continue
        path = Path(file).resolve()
        if any(path.is_relative_to(layer) for layer in layers if layer != task):
            where = "layer"
        elif path.is_relative_to(task):
            where = "task"
        elif any(path.is_relative_to(d) for d in stdlib) and "site-packages" not in path.parts:
            where = "stdlib"
        else:
            where = "runtime"
        found.setdefault(name.partition(".")[0], where)
    return found


def imports() -> dict[str, Any]:
    import faas_grip

    dev_after_import = "faas_grip.dev" in sys.modules
    for name in ("requests", "urllib3", "idna", "certifi", "charset_normalizer", "jwt"):
        importlib.import_module(name)
    failed, needs_powertools = {}, []
    for info in pkgutil.walk_packages(faas_grip.__path__, "faas_grip."):
        try:
            importlib.import_module(info.name)
        except ModuleNotFoundError as exc:
            # Powertools integrations: the AWS-managed Powertools layer provides their import.
            if exc.name and exc.name.partition(".")[0] == "aws_lambda_powertools":
                needs_powertools.append(info.name)
            else:
                failed[info.name] = repr(exc)
        except Exception as exc:
            failed[info.name] = repr(exc)
    try:
        importlib.import_module("faas_grip.dev")
        dev_importable = True
    except ModuleNotFoundError:
        dev_importable = False
    origins = _origins()
    return {
        "faas_grip": faas_grip.__file__,
        "dev_after_import": dev_after_import,
        "dev_importable": dev_importable,
        "failed": failed,
        "needs_powertools": needs_powertools,
        "origins": origins,
        "outside": sorted(
            n for n, w in origins.items() if w == "runtime" and n not in RUNTIME_PACKAGES
        ),
    }


class Context:
    """The parts of Lambda's context object a handler may read."""

    function_name = "probe"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:probe"
    memory_limit_in_mb = 256
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    log_group_name = "/aws/lambda/probe"
    log_stream_name = "2026/01/01/[$LATEST]probe"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def invoke(requests_json: str) -> list[dict[str, Any]]:
    """Call the function's `app.handler` once per request (warm, like Lambda); read each reply."""
    from faas_grip import testing

    sys.path.insert(0, str(Path.cwd()))
    app = importlib.import_module("app")
    replies = []
    for request in json.loads(requests_json):
        build = getattr(testing, request["builder"])
        kwargs = dict(request["kwargs"])
        if "binary" in kwargs:
            kwargs["binary"] = kwargs["binary"].encode("latin-1")
        reply = testing.read_response(app.handler(build(**kwargs), Context()))
        replies.append(
            {
                "status": reply.status,
                "hold": reply.hold,
                "channels": reply.channels,
                "accepted": reply.accepted,
                "subscriptions": reply.subscriptions,
                "messages": [
                    m if isinstance(m, str) else m.decode("latin-1") for m in reply.messages
                ],
                "body": reply.body.decode("utf-8", "replace")[:500],
            }
        )
    return replies


def verify(token: str, key: str) -> dict[str, Any]:
    from faas_grip import GripError, validate_grip_sig

    try:
        return {"valid": validate_grip_sig(token, key)}
    except GripError as exc:
        return {"error": str(exc)}


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    print(json.dumps({"imports": imports, "invoke": invoke, "verify": verify}[command](*args)))
