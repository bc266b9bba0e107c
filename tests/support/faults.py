"""A fault-injecting HTTP proxy to put in front of a publish endpoint (Pushpin's or a stand-in).

    with FaultProxy(pushpin.control_uri) as proxy:
        proxy.plan(Fault.status(503), None)   # the next request gets 503, the one after passes
        proxy.always(Fault.delay(2))          # then every request waits 2 s before passing
        Publisher(proxy.url).publish(...)
        proxy.seen                            # what was done with each request, in order

A Fault answers a request itself (`status`), forwards it late (`delay`), or drops the
connection with a TCP reset after reading the request (`reset`). `None` forwards untouched.
Stopping the proxy cuts delays short, so nothing outlives the `with` block for long.
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass(frozen=True)
class Fault:
    kind: str
    status_code: int = 0
    body: str = ""
    seconds: float = 0.0

    @staticmethod
    def status(code: int, body: str = "injected fault") -> Fault:
        """Answer with this status without forwarding."""
        return Fault("status", status_code=code, body=body)

    @staticmethod
    def delay(seconds: float) -> Fault:
        """Wait, then forward (unless the proxy stops first)."""
        return Fault("delay", seconds=seconds)

    @staticmethod
    def reset() -> Fault:
        """Read the request, then reset the connection without answering."""
        return Fault("reset")

    def __str__(self) -> str:
        if self.kind == "status":
            return f"status {self.status_code}"
        if self.kind == "delay":
            return f"delay {self.seconds}"
        return self.kind


class FaultProxy:
    """Forwards requests to `upstream` (an http:// base URL), applying planned faults."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.seen: list[str] = []
        self._plan: deque[Fault | None] = deque()
        self._always: Fault | None = None
        self._lock = threading.Lock()
        self._closing = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            _was_reset = False

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fault = proxy._next()
                if fault is not None and fault.kind == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    self._was_reset = True
                    self.close_connection = True
                    return
                if fault is not None and fault.kind == "status":
                    self._reply(
                        fault.status_code, {"Content-Type": "text/plain"}, fault.body.encode()
                    )
                    return
                if (
                    fault is not None
                    and fault.kind == "delay"
                    and proxy._closing.wait(fault.seconds)
                ):
                    self.close_connection = True
                    return
                self._forward(body)

            def _forward(self, body: bytes) -> None:
                conn = http.client.HTTPConnection(*proxy.upstream, timeout=30)
                try:
                    headers = {
                        k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP
                    }
                    conn.request(self.command, self.path, body, headers)
                    response = conn.getresponse()
                    data = response.read()
                    kept = {k: v for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP}
                    self._reply(response.status, kept, data)
                finally:
                    conn.close()

            def _reply(self, status: int, headers: dict[str, str], data: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def finish(self) -> None:
                if not self._was_reset:
                    super().finish()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def plan(self, *faults: Fault | None) -> None:
        """Faults for the next requests, one each, in order (None: forward untouched)."""
        with self._lock:
            self._plan.extend(faults)

    def always(self, fault: Fault | None) -> None:
        """The fault for every request once the plan is used up."""
        with self._lock:
            self._always = fault

    def _next(self) -> Fault | None:
        with self._lock:
            fault = self._plan.popleft() if self._plan else self._always
            self.seen.append("forward" if fault is None else str(fault))
            return fault

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
