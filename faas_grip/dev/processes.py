"""Start, wait for and stop the local loop's helper processes (Pushpin, MiniStack, app servers).

Each runs in its own session, so its process group holds everything it forks: `stop_group`
reaches all of it, and Ctrl-C in a terminal reaches only the parent, which stops them in order.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


def spawn(
    command: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    log: str | os.PathLike[str] | None = None,
    pass_fds: Sequence[int] = (),
) -> subprocess.Popen[bytes]:
    """Start `command` in its own session, stdin from /dev/null, its output appended to `log`
    (or, without one, to this process's)."""
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(Path(log).open("ab")) if log is not None else None
        return subprocess.Popen(
            list(command),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT if out is not None else None,
            pass_fds=pass_fds,
            start_new_session=True,
        )


def wait_ready(
    process: subprocess.Popen[bytes],
    ready: Callable[[], bool],
    *,
    timeout: float,
    exited: Callable[[int], Exception],
    late: Callable[[], Exception],
    interval: float = 0.05,
) -> None:
    """Poll `ready()` until it is true. Raises `exited(returncode)` if the process ends first,
    `late()` once `timeout` seconds have passed (`ready` is asked at least once)."""
    deadline = time.monotonic() + timeout
    while True:
        code = process.poll()
        if code is not None:
            raise exited(code)
        if ready():
            return
        if time.monotonic() > deadline:
            raise late()
        time.sleep(interval)


def port_answers(port: int, timeout: float = 0.2) -> bool:
    """True if something accepts TCP connections on 127.0.0.1:`port`."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout):
        return True
    return False


def stop_group(process: subprocess.Popen[bytes] | None, timeout: float = 10.0) -> None:
    """Stop a process started by `spawn` and everything in its group: SIGTERM, up to `timeout`
    seconds to exit, then SIGKILL; children that outlive their leader are killed too."""
    if process is None:
        return
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout)
    # The leader's children share its group and may outlive it by a moment.
    _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)
