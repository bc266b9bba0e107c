"""Run Debian's Pushpin as a plain local process with its own configuration.

Every instance gets its own folder and free ports, so tests and `faas-grip dev` can run several
side by side and leave nothing behind.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import http.client
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

from faas_grip.dev.processes import spawn, stop_group, wait_ready

# Pushpin is ready when a request to this path comes back through it (see _http_answers).
READY_PATH = "/__faas_grip_ready__"
INSTALL_HINT = (
    "install Debian's package: sudo apt-get install pushpin (or run scripts/install-system)"
)


class PushpinError(RuntimeError):
    """Pushpin is missing, or did not start."""


_given: collections.deque[int] = collections.deque(maxlen=256)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, and that this process was
    not given recently (the kernel may hand the same free port out twice in a row)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _given:
            _given.append(port)
            return port


def _config(
    rundir: Path,
    port: int,
    ports: dict[str, int],
    sig_iss: str,
    sig_key: str,
    message_wait_ms: int,
    log_level: int,
) -> str:
    return f"""\
[global]
include={{libdir}}/internal.conf
rundir={rundir}/run
ipc_prefix=pushpin-
port_offset=0

[runner]
# Debian's default leaves zurl out (it expects a system zurl daemon): run our own.
services=condure,zurl,pushpin-proxy,pushpin-handler
http_port=127.0.0.1:{port}
logdir={rundir}/log
log_level={log_level}
# the default 8192 stalls server-to-client WebSocket messages over ~16 KiB
client_buffer_size=65536
client_maxconn=50000

[proxy]
routesfile=routes
zurl_out_specs=ipc://{{rundir}}/{{ipc_prefix}}zurl-in
zurl_out_stream_specs=ipc://{{rundir}}/{{ipc_prefix}}zurl-in-stream
zurl_in_specs=ipc://{{rundir}}/{{ipc_prefix}}zurl-out
sig_iss={sig_iss}
sig_key={sig_key}
updates_check=off

