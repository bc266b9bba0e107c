"""The platform adapters behind real Pushpin: each test module starts its platform's own server
(uvicorn, functions-framework, Flask's server, the Azure host stand-in) once, in its own
process, with one Pushpin in front; `chat_checks` drives the chat port with real clients.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import pytest

from faas_grip import dispatch
from faas_grip.dev.processes import port_answers, stop_group, wait_ready
from faas_grip.dev.pushpin import Pushpin, free_port
from faas_grip.settings import ENVIRONMENT
from tests.e2e.conftest import EXAMPLES, require_pushpin

__all__ = ["EXAMPLES", "KEY", "behind_pushpin", "require_pushpin"]

KEY = "a-long-enough-secret-for-hs256-keys"  # Pushpin signs with it; the servers verify it


@contextlib.contextmanager
def behind_pushpin(command: Sequence[str], cwd: Path, timeout: float = 30) -> Iterator[Pushpin]:
    """Pushpin in front of `command` (a server; `{port}` in it is replaced by its port).

    The server gets GRIP_URL for this Pushpin (publish there, verify its Grip-Sig) and nothing
    else of this process's GRIP configuration. Both stop on exit.
    """
    require_pushpin()
    port = free_port()
    pushpin = Pushpin([f"* 127.0.0.1:{port},over_http"], sig_key=KEY)
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT}
    with pushpin, tempfile.TemporaryFile() as log:
        env["GRIP_URL"] = pushpin.grip_url
        args = [part.replace("{port}", str(port)) for part in command]
        process = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_ready(
                process,
                lambda: port_answers(port),
                timeout=timeout,
                exited=lambda code: AssertionError(f"the server exited with {code}:\n{_read(log)}"),
                late=lambda: AssertionError(f"the server did not listen on {port}:\n{_read(log)}"),
            )
            _wait_for_holds(pushpin, timeout)
            yield pushpin
        finally:
            pushpin.stop()  # first: its connections to the server close, so it stops at once
            stop_group(process)


def _wait_for_holds(pushpin: Pushpin, timeout: float) -> None:
    """Until Pushpin holds the chat's /stream: its ports answer a moment before its proxy
    reaches its handler, and a hold made in that moment fails with a 500."""
    deadline = time.monotonic() + timeout
    while True:
        with socket.create_connection(("127.0.0.1", pushpin.port), timeout=timeout) as sock:
            sock.sendall(b"GET /stream HTTP/1.1\r\nHost: test\r\n\r\n")
            if sock.recv(64).startswith(b"HTTP/1.1 200"):
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"Pushpin held no stream within {timeout}s: {pushpin.tail_log()}")
        time.sleep(0.05)


def _read(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode("utf-8", "replace")[-4000:]


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatch, "_warned_no_key", True)  # tests without a key, on purpose
