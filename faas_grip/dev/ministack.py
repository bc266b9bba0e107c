"""Run MiniStack (PyPI `ministack`, a local AWS emulator) as a plain local process.

`make ministack` installs it in its own virtualenv, `.tools/ministack` (it pins botocore
exactly). `faas-grip dev --history dynamodb`, `make aws-local` and the tests start it here.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from faas_grip.dev.processes import spawn, stop_group, wait_ready
from faas_grip.dev.pushpin import free_port

REGION = "us-east-1"
INSTALL_HINT = "run `make ministack` (it creates .tools/ministack and .tools/lambda-runtime)"
_RELATIVE_BIN = Path(".tools") / "ministack" / "bin" / "ministack"
# The checkout faas-grip is installed from (`pip install -e .`), if it is one.
_CHECKOUT = Path(__file__).resolve().parents[2]


class MiniStackError(RuntimeError):
    """MiniStack is missing or did not start."""


def find_ministack() -> Path | None:
    """The `ministack` program: .tools/ministack of the current folder or of faas-grip's own
    checkout (what `make ministack` makes), else one on PATH."""
    for folder in (Path.cwd(), _CHECKOUT):
        candidate = folder / _RELATIVE_BIN
        if candidate.exists():
            return candidate
    found = shutil.which("ministack")
    return Path(found) if found else None


class MiniStack:
    """One MiniStack process on a free loopback port: `with MiniStack() as ms: ms.client("lambda")`.

    It runs in its own process group with TMPDIR pointing into its own folder, so stopping it
    also ends the warm worker process it spawns per function and removes their extracted code.
    """

    def __init__(self, binary: str | os.PathLike[str] | None = None) -> None:
        self.binary = Path(binary) if binary is not None else find_ministack()
        self.port = free_port()
        self.dir: Path | None = None  # its own temporary folder, made by start()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> MiniStack:
        if self.binary is None or not self.binary.exists():
            where = f" at {self.binary}" if self.binary is not None else ""
            raise MiniStackError(f"MiniStack is not installed{where}: {INSTALL_HINT}")
        self.dir = Path(tempfile.mkdtemp(prefix="faas-grip-ministack-"))
        # A clean environment: the functions inherit MiniStack's, and must not see this one's
        # AWS credentials, virtualenv or PYTHONPATH.
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.dir),
            "LANG": "C.UTF-8",
            "TMPDIR": str(self.dir),
            "BIND_HOST": "127.0.0.1",
            "GATEWAY_PORT": str(self.port),
            "MINISTACK_REGION": REGION,
            "LOG_LEVEL": "WARNING",
        }
        self._process = spawn(
            [str(self.binary)], cwd=self.dir, env=env, log=self.dir / "ministack.log"
        )
        try:
            wait_ready(
                self._process,
                self._healthy,
                timeout=timeout,
                exited=lambda code: MiniStackError(
                    f"MiniStack exited with {code}: {self.tail_log()}"
                ),
                late=lambda: MiniStackError(
                    f"MiniStack did not answer in {timeout}s: {self.tail_log()}"
                ),
                interval=0.1,
            )
        except BaseException:
            self.stop()
            raise
        return self

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.endpoint}/_ministack/health", timeout=2):
                return True
        except OSError:
            return False

    def tail_log(self, lines: int = 30) -> str:
        if self.dir is None:
            return ""
        with contextlib.suppress(OSError):
            text = (self.dir / "ministack.log").read_text(errors="replace")
            return "\n".join(text.splitlines()[-lines:])
        return ""

    def client_options(self) -> dict[str, str]:
        """boto3 client arguments for this MiniStack (dummy credentials)."""
        return {
            "endpoint_url": self.endpoint,
            "region_name": REGION,
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        }

    def client(self, service: str) -> Any:
        import boto3  # type: ignore[import-untyped]

        return boto3.client(service, **self.client_options())

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The process id, also its process group (its workers are in it)."""
        return self._process.pid if self._process is not None else None

    owns_dir = True  # its folder is always a temporary one, removed on stop

    def stop(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        stop_group(process, timeout)  # with the warm workers in its group
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> MiniStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
