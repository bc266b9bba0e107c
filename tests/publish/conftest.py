"""Fixtures for the publishing tests: Pushpin with a GRIP backend behind it."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterator

import pytest

from faas_grip.dev.pushpin import Pushpin
from tests.support.grip_backend import GripBackend


def _wait_for_holds(pushpin: Pushpin, timeout: float = 15) -> None:
    # Pushpin's ports answer before its proxy reaches the handler: a hold made in that moment
    # fails with "500 Accept service unavailable" (seen on a busy machine). Hold a stream
    # until one succeeds.
    deadline = time.monotonic() + timeout
    while True:
        # A short read timeout: a hold that hangs in that moment is tried again, not waited on.
        with socket.create_connection(("127.0.0.1", pushpin.port), timeout=2) as sock:
            sock.sendall(b"GET /stream?channel=warm-up HTTP/1.1\r\nHost: test\r\n\r\n")
            with contextlib.suppress(TimeoutError):
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        if time.monotonic() > deadline:
            raise TimeoutError(f"Pushpin held no request within {timeout}s: {pushpin.tail_log()}")
        time.sleep(0.05)


@pytest.fixture
def pushpin(pushpin_factory: Callable[..., Pushpin]) -> Iterator[Pushpin]:
    """A Pushpin whose backend holds each client on the channel named in `?channel=`."""
    with GripBackend() as backend:
        instance = pushpin_factory(routes=[backend.route])
        _wait_for_holds(instance)
        yield instance
