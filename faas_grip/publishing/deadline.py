"""A requests adapter whose answers cannot outlive the publish deadline.

Socket timeouts bound each read, not the whole answer: a proxy that sends one byte every few
seconds (headers or body) would keep a publish busy for as long as it likes. Answers read through
this adapter set each read's timeout to what is left until the attempt's deadline, so the
attempt as a whole ends by then. Loaded with requests, on the first publish.
"""

from __future__ import annotations

import http.client
import io
import socket
import time
from contextvars import ContextVar
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

# time.monotonic() by which the answer being read must be complete; set around each attempt.
attempt_deadline: ContextVar[float | None] = ContextVar("faas_grip_attempt", default=None)


class _DeadlineReader(io.RawIOBase):
    """Reads a socket, each read allowed at most the time left until `deadline`.

    It reads through the socket's own `makefile` object, which holds a reference on the socket:
    a connection closed while its answer is still being read (an HTTP/1.0 proxy, `Connection:
    close`) keeps its descriptor open until this reader is closed, as http.client expects.
    """

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)
        self._deadline = deadline
        self._timeout = sock.gettimeout()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the publish deadline passed while the proxy was answering")
        timeout = self._timeout
        self._sock.settimeout(left if timeout is None else min(timeout, left))
        try:
            read: int | None = self._raw.readinto(buffer)
            return 0 if read is None else read
        finally:
            self._sock.settimeout(timeout)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineSocket:
    """What http.client.HTTPResponse takes from its socket: only `makefile`."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str, *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
        deadline = attempt_deadline.get()
        super().__init__(
            sock if deadline is None else _DeadlineSocket(sock, deadline),  # type: ignore[arg-type]
            *args,
            **kwargs,
        )


class _HTTPConnection(HTTPConnection):
    response_class = _DeadlineResponse


class _HTTPSConnection(HTTPSConnection):
    response_class = _DeadlineResponse


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """HTTPAdapter whose connections read answers within `attempt_deadline`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        # An HTTP(S) proxy uses the usual pools; a SOCKS proxy its own (left as they are).
        if manager.pool_classes_by_scheme.get("http") is HTTPConnectionPool:
            manager.pool_classes_by_scheme = _POOLS
        return manager
