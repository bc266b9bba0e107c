"""`--runtime ric`: the handler runs inside AWS's own runtime client behind a local Runtime API.

`python -m awslambdaric HANDLER` (the runtime client Lambda's Python images use) polls
`AWS_LAMBDA_RUNTIME_API` for invocations and posts results back, as in Lambda. The process stays
up between invocations (module globals stay warm, as in a warm Lambda instance) and is restarted
when the code changes, when it exits, or after a timeout. Like one Lambda instance, it runs one
invocation at a time: concurrent requests wait for their turn.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from faas_grip.dev.invoke import FunctionConfig, Outcome, log_error, timeout_error
from faas_grip.dev.watch import CodeWatcher

_PREFIX = "/2018-06-01/runtime"
_INVOCATION = re.compile(rf"^{_PREFIX}/invocation/([^/]+)/(response|error)$")


class RuntimeClientMissing(RuntimeError):
    """awslambdaric is not installed in this interpreter."""


class _Invocation:
    def __init__(self, request_id: str, event: bytes, deadline_ms: int) -> None:
        self.request_id = request_id
        self.event = event
        self.deadline_ms = deadline_ms
        self.done = threading.Event()
        self.payload: bytes | None = None
        self.error: dict[str, Any] | None = None


class RuntimeApi:
    """A local Lambda Runtime API (`/2018-06-01/runtime/...`) serving one runtime process."""

    def __init__(self, config: FunctionConfig) -> None:
        self.config = config
        self.init_error: dict[str, Any] | None = None
        self._queue: queue.Queue[_Invocation] = queue.Queue()
        self._invocations: dict[str, _Invocation] = {}
        self._closed = threading.Event()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # the runtime client keeps its connection open
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _reply(
                self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path != f"{_PREFIX}/invocation/next":
                    self._reply(404, b'{"errorMessage":"not found"}')
                    return
                invocation = api._next()
                if invocation is None:  # shutting down: the runtime is being stopped
                    self.close_connection = True
                    return
                self._reply(
                    200,
                    invocation.event,
                    {
                        "Content-Type": "application/json",
                        "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                        "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                        "Lambda-Runtime-Invoked-Function-Arn": api.config.arn,
                        "Lambda-Runtime-Trace-Id": f"Root=1-{invocation.request_id[:8]}",
                    },
                )

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if self.path == f"{_PREFIX}/init/error":
                    api.init_error = _error(body)
                    self._reply(202, b'{"status":"OK"}')
                    return
                match = _INVOCATION.match(self.path)
                invocation = api._invocations.pop(match.group(1), None) if match else None
                if match is None or invocation is None:
                    self._reply(404, b'{"errorMessage":"unknown invocation"}')
                    return
                if match.group(2) == "response":
                    invocation.payload = body
                else:
                    invocation.error = _error(body)
                invocation.done.set()
                self._reply(202, b'{"status":"OK"}')

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(0.1,),
            name="faas-grip-runtime-api",
            daemon=True,
        )
        self._thread.start()

    @property
    def address(self) -> str:
        """The value of AWS_LAMBDA_RUNTIME_API."""
        return f"127.0.0.1:{self._server.server_address[1]}"

    def submit(self, invocation: _Invocation) -> None:
        self._invocations[invocation.request_id] = invocation
        self._queue.put(invocation)

    def _next(self) -> _Invocation | None:
        while not self._closed.is_set():
            with contextlib.suppress(queue.Empty):
                return self._queue.get(timeout=0.2)
        return None

    def close(self) -> None:
        self._closed.set()
        self._server.shutdown()
        self._server.server_close()


def _error(body: bytes) -> dict[str, Any]:
    try:
        error = json.loads(body)
    except ValueError:
        error = None
    if not isinstance(error, dict):
        return {"errorMessage": body.decode("utf-8", "replace"), "errorType": "Runtime.Unknown"}
    return error


class RicInvoker:
    """Runs the handler in `python -m awslambdaric`, one warm process, restarted on code changes."""

    def __init__(self, config: FunctionConfig, watcher: CodeWatcher | None = None) -> None:
        if importlib.util.find_spec("awslambdaric") is None:
            raise RuntimeClientMissing(
                "--runtime ric needs AWS's runtime client: pip install 'faas-grip[dev]' "
                "(or pip install awslambdaric)"
            )
        self.config = config
        self.watcher = watcher
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._api: RuntimeApi | None = None

    def load(self) -> None:
        """Start the runtime now, so a developer sees init errors before the first request."""
        with self._lock:
            self._start()

    def _start(self) -> None:
        self._stop()
        # A fresh Runtime API per process: a dead runtime's pending /next cannot take new work.
        self._api = RuntimeApi(self.config)
        code_dir = str(self.config.code_dir)
        env = dict(os.environ)
        env["AWS_LAMBDA_RUNTIME_API"] = self._api.address
        env["PYTHONPATH"] = os.pathsep.join(p for p in (code_dir, env.get("PYTHONPATH")) if p)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "awslambdaric", self.config.handler],
            cwd=code_dir,
            env=env,
            stdin=subprocess.DEVNULL,
        )

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(3)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        api, self._api = self._api, None
        if api is not None:
            api.close()

    def invoke(self, event: bytes, request_id: str) -> Outcome:
        with self._lock:
            if self.watcher is not None and self.watcher.take_change():
                print("code changed: restarting the runtime", file=sys.stderr, flush=True)
                self._start()
            elif self._process is None or self._process.poll() is not None:
                self._start()
            assert self._api is not None and self._process is not None
            deadline = time.monotonic() + self.config.timeout
            invocation = _Invocation(
                request_id, event, int((time.time() + self.config.timeout) * 1000)
            )
            self._api.submit(invocation)
            while not invocation.done.wait(0.05):
                code = self._process.poll()
                if code is not None and not invocation.done.is_set():
                    error = self._api.init_error or {
                        "errorMessage": f"RequestId: {request_id} Error: Runtime exited "
                        f"with error: exit status {code}",
                        "errorType": "Runtime.ExitError",
                    }
                    if self._api.init_error is None:
                        log_error(request_id, error)  # awslambdaric logged the init error
                    self._stop()
                    return Outcome(error=error)
                if time.monotonic() > deadline:
                    self._stop()  # Lambda discards an instance that timed out
                    error = timeout_error(self.config.timeout)
                    log_error(request_id, error)
                    return Outcome(error=error, timed_out=True)
            if invocation.error is not None:
                return Outcome(error=invocation.error)
            return Outcome(payload=invocation.payload or b"null")

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        with self._lock:
            self._stop()
