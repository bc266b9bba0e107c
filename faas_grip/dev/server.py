"""The local loop as a Python API: `Gateway` (the function behind a local API Gateway) and
`DevServer` (Pushpin in front of it, wired together as `faas-grip dev` runs them).

    with DevServer("app.handler", code_dir="examples/chat") as dev:
        print(dev.ws_url, dev.http_url)   # where clients connect (Pushpin)

Tests, the demo and the benchmarks use it; everything it starts stops on exit.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from faas_grip.dev.doors import DOORS
from faas_grip.dev.history import LocalHistory
from faas_grip.dev.ministack import MiniStack
from faas_grip.dev.processes import spawn
from faas_grip.dev.pushpin import Pushpin

RUNTIMES = ("inprocess", "ric")
# Inherited settings that would point a local run at production, or make it refuse Pushpin.
_GRIP_VARIABLES = (
    "GRIP_URL",
    "GRIP_PROXIES",
    "GRIP_VERIFY_KEY",
    "GRIP_URL_SECRET",
    "GRIP_URL_PARAMETER",
)


class GatewayError(RuntimeError):
    """The gateway process did not start."""


class HandlerError(GatewayError):
    """The handler cannot be loaded at start (no such module or function, or its import fails).

    `error` is the init error Lambda would report (`errorType`, `errorMessage`, `stackTrace`).
    """

    def __init__(self, handler: str, code_dir: Path, error: Mapping[str, Any]) -> None:
        self.error = dict(error)
        super().__init__(
            f"cannot load handler {handler} from {code_dir}: "
            f"{error.get('errorType')}: {error.get('errorMessage')}"
        )


class Gateway:
    """The function behind a local API Gateway, in its own process.

    `env` is added to this process's environment for the function, together with the variables
    Lambda sets (AWS_LAMBDA_FUNCTION_NAME, _HANDLER, ...). `log` receives the gateway's access lines
    and the function's output (default: this process's stdout/stderr).
    """

    def __init__(
        self,
        handler: str,
        *,
        code_dir: str | os.PathLike[str] = ".",
        api: str = "rest",
        runtime: str = "inprocess",
        env: Mapping[str, str] | None = None,
        binary_media_types: Iterable[str] | None = None,
        timeout: float = 30.0,
        port: int | None = None,
        log: str | os.PathLike[str] | None = None,
        integration_timeout: float | None = None,
        check_handler: bool = True,
    ) -> None:
        if api not in DOORS:
            raise ValueError(f"api must be one of {', '.join(DOORS)}, not {api!r}")
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
        module, _, function = handler.rpartition(".")
        if not module or not function:
            raise ValueError(f"handler {handler!r} must be module.function, e.g. app.handler")
        self.code_dir = Path(code_dir).resolve()
        if not self.code_dir.is_dir():
            raise ValueError(f"code folder {self.code_dir} does not exist")
        self.handler = handler
        self.api = api
        self.runtime = runtime
        self.env = dict(env or {})
        self.binary_media_types = None if binary_media_types is None else list(binary_media_types)
        self.timeout = timeout
        self.integration_timeout = integration_timeout
        self.check_handler = check_handler
        self.log = log
        # Bound now, so the port is known (and Pushpin can be routed to it) before the child runs.
        self._listener = socket.create_server(("127.0.0.1", port or 0), backlog=128)
        self.port: int = self._listener.getsockname()[1]
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None

    @property
    def url(self) -> str:
        """The gateway's own address (requests here bypass Pushpin)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def function_environment(self) -> dict[str, str]:
        """The environment the function runs with."""
        env = {k: v for k, v in os.environ.items() if k not in _GRIP_VARIABLES}
        env.setdefault("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1"))
        env.setdefault("AWS_LAMBDA_FUNCTION_NAME", self.code_dir.name or "function")
        env.update(self.env)
        return env

    def start(self, timeout: float = 30.0) -> Gateway:
        ours, theirs = socket.socketpair()
        command = [
            sys.executable,
            "-m",
            "faas_grip.dev.gateway",
            self.handler,
            "--code-dir",
            str(self.code_dir),
            "--api",
            self.api,
            "--runtime",
            self.runtime,
            "--timeout",
            str(self.timeout),
            "--listen-fd",
            str(self._listener.fileno()),
            "--control-fd",
            str(theirs.fileno()),
        ]
        if self.binary_media_types is not None:
            command += ["--binary-media-types", json.dumps(self.binary_media_types)]
        if self.integration_timeout is not None:
            command += ["--integration-timeout", str(self.integration_timeout)]
        if not self.check_handler:
            command.append("--allow-broken-handler")
        self._process = spawn(
            command,
            env=self.function_environment(),
            log=self.log,
            pass_fds=(self._listener.fileno(), theirs.fileno()),
        )
        theirs.close()
        self._control = ours
        try:
            self._wait_ready(ours, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, control: socket.socket, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        data = b""
        while True:
            line, newline, _ = data.partition(b"\n")
            if newline and line.startswith(b"init-error "):
                raise HandlerError(self.handler, self.code_dir, json.loads(line[11:]))
            if newline and line == b"ready":
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise GatewayError(f"the gateway did not start within {timeout}s")
            readable, _, _ = select.select([control], [], [], min(remaining, 0.2))
            if readable:
                chunk = control.recv(65536)
                if not chunk:
                    code = self._process.wait() if self._process else None
                    raise GatewayError(
                        f"the gateway exited with status {code} before it was ready "
                        f"(see its output{' in ' + str(self.log) if self.log else ' above'})"
                    )
                data += chunk

    def reap_on_orphan(self, pushpin: Pushpin | MiniStack) -> None:
        """Have the gateway stop this Pushpin (or MiniStack) if this process dies without
        stopping it."""
        if self._control is not None and pushpin.pid is not None:
            folder = f" {pushpin.dir}" if pushpin.owns_dir else ""
            self._control.sendall(f"reap {pushpin.pid}{folder}\n".encode())

    def stop(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        control, self._control = self._control, None
        if control is not None:
            with contextlib.suppress(OSError):
                control.sendall(b"stop\n")
            control.close()
        if process is not None:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._listener.close()

    def __enter__(self) -> Gateway:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class DevServer:
    """Pushpin in front of the local gateway, as `faas-grip dev` runs them.

    The function gets GRIP_URL for the Pushpin instance (publish there, verify its Grip-Sig with a
    key generated for this run). With `proxies=2` or more, several Pushpin instances share the
    gateway and the key, and the function gets GRIP_PROXIES listing them all. Values in `env` win
    over those. `pushpin_options` go to each `Pushpin(...)` (e.g. `message_wait_ms`).
    `history` ("memory" or "dynamodb") gives the function a channel history store (see
    faas_grip.dev.history); with "dynamodb", MiniStack runs beside it.
    """

    def __init__(
        self,
        handler: str,
        *,
        code_dir: str | os.PathLike[str] = ".",
        api: str = "rest",
        runtime: str = "inprocess",
        port: int | None = None,
        env: Mapping[str, str] | None = None,
        binary_media_types: Iterable[str] | None = None,
        timeout: float = 30.0,
        proxies: int = 1,
        pushpin_options: Mapping[str, Any] | None = None,
        log: str | os.PathLike[str] | None = None,
        integration_timeout: float | None = None,
        check_handler: bool = True,
        history: str | None = None,
    ) -> None:
        if proxies < 1:
            raise ValueError("proxies must be at least 1")
        self.history = None if history is None else LocalHistory(history)
        self.sig_iss = "pushpin"
        self.sig_key = secrets.token_urlsafe(32)
        self._gateway_options: dict[str, Any] = {
            "code_dir": code_dir,
            "api": api,
            "runtime": runtime,
            "binary_media_types": binary_media_types,
            "timeout": timeout,
            "log": log,
            "integration_timeout": integration_timeout,
            "check_handler": check_handler,
        }
        self.handler = handler
        self._extra_env = dict(env or {})
        self._pushpin_options = dict(pushpin_options or {})
        self._port = port
        self._proxies = proxies
        self.pushpins: list[Pushpin] = []
        self.gateway: Gateway | None = None
        self.env: dict[str, str] = {}

    # -- addresses -----------------------------------------------------------------------------

    @property
    def pushpin(self) -> Pushpin:
        """The (first) Pushpin instance."""
        if not self.pushpins:
            raise RuntimeError("the DevServer is not started")
        return self.pushpins[0]

    @property
    def http_url(self) -> str:
        """Where HTTP clients connect (Pushpin)."""
        return self.pushpin.http_url

    @property
    def ws_url(self) -> str:
        """Where WebSocket clients connect (Pushpin)."""
        return self.pushpin.ws_url

    @property
    def gateway_url(self) -> str:
        """The gateway itself: requests here bypass Pushpin (and carry no Grip-Sig)."""
        if self.gateway is None:
            raise RuntimeError("the DevServer is not started")
        return self.gateway.url

    @property
    def grip_url(self) -> str:
        """The GRIP_URL of the (first) Pushpin instance."""
        return self.pushpin.grip_url

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> DevServer:
        self.pushpins = [
            Pushpin(
                (),
                port=self._port if index == 0 else None,
                sig_iss=self.sig_iss,
                sig_key=self.sig_key,
                **self._pushpin_options,
            )
            for index in range(self._proxies)
        ]
        if len(self.pushpins) == 1:
            self.env = {"GRIP_URL": self.pushpin.grip_url}
        else:
            self.env = {"GRIP_PROXIES": json.dumps([p.grip_url for p in self.pushpins])}
        try:
            if self.history is not None:
                self.env.update(self.history.start())
            self.env.update(self._extra_env)
            gateway = self.gateway = Gateway(self.handler, env=self.env, **self._gateway_options)
            gateway.start()  # first: Pushpin's readiness probe goes through it
            if self.history is not None and self.history.ministack is not None:
                gateway.reap_on_orphan(self.history.ministack)
            for pushpin in self.pushpins:
                pushpin.routes = [f"* 127.0.0.1:{gateway.port},over_http"]
                pushpin.start()
                gateway.reap_on_orphan(pushpin)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.gateway is not None:
            self.gateway.stop()
        for pushpin in self.pushpins:
            pushpin.stop()
        if self.history is not None:
            self.history.stop()

    def restart_pushpin(self, index: int = 0) -> None:
        """Stop one Pushpin instance and start it again on the same ports, as a proxy restart
        or deployment would: its clients are cut off and reconnect."""
        pushpin = self.pushpins[index]
        pushpin.restart()
        if self.gateway is not None:
            self.gateway.reap_on_orphan(pushpin)

    def __enter__(self) -> DevServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
