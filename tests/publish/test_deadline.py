"""A publish is bounded as a whole, not per socket read: a proxy that answers one byte at a time
cannot keep it past its deadline or past the Lambda invocation, and an answer of any size is
read only as far as a bounded excerpt."""

from __future__ import annotations

import socket
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from types import TracebackType

import pytest

from faas_grip.errors import PublishError
from faas_grip.protocol.formats import WebSocketMessageFormat
from faas_grip.publishing import Publisher, lambda_deadline

MESSAGE = WebSocketMessageFormat("hi")
TRICKLE = 0.1  # seconds between two bytes of a slow answer
TRICKLED_BYTES = 60  # 6 s of trickle: far past every deadline below


class RawServer:
    """Answers each connection with `answer(conn)`, after reading the request's head and body;
    `sent` counts the bytes it managed to send before the client went away."""

    def __init__(self, answer: Callable[[RawServer, socket.socket], None]) -> None:
        self._answer = answer
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._stop = threading.Event()
        self.sent = 0
        self.gave_up = threading.Event()  # the client closed while the answer was under way
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def _serve(self) -> None:
        self._sock.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                head = b""
                while b"\r\n\r\n" not in head:
                    head += conn.recv(65536)
                length = next(
                    int(line.split(b":")[1])
                    for line in head.lower().split(b"\r\n")
                    if line.startswith(b"content-length:")
                )
                body = head.partition(b"\r\n\r\n")[2]
                while len(body) < length:
                    body += conn.recv(65536)
                try:
                    self._answer(self, conn)
                except OSError:
                    self.gave_up.set()

    def send(self, conn: socket.socket, data: bytes) -> None:
        conn.sendall(data)
        self.sent += len(data)

    def trickle(self, conn: socket.socket, data: bytes) -> None:
        for byte in data:
            if self._stop.wait(TRICKLE):
                return
            self.send(conn, bytes([byte]))
        # The client is gone when a write after its close is refused (a reset comes back).
        if not self._stop.is_set():
            self.send(conn, b"")

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._sock.close()


def slow_body(server: RawServer, conn: socket.socket) -> None:
    server.send(conn, f"HTTP/1.1 200 OK\r\nContent-Length: {TRICKLED_BYTES}\r\n\r\n".encode())
    server.trickle(conn, b"x" * TRICKLED_BYTES)


def slow_head(server: RawServer, conn: socket.socket) -> None:
    server.send(conn, b"HTTP/1.1 200 OK\r\n")
    server.trickle(conn, b"X-Slow: " + b"y" * TRICKLED_BYTES + b"\r\nContent-Length: 0\r\n\r\n")


@pytest.fixture(params=[slow_body, slow_head], ids=["body", "headers"])
def slow(request: pytest.FixtureRequest) -> Iterator[RawServer]:
    with RawServer(request.param) as server:
        yield server


class Context:
    """A Lambda context with `millis` left."""

    def __init__(self, millis: int) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


def test_slow_answer_cannot_keep_a_publish_past_its_deadline(slow: RawServer) -> None:
    with (
        Publisher(slow.url, read_timeout=1.0, attempts=1, deadline=0.5) as publisher,
        pytest.raises(PublishError) as caught,
    ):
        publisher.publish("ch", MESSAGE)
    assert isinstance(caught.value.failures[0].exception, Exception)
    assert slow.sent < TRICKLED_BYTES  # it gave up long before the answer ended


def test_slow_answer_cannot_keep_a_publish_past_the_lambda_invocation(slow: RawServer) -> None:
    # deadline=None: only the invocation (0.8 s left, less the reserve kept to answer) bounds it
    with (
        Publisher(slow.url, read_timeout=1.0, attempts=1, deadline=None) as publisher,
        lambda_deadline(Context(800)),
        pytest.raises(PublishError),
    ):
        publisher.publish("ch", MESSAGE)
    assert slow.sent < TRICKLED_BYTES


HUGE = 64 * 1024 * 1024


def huge_answer(status: int) -> Callable[[RawServer, socket.socket], None]:
    def answer(server: RawServer, conn: socket.socket) -> None:
        server.send(conn, f"HTTP/1.1 {status} X\r\nContent-Length: {HUGE}\r\n\r\n".encode())
        block = b"z" * 65536
        for _ in range(HUGE // len(block)):
            server.send(conn, block)

    return answer


@pytest.mark.parametrize("status", [200, 500])
def test_huge_answer_is_not_read_into_memory(status: int) -> None:
    with RawServer(huge_answer(status)) as server, Publisher(server.url, attempts=1) as publisher:
        tracemalloc.start()
        try:
            if status == 200:
                publisher.publish("ch", MESSAGE)
            else:
                with pytest.raises(PublishError) as caught:
                    publisher.publish("ch", MESSAGE)
                assert caught.value.failures[0].body.startswith("zzz")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 4 * 1024 * 1024, f"peak {peak} bytes"
        assert server.gave_up.wait(10)  # the client hung up instead of reading it all
        assert server.sent < HUGE


def test_publish_to_a_proxy_that_closes_after_answering_succeeds() -> None:
    # An HTTP/1.0 endpoint (http.server's default) closes the connection after the answer; the
    # deadline reader must still read the body (it once failed with "Bad file descriptor").
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Http10(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", "10")
            self.end_headers()
            self.wfile.write(b"Published\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Http10)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with Publisher(f"http://127.0.0.1:{server.server_address[1]}", attempts=1) as publisher:
            for _ in range(3):
                publisher.publish("news", MESSAGE)
    finally:
        server.shutdown()
        server.server_close()
