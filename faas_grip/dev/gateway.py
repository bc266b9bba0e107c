"""The local API Gateway: real HTTP in, a Lambda proxy event to the function, its result out.

It runs as its own process (`python -m faas_grip.dev.gateway`, started by `Gateway` in
`faas_grip.dev.server`) so the function gets its own environment and module namespace, as in
Lambda. Each request is served on its own thread; `faas_grip.dev.invoke` and
`faas_grip.dev.runtime_api` say how invocations run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from faas_grip.dev.doors import (
    PAYLOAD_LIMIT,
    Door,
    HttpRequest,
    HttpResponse,
    make_door,
)
from faas_grip.dev.invoke import (
    FunctionConfig,
    InProcessInvoker,
    Invoker,
    Outcome,
    check_handler,
    error_object,
    log_error,
)
from faas_grip.dev.pushpin import READY_PATH
from faas_grip.dev.runtime_api import RicInvoker, RuntimeClientMissing
from faas_grip.dev.watch import CodeWatcher


class BadRequest(Exception):
    """The request itself cannot be read (answered with 400)."""


class PayloadTooLarge(Exception):
    """The request body is over the door's payload limit (answered as the door does, 413)."""


# Query parameters whose values are kept out of the access log: tokens, keys, signatures,
# passwords (`token`, `access_token`, `api_key`, `X-Amz-Signature`, `auth`, `session`, ...).
_SECRET_PARAMETER = re.compile(
    r"token|key|sig|auth|pass|pwd|secret|session|credential|jwt|cookie|code", re.IGNORECASE
)


def redact_target(target: str) -> str:
    """The request target for the log, with the values of likely secrets replaced by `***`."""
    path, mark, query = target.partition("?")
    if not mark:
        return target
    parts = []
    for item in query.split("&"):
        name, equals, value = item.partition("=")
        if equals and value and _SECRET_PARAMETER.search(unquote_plus(name)):
            value = "***"
        parts.append(f"{name}{equals}{value}")
    return f"{path}?{'&'.join(parts)}"


