"""Running the function: the in-process runtime, and what every runtime shares.

An invoker takes an event (already JSON) and returns an `Outcome`: the function's JSON result, or
the error object Lambda would report (`errorMessage`, `errorType`, `stackTrace`).

Concurrency: in-process invocations run in parallel, one thread each, in one interpreter. Lambda
also runs invocations in parallel, but each in its own instance with its own module globals;
here concurrent invocations share them, so keep state that must survive in the proxy (channels,
meta) or an external store, as you must in Lambda anyway.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from faas_grip.dev.watch import CodeWatcher

Handler = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class FunctionConfig:
    """The function as Lambda would know it."""

    handler: str
    code_dir: Path
    name: str = "faas-grip-dev"
    timeout: float = 30.0
    memory_mb: int = 128
    region: str = "us-east-1"

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:123456789012:function:{self.name}"

    def environment(self) -> dict[str, str]:
        """The variables Lambda sets for every function."""
        return {
            "_HANDLER": self.handler,
            "LAMBDA_TASK_ROOT": str(self.code_dir),
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "local/[$LATEST]faas-grip-dev",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }


@dataclass(frozen=True)
class Outcome:
    """The function's JSON result (`payload`), or the error Lambda would report."""

    payload: bytes | None = None
    error: Mapping[str, Any] | None = None
    timed_out: bool = False


def error_object(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    """Lambda's error object for an exception."""
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def timeout_error(seconds: float) -> dict[str, Any]:
    return {
        "errorMessage": f"Task timed out after {seconds:.2f} seconds",
        "errorType": "Sandbox.Timedout",
    }


def log_error(request_id: str, error: Mapping[str, Any]) -> None:
    """Print a function error as Lambda logs it, so a developer sees it in the terminal."""
    trace = "".join(error.get("stackTrace") or [])
    message = f"[ERROR] {error.get('errorType')}: {error.get('errorMessage')}"
    print(f"{message} (request {request_id})\n{trace}", file=sys.stderr, end="", flush=True)


class Invoker(Protocol):
    def invoke(self, event: bytes, request_id: str) -> Outcome: ...

    def close(self) -> None: ...


class LambdaContext:
    """The context object the Python runtime passes to a handler."""

    def __init__(self, config: FunctionConfig, request_id: str, deadline_ms: int) -> None:
        self.aws_request_id = request_id
        self.function_name = config.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = config.arn
        # The real runtime hands these over as strings taken from the environment.
        self.memory_limit_in_mb = str(config.memory_mb)
        self.log_group_name = f"/aws/lambda/{config.name}"
        self.log_stream_name = "local/[$LATEST]faas-grip-dev"
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def __repr__(self) -> str:
        return (
            f"LambdaContext(aws_request_id={self.aws_request_id!r}, "
            f"function_name={self.function_name!r})"
        )


def load_handler(handler: str) -> Handler:
    """Import `module.function` (or `folder/module.function`) as the Python runtime does."""
    module_name, _, function_name = handler.rpartition(".")
    if not module_name:
        raise ValueError(f"handler {handler!r} must be module.function, e.g. app.handler")
    module = importlib.import_module(module_name.replace("/", "."))
    try:
        function: Handler = getattr(module, function_name)
    except AttributeError:
        raise AttributeError(
            f"handler {function_name!r} missing on module {module_name!r}"
        ) from None
    if not callable(function):
        raise TypeError(f"{handler} is not callable")
    return function


def _is_user_module(module: object, root: str) -> bool:
    path = getattr(module, "__file__", None)
    if not path:
        return False
    path = os.path.realpath(path)
    return path.startswith(root + os.sep) and "site-packages" not in path


def check_handler(config: FunctionConfig) -> dict[str, Any] | None:
    """Import the handler in a throwaway process (the ric runtime imports it in its own): the
    init error Lambda would report, or None."""
    script = (
        "import json, sys; from pathlib import Path\n"
        "from faas_grip.dev.invoke import FunctionConfig, InProcessInvoker\n"
        "config = FunctionConfig(handler=sys.argv[1], code_dir=Path.cwd())\n"
        "print('\\n' + json.dumps(InProcessInvoker(config).load()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, config.handler],
        cwd=config.code_dir,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    try:
        error = json.loads(lines[-1]) if lines else None
    except ValueError:
        error = None
    if done.returncode != 0 and error is None:
        return {"errorMessage": done.stderr.strip(), "errorType": "Runtime.ExitError"}
    return error if isinstance(error, dict) else None


class InProcessInvoker:
    """Runs the handler in this process; re-imports the code folder's modules when it changes.

    A handler that outlives the function timeout is answered as timed out, but its thread cannot
    be stopped: it finishes in the background.
    """

    def __init__(self, config: FunctionConfig, watcher: CodeWatcher | None = None) -> None:
        self.config = config
        self.watcher = watcher
        self._root = os.path.realpath(config.code_dir)
        self._lock = threading.Lock()
        self._handler: Handler | None = None
        self._init_error: dict[str, Any] | None = None

    def load(self) -> dict[str, Any] | None:
        """(Re-)import the handler; return the init error, if any, as Lambda would report it."""
        with self._lock:
            for name, module in list(sys.modules.items()):
                if _is_user_module(module, self._root) and not name.startswith("faas_grip"):
                    del sys.modules[name]
            importlib.invalidate_caches()
            try:
                self._handler, self._init_error = load_handler(self.config.handler), None
            except Exception as exc:
                error_type = (
                    "Runtime.ImportModuleError"
                    if isinstance(exc, ImportError)
                    else "Runtime.UserCodeSyntaxError"
                    if isinstance(exc, SyntaxError)
                    else "Runtime.HandlerNotFound"
                    if isinstance(exc, (AttributeError, TypeError, ValueError))
                    else None
                )
                self._handler, self._init_error = None, error_object(exc, error_type)
            return self._init_error

    def invoke(self, event: bytes, request_id: str) -> Outcome:
        if self.watcher is not None and self.watcher.take_change():
            print(f"code changed: reloading {self.config.handler}", file=sys.stderr, flush=True)
            self.load()
        elif self._handler is None:
            self.load()  # like Lambda, a failed init is tried again on the next invocation
        handler, init_error = self._handler, self._init_error
        if handler is None:
            assert init_error is not None
            log_error(request_id, init_error)
            return Outcome(error=init_error)
        deadline_ms = int((time.time() + self.config.timeout) * 1000)
        context = LambdaContext(self.config, request_id, deadline_ms)
        done = threading.Event()
        box: dict[str, Outcome] = {}

        def run() -> None:
            try:
                result = handler(json.loads(event), context)
                try:
                    payload = json.dumps(result).encode("utf-8")
                except (TypeError, ValueError) as exc:
                    box["outcome"] = Outcome(error=error_object(exc, "Runtime.MarshalError"))
                else:
                    box["outcome"] = Outcome(payload=payload)
            except SystemExit as exc:
                box["outcome"] = Outcome(error=error_object(exc, "Runtime.ExitError"))
            except Exception as exc:
                box["outcome"] = Outcome(error=error_object(exc))
            finally:
                done.set()

        threading.Thread(target=run, name=f"invoke-{request_id[:8]}", daemon=True).start()
        if not done.wait(self.config.timeout):
            outcome = Outcome(error=timeout_error(self.config.timeout), timed_out=True)
        else:
            outcome = box["outcome"]
        if outcome.error is not None:
            log_error(request_id, outcome.error)
        return outcome

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
