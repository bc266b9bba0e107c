"""A TCP relay to put between a client (a browser) and Pushpin, to drop that client's connections.

    with TcpRelay(pushpin.port) as relay:
        browser.get(relay.url + "/")     # the page and everything it opens go through the relay
        with relay.held():               # new connections wait here, unanswered...
            relay.cut()                  # ...while the open ones are reset
            ...                          # publish what the client will have to catch up on
        # leaving `held()` lets the waiting connections through
        with relay.answering(503):       # or: new requests get this status from the relay itself
            relay.cut()

Only the clients pointed at the relay are affected; Pushpin and its other clients go on.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from http import HTTPStatus
from types import TracebackType


class TcpRelay:
    """Forwards each connection on a free local port to 127.0.0.1:`target_port`."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._passing = threading.Event()
        self._passing.set()
        self._stopped = False
        self._answer: bytes | None = None
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self.connections = 0  # accepted so far (a reconnect shows up here)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> TcpRelay:
        self._thread.start()
        return self

    def cut(self) -> None:
        """Reset every open connection, both ways (the client sees the connection drop)."""
        with self._lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            _reset(sock)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """New connections are accepted but not forwarded until the block ends."""
        self._passing.clear()
        try:
            yield
        finally:
            self._passing.set()

    @contextlib.contextmanager
    def answering(self, status: int) -> Iterator[None]:
        """New connections get an empty `status` response from the relay, as a load balancer in
        front of a proxy that is down would answer; nothing is forwarded until the block ends."""
        reason = HTTPStatus(status).phrase
        self._answer = (
            f"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ).encode()
        try:
            yield
        finally:
            self._answer = None

    def stop(self) -> None:
        self._stopped = True
        self._passing.set()
        self._listener.close()
        self.cut()
        self._thread.join(5)

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        answer = self._answer
        if answer is not None:
            _answer(client, answer)
            return
        self._track(client)
        self._passing.wait()
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
        except OSError:
            _reset(client)
            return
        upstream.settimeout(None)
        if not self._track(upstream) or not self._tracked(client):
            _reset(upstream)
            _reset(client)
            return
        threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()
        _pipe(client, upstream)

    def _track(self, sock: socket.socket) -> bool:
        with self._lock:
            if self._stopped:
                return False
            self._open.add(sock)
            return True

    def _tracked(self, sock: socket.socket) -> bool:
        with self._lock:
            return sock in self._open

    def __enter__(self) -> TcpRelay:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    _reset(sink)
    _reset(source)


def _answer(client: socket.socket, answer: bytes) -> None:
    """Read the request head, send `answer`, close."""
    client.settimeout(10)
    head = b""
    with contextlib.suppress(OSError):
        while b"\r\n\r\n" not in head and (chunk := client.recv(65536)):
            head += chunk
        client.sendall(answer)
    with contextlib.suppress(OSError):
        client.close()


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0): the peer sees an abrupt drop, not a clean end."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)  # wakes the thread blocked reading it; sends nothing
    with contextlib.suppress(OSError):
        sock.close()