class LocalGateway(ThreadingHTTPServer):
    """A ThreadingHTTPServer that hands every request to a door and an invoker."""

    daemon_threads = True

    def __init__(
        self,
        sock: socket.socket,
        door: Door,
        invoker: Invoker,
        integration_timeout: float | None = None,
    ) -> None:
        super().__init__(sock.getsockname(), _RequestHandler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock  # already bound and listening: inherited from the parent
        self.door = door
        self.invoker = invoker
        # API Gateway stops waiting after this (29 s REST, 30 s HTTP API); None: no such limit.
        self.integration_timeout = (
            door.integration_timeout if integration_timeout is None else integration_timeout
        )

    def _invoke(self, event: bytes, request_id: str) -> Outcome | None:
        """The function's outcome; None when the integration timed out first. The invocation
        then goes on in the background, as the Lambda function does on AWS."""
        limit = self.integration_timeout
        if limit is None:
            return self.invoker.invoke(event, request_id)
        box: list[Outcome] = []
        done = threading.Event()

        def run() -> None:
            try:
                box.append(self.invoker.invoke(event, request_id))
            except Exception as exc:  # an invoker bug: answered as a function error
                box.append(Outcome(error=error_object(exc, "Runtime.Unknown")))
            finally:
                done.set()

        threading.Thread(target=run, name=f"invoke-{request_id[:8]}", daemon=True).start()
        if not done.wait(limit):
            print(
                f"[gateway] integration timed out after {limit:g} s (request {request_id}); "
                "the function goes on until its own timeout",
                file=sys.stderr,
                flush=True,
            )
            return None
        return box[0]

    def respond(self, request: HttpRequest) -> HttpResponse:
        """Build the event, invoke the function, and shape its answer as the door would."""
        request_id = str(uuid.uuid4())
        door = self.door
        event = json.dumps(door.event(request, request_id)).encode("utf-8")
        if len(event) > PAYLOAD_LIMIT:
            print(
                f"[gateway] event of {len(event)} bytes is over Lambda's {PAYLOAD_LIMIT} byte limit",
                file=sys.stderr,
                flush=True,
            )
            return door.too_large(request_id)
        outcome = self._invoke(event, request_id)
        if outcome is None:
            return door.timeout(request_id)
        # A function that hits its own timeout is a function error to API Gateway (502/500), not
        # an integration timeout (504).
        if outcome.error is not None or outcome.payload is None:
            return door.function_error(request_id)
        if len(outcome.payload) > PAYLOAD_LIMIT:
            log_error(
                request_id,
                {
                    "errorType": "Function.ResponseSizeTooLarge",
                    "errorMessage": f"Response payload size ({len(outcome.payload)} bytes) "
                    f"exceeded maximum allowed payload size ({PAYLOAD_LIMIT} bytes).",
                },
            )
            return door.function_error(request_id)
        try:
            return door.response(json.loads(outcome.payload), request, request_id)
        except Exception as exc:  # any unusable result: AWS answers 502 (REST) / 500 (HTTP API)
            print(
                f"[gateway] malformed Lambda proxy response for {door.title}: {exc}",
                file=sys.stderr,
                flush=True,
            )
            return door.function_error(request_id)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # Pushpin keeps its connections to the backend open
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: LocalGateway

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one access line per request is written in _serve

    def _read_body(self, limit: int | None = None) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            received = 0
            while True:
                line = self.rfile.readline(1024)
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise BadRequest("malformed chunked body") from None
                if size == 0:
                    while self.rfile.readline(1024).strip():
                        pass  # trailers
                    return b"".join(chunks)
                received += size
                if limit is not None and received > limit:
                    raise PayloadTooLarge
                chunks.append(self.rfile.read(size))
                self.rfile.readline(16)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise BadRequest("Content-Length is not a number") from None
        if limit is not None and length > limit:
            raise PayloadTooLarge  # refused unread, as API Gateway does
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        if self.path == READY_PATH:  # Pushpin's readiness probe: not for the function
            self._read_body()
            # Held, so the answer comes through Pushpin's handler: proof it is ready too.
            headers = [("Content-Type", "text/plain"), ("Grip-Hold", "stream")]
            headers.append(("Grip-Channel", "faas-grip-ready"))
            self._send(HttpResponse(200, headers, b"ready\n"))
            return
        started = time.monotonic()
        door = self.server.door
        try:
            request = HttpRequest(
                method=self.command,
                target=self.path,
                headers=list(self.headers.items()),
                body=self._read_body(door.request_limit),
                source_ip=self.client_address[0],
                port=self.server.server_address[1],
            )
            response = self.server.respond(request)
        except BadRequest as exc:
            self.close_connection = True
            response = HttpResponse(400, [("Content-Type", "text/plain")], f"{exc}\n".encode())
        except PayloadTooLarge:
            self.close_connection = True  # the body is left unread
            response = door.too_large(str(uuid.uuid4()))
        except Exception:  # a gateway bug: the client still gets AWS's answer, and we a trace
            traceback.print_exc()
            response = door.function_error(str(uuid.uuid4()))
        self._send(response)
        elapsed = (time.monotonic() - started) * 1000
        print(
            f"[gateway] {self.command} {redact_target(self.path)} {response.status} "
            f"{elapsed:.1f} ms",
            file=sys.stderr,
            flush=True,
        )

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


class _Lifeline:
    """The parent's control socket: `reap PGID [DIR]` lines name a process group to stop (and its
    folder to remove) should the parent die; `stop` asks for an orderly exit. EOF without `stop`
    means the parent died."""

    def __init__(self, control: socket.socket, stop: threading.Event) -> None:
        self.control = control
        self.stop = stop
        self.groups: list[tuple[int, str | None]] = []
        self.orphaned = False

    def run(self) -> None:
        buffer = b""
        with contextlib.suppress(OSError):
            while chunk := self.control.recv(256):
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    word, *values = line.decode().split()
                    if word == "stop":
                        self.stop.set()
                        return
                    if word == "reap":
                        self.groups.append((int(values[0]), values[1] if values[1:] else None))
        self.orphaned = True
        self.stop.set()

    def reap(self) -> None:
        """Stop the named process groups (Pushpin instances) when the parent is gone."""
        if not self.orphaned:
            return
        for group, _ in self.groups:
            with contextlib.suppress(OSError):
                os.killpg(group, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for group, folder in self.groups:
            while time.monotonic() < deadline:
                try:
                    os.killpg(group, 0)
                except OSError:
                    break
                time.sleep(0.05)
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> None:
    """The gateway process. Started by `faas_grip.dev.server.Gateway`, not by hand."""
    parser = argparse.ArgumentParser(prog="python -m faas_grip.dev.gateway")
    parser.add_argument("handler")
    parser.add_argument("--code-dir", required=True)
    parser.add_argument("--api", default="rest")
    parser.add_argument("--runtime", default="inprocess")
    parser.add_argument("--binary-media-types", default=None, help="JSON list")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--integration-timeout", type=float, default=None)
    parser.add_argument("--allow-broken-handler", action="store_true")
    parser.add_argument("--listen-fd", type=int, required=True)
    parser.add_argument("--control-fd", type=int, required=True)
    args = parser.parse_args(argv)

    code_dir = Path(args.code_dir).resolve()
    # Lambda runs in the code folder with it first on sys.path; the launch folder is not there.
    if sys.path and sys.path[0] in ("", str(Path.cwd())):
        del sys.path[0]
    sys.path.insert(0, str(code_dir))
    os.chdir(code_dir)

    config = FunctionConfig(
        handler=args.handler,
        code_dir=code_dir,
        name=os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "faas-grip-dev"),
        timeout=args.timeout,
        region=os.environ.get("AWS_REGION", "us-east-1"),
    )
    os.environ.update(config.environment())  # reserved in Lambda: not the user's to change
    door = make_door(
        args.api,
        None if args.binary_media_types is None else json.loads(args.binary_media_types),
    )
    watcher = CodeWatcher(code_dir).start()
    try:
        invoker: InProcessInvoker | RicInvoker = (
            RicInvoker(config, watcher)
            if args.runtime == "ric"
            else InProcessInvoker(config, watcher)
        )
    except RuntimeClientMissing as exc:
        print(f"faas-grip dev: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)
    control = socket.socket(fileno=args.control_fd)
    if isinstance(invoker, RicInvoker):
        # The runtime client imports the handler in its own process: try it in a throwaway one.
        init_error = check_handler(config)
        if init_error is None or args.allow_broken_handler:
            invoker.load()
    else:
        init_error = invoker.load()
    if init_error is not None:
        log_error("init", init_error)
        if not args.allow_broken_handler:
            # A handler that cannot load at start is a typo or a wrong --code-dir: say so now.
            control.sendall(b"init-error " + json.dumps(init_error).encode() + b"\n")
            invoker.close()
            sys.exit(1)

    listener = socket.socket(fileno=args.listen_fd)
    server = LocalGateway(listener, door, invoker, args.integration_timeout)
    stop = threading.Event()
    lifeline = _Lifeline(control, stop)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    threading.Thread(
        target=server.serve_forever, args=(0.1,), name="faas-grip-gateway", daemon=True
    ).start()
    threading.Thread(target=lifeline.run, name="faas-grip-lifeline", daemon=True).start()
    control.sendall(b"ready\n")
    while not stop.wait(1.0):
        pass
    server.shutdown()
    server.server_close()
    invoker.close()
    lifeline.reap()


if __name__ == "__main__":
    main()
