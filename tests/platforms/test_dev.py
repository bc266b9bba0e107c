"""`faas-grip dev --platform asgi|gcf`: the examples under their own servers behind Pushpin,
reached by real WebSocket clients, stopped by Ctrl-C."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from faas_grip.dev.platforms import AppServer
from faas_grip.dev.pushpin import free_port
from faas_grip.dev.server import DevServer
from tests.e2e.clients import HttpStream
from tests.e2e.test_chat import hear, join
from tests.platforms.conftest import EXAMPLES, require_pushpin

pytestmark = pytest.mark.pushpin


class Running:
    """What `join` needs of a DevServer: where WebSocket clients connect."""

    def __init__(self, port: int) -> None:
        self.ws_url = f"ws://127.0.0.1:{port}"


@pytest.mark.parametrize(
    ("platform", "handler", "folder"),
    [("asgi", "app.app", "asgi"), ("gcf", "main.chat", "gcf")],
)
def test_dev_serves_the_chat_until_ctrl_c(platform: str, handler: str, folder: str) -> None:
    require_pushpin()
    port = free_port()
    command = [sys.executable, "-m", "faas_grip.dev.cli", "dev", handler, "--platform", platform]
    command += ["--code-dir", str(EXAMPLES / folder), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert process.stdout is not None
        seen = []  # the server's own lines may come first
        while not (line := process.stdout.readline().decode()).startswith("faas-grip dev:"):
            assert line, "".join(seen)
            seen.append(line)
        assert line.startswith(f"faas-grip dev: {handler} from"), line
        running: DevServer = Running(port)  # type: ignore[assignment]
        with join(running, "alice") as alice, join(running, "bob") as bob:
            alice.send("hello")
            assert [hear(alice), hear(bob)] == ["alice: hello"] * 2
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 0, output
        assert output.decode().rstrip().endswith("faas-grip dev: stopped")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_app_restarts_when_its_code_changes(tmp_path: Path) -> None:
    require_pushpin()
    shutil.copy(EXAMPLES / "asgi" / "app.py", tmp_path / "app.py")
    with AppServer("app.app", platform="asgi", code_dir=tmp_path) as dev:
        source = tmp_path / "app.py"
        source.write_text(source.read_text().replace("[connected to the chat]", "[version 2]"))
        deadline = time.monotonic() + 15
        while not dev.restart_if_changed():
            assert time.monotonic() < deadline, "the change was never noticed"
            time.sleep(0.1)
        with HttpStream(dev.http_url, "/stream") as stream:
            assert b"[version 2]" in stream.wait_for(b"[version 2]")


def test_unknown_module_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"nothere\.py is not in"):
        AppServer("nothere.app", platform="asgi", code_dir=tmp_path)
