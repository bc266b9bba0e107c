"""Real clients for the e2e tests: plain HTTP, a held HTTP stream, a long-poll in the background."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from urllib.parse import quote, urlsplit

from faas_grip.dev.server import DevServer
from tests.dev.conftest import Reply, send

__all__ = ["HttpStream", "Reply", "long_poll", "publish_via_function", "send"]


def publish_via_function(dev: DevServer, channel: str, text: str, **params: str) -> None:
    """Have the function publish `text` to `channel` (through Pushpin, as any client would)."""
    query = f"channel={quote(channel)}&text={quote(text)}"
    query += "".join(f"&{k}={quote(v)}" for k, v in params.items())
    reply = send(dev.http_url, "GET", f"/publish?{query}")
    assert reply.status == 200, reply.body


class HttpStream:
    """A GET whose body is read as it arrives, by a background thread."""

    def __init__(self, url: str, target: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(url)
        self._conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self._conn.request("GET", target, headers=headers or {})
        self._sock = self._conn.sock
        self.response = self._conn.getresponse()
        self.body = b""
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while chunk := self.response.read1(65536):
                with self._changed:
                    self.body += chunk
                    self._changed.notify_all()
        except (OSError, ValueError, http.client.HTTPException):
            pass

    def wait_for(self, text: bytes, timeout: float = 15) -> bytes:
        """The body received so far, once it contains `text` (or when `timeout` runs out)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while text not in self.body and time.monotonic() < deadline:
                self._changed.wait(deadline - time.monotonic())
            return self.body

    def close(self) -> None:
        # Shut the socket first: it wakes the reader, which holds the response's buffer lock.
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)
        self._conn.close()

    def __enter__(self) -> HttpStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="long-poll")


def long_poll(url: str, target: str) -> Future[Reply]:
    """Start a long-poll request; its Reply arrives when the proxy answers it."""
    return _pool.submit(send, url, "GET", target, (), b"", 60)
