"""Real clients held by Pushpin (see grip_backend.py), returned once their subscription is live.

Pushpin subscribes a WebSocket or a stream a moment after the handshake / first chunk, and on a
busy machine that moment varies: rather than sleep, these helpers publish probe items (with
plain http.client, not the code under test) until the client receives one, then drain late
probes, so a test's own publish can never land before the subscription.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar
from urllib.parse import urlsplit

from websockets.sync.client import ClientConnection, connect

from faas_grip.dev.pushpin import Pushpin

PROBE = "probe"
T = TypeVar("T")


def raw_publish(
    pushpin: Pushpin,
    channel: str,
    formats: dict[str, object],
    fields: dict[str, str] | None = None,
) -> None:
    """Publish one item straight to Pushpin's publish port (`fields`: `id`, `prev-id`, ...)."""
    port = urlsplit(pushpin.control_uri).port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        item = {"channel": channel, "formats": formats, **(fields or {})}
        body = json.dumps({"items": [item]})
        conn.request("POST", "/publish/", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
    finally:
        conn.close()


@contextlib.contextmanager
def websocket_client(
    pushpin: Pushpin, channel: str, timeout: float = 10
) -> Iterator[ClientConnection]:
    """A WebSocket client subscribed to `channel`."""
    with connect(f"{pushpin.ws_url}/ws?channel={channel}") as ws:
        deadline = time.monotonic() + timeout
        while True:
            raw_publish(pushpin, channel, {"ws-message": {"content": PROBE}})
            try:
                ws.recv(timeout=0.1)
                break
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise
        with contextlib.suppress(TimeoutError):
            while True:
                ws.recv(timeout=0.3)
        yield ws


class StreamClient:
    """An HTTP streaming client on a plain socket (timeouts cannot upset a chunked parser).

    `read_until(marker)` returns the raw bytes up to and including `marker` (chunk framing
    included: each published content arrives whole in one chunk).
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def read_until(self, marker: bytes, timeout: float = 10) -> bytes:
        self.sock.settimeout(timeout)
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(f"stream ended before {marker!r}")
            self.buffer += chunk
        data, found, self.buffer = self.buffer.partition(marker)
        return data + found


@contextlib.contextmanager
def stream_client(pushpin: Pushpin, channel: str, timeout: float = 10) -> Iterator[StreamClient]:
    """An HTTP streaming client subscribed to `channel`, past the backend's first chunk.

    A stream the proxy ends before it is subscribed (seen on a loaded machine right after
    Pushpin starts: the first chunk passes, then the connection closes) is opened again.
    """
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.create_connection(("127.0.0.1", pushpin.port), timeout=timeout)
        try:
            client = _subscribed_stream(pushpin, sock, channel, deadline)
        except EOFError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
            continue
        with sock:
            yield client
        return


def _subscribed_stream(
    pushpin: Pushpin, sock: socket.socket, channel: str, deadline: float
) -> StreamClient:
    sock.sendall(f"GET /stream?channel={channel} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
    client = StreamClient(sock)
    client.read_until(b"stream open\n", max(deadline - time.monotonic(), 1))
    while True:
        raw_publish(pushpin, channel, {"http-stream": {"content": PROBE + "\n"}})
        try:
            client.read_until(PROBE.encode() + b"\n", 0.1)
            break
        except TimeoutError:
            if time.monotonic() > deadline:
                raise
    with contextlib.suppress(TimeoutError):
        while True:
            client.read_until(b"\n", 0.3)
    client.buffer = b""
    return client


def publish_until_seen(
    publish: Callable[[], object],
    seen: Callable[[float], bool],
    timeout: float = 15,
    every: float = 0.2,
) -> None:
    """Publish a probe (`publish()`) until `seen(wait)` reports it arrived: for a client held
    through the function under test, whose subscription takes effect a moment after its reply.
    Pushpin delivers one channel's items in order, so anything published afterwards follows
    every probe."""
    deadline = time.monotonic() + timeout
    while True:
        publish()
        if seen(every):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"no probe arrived within {timeout} s")


def publish_until_answered(
    publish: Callable[[], object], answer: Future[T], timeout: float = 20, every: float = 0.25
) -> T:
    """Publish the long-poll's answer until the held request gets it. A publish can land before
    Pushpin subscribes the request, or while it re-requests a fresh long-poll (about a second
    after the channel's first subscriber); repeating it is harmless, since only one reaches the
    request."""
    deadline = time.monotonic() + timeout
    while True:
        publish()
        try:
            return answer.result(timeout=every)
        except FutureTimeout:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the long-poll got no answer within {timeout} s") from None
