"""A minimal GRIP backend for Pushpin: it holds every client on the channel named in the query.

    GET /stream?channel=C   HTTP streaming (Grip-Hold: stream), first chunk "stream open\\n"
    GET /poll?channel=C     long-polling (Grip-Hold: response), "timeout\\n" when nothing came
    POST (WebSocket-over-HTTP, any path) ?channel=C   accept and subscribe to C

Anything else answers 200 with no GRIP headers (Pushpin's readiness probe hits that).
Route Pushpin to it with `backend.route`.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from faas_grip.protocol.events import CONTENT_TYPE, decode_events
from faas_grip.protocol.instruct import GripInstruct
from faas_grip.protocol.websocket import WebSocketContext


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _channel(self) -> str:
        query = parse_qs(urlsplit(self.path).query)
        return query.get("channel", ["test"])[0]

    def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        instruct = GripInstruct(self._channel())
        if path == "/stream":
            instruct.set_hold_stream()
            self._answer(200, instruct.to_headers(), b"stream open\n")
        elif path == "/poll":
            instruct.set_hold_longpoll(timeout=55)
            self._answer(200, instruct.to_headers(), b"timeout\n")
        else:
            self._answer(200, {"Content-Type": "text/plain"}, b"ok\n")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Type") != CONTENT_TYPE:
            self._answer(400, {"Content-Type": "text/plain"}, b"not websocket-events\n")
            return
        ws = WebSocketContext(self.headers["Connection-Id"], events=decode_events(body))
        if ws.is_opening():
            ws.accept()
            ws.subscribe(self._channel())
        self._answer(ws.status(), ws.to_headers(), ws.encode())


class GripBackend:
    """`with GripBackend() as backend: Pushpin(routes=[backend.route])`."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def route(self) -> str:
        """A Pushpin routes line sending everything here (WebSockets as WebSocket-over-HTTP)."""
        return f"* 127.0.0.1:{self.port},over_http"

    def __enter__(self) -> GripBackend:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