[handler]
# ZeroMQ endpoints on Unix sockets in the run folder: only the HTTP publish API needs a port
push_in_spec=ipc://{{rundir}}/{{ipc_prefix}}push-in
push_in_sub_specs=ipc://{{rundir}}/{{ipc_prefix}}push-in-sub
push_in_http_addr=127.0.0.1
push_in_http_port={ports["publish"]}
command_spec=ipc://{{rundir}}/{{ipc_prefix}}command
message_wait={message_wait_ms}
"""


_INTERNAL_PORTS = ("publish",)
_START_TRIES = 3
_PUBLISH_GRACE = 5.0  # seconds


class _PortSilent(PushpinError):
    """Pushpin runs but does not answer on one of its ports."""


class Pushpin:
    """One Pushpin instance: `with Pushpin(routes) as p: ...` starts it and stops it.

    `routes` are lines of Pushpin's routes file, e.g. `* 127.0.0.1:8080,over_http`.
    """

    def __init__(
        self,
        routes: Sequence[str] = ("* 127.0.0.1:8080,over_http",),
        *,
        port: int | None = None,
        sig_iss: str = "pushpin",
        sig_key: str = "changeme",
        message_wait_ms: int = 5000,
        log_level: int = 2,
        workdir: str | os.PathLike[str] | None = None,
    ) -> None:
        for value, what in ((sig_iss, "sig_iss"), (sig_key, "sig_key")):
            if not value or any(c in value for c in "\r\n,\t "):
                raise ValueError(f"{what} must be a non-empty single word, got {value!r}")
        self.routes = list(routes)
        self._own_port = port is None
        self.port = port or free_port()
        self.ports = {name: free_port() for name in _INTERNAL_PORTS}
        self.sig_iss = sig_iss
        self.sig_key = sig_key
        self.message_wait_ms = message_wait_ms
        self.log_level = log_level
        self._own_dir = workdir is None
        self._dir = Path(workdir) if workdir is not None else None
        self._process: subprocess.Popen[bytes] | None = None

    # -- addresses -----------------------------------------------------------------------------

    @property
    def http_url(self) -> str:
        """Where clients connect (HTTP)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """Where clients connect (WebSocket)."""
        return f"ws://127.0.0.1:{self.port}"

    @property
    def control_uri(self) -> str:
        """The publish API's base URI (items go to `{control_uri}/publish/`)."""
        return f"http://127.0.0.1:{self.ports['publish']}"

    @property
    def grip_url(self) -> str:
        """A GRIP_URL for this instance: publish here, verify Grip-Sig with its key and issuer."""
        iss, key = quote(self.sig_iss, safe=""), quote(self.sig_key, safe="")
        return f"{self.control_uri}?iss={iss}&key={key}&verify-iss={iss}"

    @property
    def dir(self) -> Path:
        """The working folder: `workdir`, or a temporary one made on first use."""
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="faas-grip-pushpin-"))
        return self._dir

    @property
    def log_dir(self) -> Path:
        return self.dir / "log"

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self, timeout: float = 15.0) -> Pushpin:
        """Start Pushpin and wait until it serves clients and publishes.

        A port picked free can be taken by another socket before Pushpin binds it (its
        services then start without answering there): the start is tried again, up to twice,
        on fresh ports. Ports given to the constructor are kept.
        """
        if self.running:  # a second process would orphan the first
            raise PushpinError("this Pushpin is already running; stop() it first")
        for _ in range(_START_TRIES - 1):
            try:
                return self._start(timeout)
            except _PortSilent:
                self.ports = {name: free_port() for name in _INTERNAL_PORTS}
                if self._own_port:
                    self.port = free_port()
        return self._start(timeout)  # the last try: its error is the caller's

    def _start(self, timeout: float) -> Pushpin:
        binary = shutil.which("pushpin")
        if binary is None:
            raise PushpinError(f"pushpin is not installed: {INSTALL_HINT}")
        (self.dir / "run").mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "routes").write_text("\n".join(self.routes) + "\n")
        conf = self.dir / "pushpin.conf"
        conf.write_text(
            _config(
                self.dir,
                self.port,
                self.ports,
                self.sig_iss,
                self.sig_key,
                self.message_wait_ms,
                self.log_level,
            )
        )
        self._process = spawn(
            [binary, "--config", str(conf)], cwd=self.dir, log=self.log_dir / "runner.out"
        )
        try:
            self._wait_ready(self._process, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, process: subprocess.Popen[bytes], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for name, port in (("client", self.port), ("publish", self.ports["publish"])):
            wait_ready(
                process,
                functools.partial(_http_answers, port),
                timeout=deadline - time.monotonic(),
                exited=lambda code: PushpinError(f"pushpin exited with {code}: {self.tail_log()}"),
                late=functools.partial(self._silent, name, port),
            )
            # Pushpin's services start together: once clients are served, a publish port
            # still silent after a few seconds is one another socket took.
            deadline = min(deadline, time.monotonic() + _PUBLISH_GRACE)

    def _silent(self, name: str, port: int) -> _PortSilent:
        return _PortSilent(
            f"pushpin's {name} port {port} did not answer in time: {self.tail_log()}"
        )

    def tail_log(self, lines: int = 20) -> str:
        """The last lines of Pushpin's logs ("" once a temporary folder is removed)."""
        if self._dir is None:
            return ""
        out: list[str] = []
        for path in sorted((self._dir / "log").glob("*")):
            with contextlib.suppress(OSError):
                out.extend(
                    f"{path.name}: {line}"
                    for line in path.read_text(errors="replace").splitlines()[-lines:]
                )
        return "\n".join(out[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        stop_group(process, timeout)  # the runner and every service it started
        if self._own_dir and self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def restart(self, timeout: float = 15.0) -> None:
        """Stop and start again on the same ports (keeps the working folder)."""
        own, self._own_dir = self._own_dir, False
        self.stop()
        self._own_dir = own
        self.start(timeout)

    @property
    def owns_dir(self) -> bool:
        """True when `dir` is a temporary folder this instance made (removed on stop)."""
        return self._own_dir

    @property
    def pid(self) -> int | None:
        """The runner's process id, also its process group (every Pushpin process is in it)."""
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> Pushpin:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _http_answers(port: int) -> bool:
    """True once Pushpin answers on `port`, and not with "... service unavailable".

    Pushpin's proxy takes requests before it can hand held ones to its handler; until it can,
    a held response becomes a 500 "Accept service unavailable". A backend that holds READY_PATH
    (the local gateway does) thus shows when both are ready.
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        conn.request("GET", READY_PATH)
        response = conn.getresponse()
        if response.status == 200:
            return True  # not read: the body of a held stream never ends
        return b"service unavailable" not in response.read().lower()
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()
