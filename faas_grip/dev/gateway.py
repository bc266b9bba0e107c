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
import shutil
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from faas_grip.dev.doors import (
    PAYLOAD_LIMIT,
    Door,
    HttpRequest,
    HttpResponse,
    MalformedResponse,
    make_door,
)
from faas_grip.dev.invoke import FunctionConfig, InProcessInvoker, Invoker, log_error
from faas_grip.dev.pushpin import READY_PATH
from faas_grip.dev.runtime_api import RicInvoker, RuntimeClientMissing
from faas_grip.dev.watch import CodeWatcher


class BadRequest(Exception):
    """The request itself cannot be read (answered with 400)."""


class LocalGateway(ThreadingHTTPServer):
    """A ThreadingHTTPServer that hands every request to a door and an invoker."""

    daemon_threads = True

    def __init__(self, sock: socket.socket, door: Door, invoker: Invoker) -> None:
        super().__init__(sock.getsockname(), _RequestHandler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock  # already bound and listening: inherited from the parent
        self.door = door
        self.invoker = invoker

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
        outcome = self.invoker.invoke(event, request_id)
        if outcome.timed_out:
            return door.timeout(request_id)
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
        except (ValueError, MalformedResponse) as exc:
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

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
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
                chunks.append(self.rfile.read(size))
                self.rfile.readline(16)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise BadRequest("Content-Length is not a number") from None
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
        try:
            request = HttpRequest(
                method=self.command,
                target=self.path,
                headers=list(self.headers.items()),
                body=self._read_body(),
                source_ip=self.client_address[0],
                port=self.server.server_address[1],
            )
            response = self.server.respond(request)
        except BadRequest as exc:
            self.close_connection = True
            response = HttpResponse(400, [("Content-Type", "text/plain")], f"{exc}\n".encode())
        self._send(response)
        elapsed = (time.monotonic() - started) * 1000
        print(
            f"[gateway] {self.command} {self.path} {response.status} {elapsed:.1f} ms",
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
    init_error = invoker.load()
    if init_error is not None:
        log_error("init", init_error)

    listener = socket.socket(fileno=args.listen_fd)
    control = socket.socket(fileno=args.control_fd)
    server = LocalGateway(listener, door, invoker)
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
