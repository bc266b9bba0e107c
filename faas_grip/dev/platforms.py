"""`faas-grip dev --platform asgi|gcf`: an ASGI app under uvicorn, or a Google Cloud Function
under functions-framework, behind Pushpin: the local loop the Lambda handlers get, for the
other platforms' adapters (faas_grip.asgi, faas_grip.gcf).

    with AppServer("app.app", platform="asgi", code_dir="examples/asgi") as dev:
        print(dev.ws_url, dev.http_url)   # where clients connect (Pushpin)

HANDLER is `module.name` as for Lambda: the ASGI application object, or the function's
entry point in module.py. `restart_if_changed()` (the CLI calls it twice a second) restarts
the server after a change under the code folder, as the Lambda gateway reloads its handler.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from faas_grip.dev.processes import port_answers, spawn, stop_group, wait_ready
from faas_grip.dev.pushpin import Pushpin, free_port
from faas_grip.dev.watch import CodeWatcher

PLATFORMS = {"asgi": "ASGI app under uvicorn", "gcf": "Cloud Function under functions-framework"}
_GRIP_VARIABLES = ("GRIP_URL", "GRIP_PROXIES", "GRIP_VERIFY_KEY", "GRIP_URL_SECRET")


class AppServerError(RuntimeError):
    """The app's server did not start."""


class AppServer:
    """Pushpin in front of the platform's own server, each on its own port; `stop` ends both."""

    def __init__(
        self,
        handler: str,
        *,
        platform: str,
        code_dir: str | os.PathLike[str] = ".",
        port: int | None = None,
        timeout: float = 30.0,
    ) -> None:
        if platform not in PLATFORMS:
            raise ValueError(f"platform must be one of {', '.join(PLATFORMS)}, not {platform!r}")
        module, _, name = handler.rpartition(".")
        if not module or not name:
            raise ValueError(f"handler {handler!r} must be module.name, e.g. app.app")
        self.code_dir = Path(code_dir).resolve()
        if not (self.code_dir / f"{module.replace('.', '/')}.py").is_file():
            raise ValueError(f"{module}.py is not in {self.code_dir}")
        self.handler = handler
        self.platform = platform
        self.timeout = timeout
        self.app_port = free_port()
        # A Grip-Sig key made for the run: the app checks signatures as in production.
        route = f"* 127.0.0.1:{self.app_port},over_http"
        self.pushpin = Pushpin([route], port=port, sig_key=secrets.token_hex(16))
        self._process: subprocess.Popen[bytes] | None = None
        self._watcher: CodeWatcher | None = None

    @property
    def http_url(self) -> str:
        return self.pushpin.http_url

    @property
    def ws_url(self) -> str:
        return self.pushpin.ws_url

    @property
    def app_url(self) -> str:
        """The app's own server: requests here bypass Pushpin (and carry no Grip-Sig)."""
        return f"http://127.0.0.1:{self.app_port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        module, _, name = self.handler.rpartition(".")
        port = str(self.app_port)
        if self.platform == "asgi":
            app, folder = f"{module}:{name}", str(self.code_dir)
            return [sys.executable, "-m", "uvicorn", app, "--port", port, "--app-dir", folder]
        source = str(self.code_dir / f"{module.replace('.', '/')}.py")
        command = [sys.executable, "-m", "functions_framework", "--target", name]
        return [*command, "--source", source, "--port", port]

    def start(self) -> AppServer:
        try:
            self.pushpin.start()  # first: its publish port is final once it runs
            self._watcher = CodeWatcher(self.code_dir).start()
            self._run()
        except BaseException:
            self.stop()
            raise
        return self

    def restart_if_changed(self) -> bool:
        """Restart the server if the code changed since the last call; True if it did."""
        if self._watcher is None or not self._watcher.take_change():
            return False
        self._end()
        self._run()
        return True

    def _run(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in _GRIP_VARIABLES}
        env["GRIP_URL"] = self.pushpin.grip_url
        self._process = spawn(self.command(), cwd=self.code_dir, env=env)
        wait_ready(
            self._process,
            lambda: port_answers(self.app_port),
            timeout=self.timeout,
            exited=lambda code: AppServerError(
                f"the {self.platform} server exited with {code} (its output is above)"
            ),
            late=lambda: AppServerError(
                f"the {self.platform} server did not start in {self.timeout}s"
            ),
        )

    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        self.pushpin.stop()  # first: its connections to the app close, so the app stops at once
        self._end()

    def _end(self) -> None:
        process, self._process = self._process, None
        stop_group(process)

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
