"""A local GRIP publish endpoint that checks auth the way a hosted proxy does, and records items.

Pushpin itself checks no auth on its publish port, so auth is tested here:

    with PublishServer(auth=Jwt("realm", b"secret")) as server:
        Publisher(f"{server.url}?iss=realm&key=secret").publish(...)
        server.items  # every item accepted, in order

`auth` is None (accept anything), `Jwt(iss, key)` (HS256 token with that iss, a valid signature
and an unexpired exp), `Bearer(token)` or `Basic(user, password)`. A request that fails the
check gets 401 with the reason; one to another path than `path` gets 404.
"""

from __future__ import annotations

import base64
import json
import threading
import warnings
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import jwt


@dataclass(frozen=True)
class Jwt:
    iss: str
    key: bytes | str


@dataclass(frozen=True)
class Bearer:
    token: str


@dataclass(frozen=True)
class Basic:
    user: str
    password: str


Auth = Jwt | Bearer | Basic


@dataclass
class Received:
    """One request the server answered."""

    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int
    status: int
    items: list[dict[str, Any]] = field(default_factory=list)


def check_auth(auth: Auth | None, header: str | None) -> str | None:
    """None when `header` satisfies `auth`, else the reason it does not."""
    if auth is None:
        return None
    if not header:
        return "no Authorization header"
    scheme, _, value = header.partition(" ")
    if isinstance(auth, Basic):
        if scheme != "Basic":
            return f"expected Basic, got {scheme}"
        try:
            user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except ValueError:
            return "Basic credentials are not base64 of UTF-8"
        return None if (user, password) == (auth.user, auth.password) else "wrong credentials"
    if scheme != "Bearer":
        return f"expected Bearer, got {scheme}"
    if isinstance(auth, Bearer):
        return None if value == auth.token else "wrong token"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)  # tests use short keys
            jwt.decode(
                value,
                auth.key,
                algorithms=["HS256"],
                issuer=auth.iss,
                options={"require": ["exp", "iss"]},
            )
    except jwt.PyJWTError as exc:
        return f"bad token: {exc}"
    return None


class PublishServer:
    """A threaded HTTP/1.1 publish endpoint (keep-alive) on a free port."""

    def __init__(self, auth: Auth | None = None, path: str = "/publish/") -> None:
        self.auth = auth
        self.path = path
        self.received: list[Received] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, reason, items = server._judge(
                    self.path, self.headers.get("Authorization"), body
                )
                with server._lock:
                    server.received.append(
                        Received(
                            self.path,
                            dict(self.headers.items()),
                            body,
                            self.client_address[1],
                            status,
                            items,
                        )
                    )
                data = reason.encode() + b"\n"
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def _judge(
        self, target: str, authorization: str | None, body: bytes
    ) -> tuple[int, str, list[dict[str, Any]]]:
        if urlsplit(target).path != self.path:
            return 404, f"no publish endpoint at {target}", []
        problem = check_auth(self.auth, authorization)
        if problem is not None:
            return 401, problem, []
        try:
            items = json.loads(body)["items"]
        except (ValueError, KeyError, TypeError):
            return 400, 'body is not {"items": [...]}', []
        return 200, "Published", items

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def items(self) -> list[dict[str, Any]]:
        """Every item accepted (status 200), in the order received."""
        with self._lock:
            return [item for r in self.received if r.status == 200 for item in r.items]

    def __enter__(self) -> PublishServer:
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
