"""A local `@connections` Management API whose connections can be made gone or failing.

moto's apigatewaymanagementapi never answers 410 Gone nor fails; the fan-out's handling of both
is tested against this one (MiniStack's real one is used end to end in tests/ministack):

    with ManagementApi(gone={"c2"}, failing={"c3"}) as api:
        ...  # GRIP_WS_ENDPOINT=api.endpoint
        api.posts  # [(connection id, data), ...] in arrival order

POST answers 200 (recorded), 410 GoneException for `gone`, 500 for `failing`; DELETE answers 204
and makes the connection gone.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import unquote


class ManagementApi:
    def __init__(self, *, gone: set[str] | None = None, failing: set[str] | None = None) -> None:
        self.gone = set(gone or ())
        self.failing = set(failing or ())
        self.posts: list[tuple[str, bytes]] = []
        self.deleted: list[str] = []
        lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _answer(self, status: int, error: str | None = None) -> None:
                body = json.dumps({"message": error}).encode() if error else b""
                self.send_response(status)
                if error:
                    self.send_header("x-amzn-ErrorType", error)
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _connection(self) -> str:
                return unquote(self.path.rsplit("/@connections/", 1)[-1])

            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                connection = self._connection()
                with lock:
                    if connection in api.gone:
                        status, error = 410, "GoneException"
                    elif connection in api.failing:
                        status, error = 500, "InternalServerErrorException"
                    else:
                        api.posts.append((connection, data))
                        status, error = 200, None
                self._answer(status, error)

            def do_DELETE(self) -> None:
                connection = self._connection()
                with lock:
                    if connection in api.gone:
                        status, error = 410, "GoneException"
                    else:
                        api.deleted.append(connection)
                        api.gone.add(connection)
                        status, error = 204, None
                self._answer(status, error)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/prod"

    def received(self, connection: str) -> list[bytes]:
        return [data for c, data in self.posts if c == connection]

    def __enter__(self) -> ManagementApi:
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
