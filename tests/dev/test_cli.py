"""`faas-grip dev` as a developer runs it: a real process, stopped by signals."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from faas_grip.dev.pushpin import free_port
from tests.dev.conftest import HANDLERS, send

pytestmark = pytest.mark.pushpin  # `faas-grip dev` starts Pushpin in its own process
CLI = [sys.executable, "-c", "import sys; from faas_grip.dev.cli import main; sys.exit(main())"]


def refuses(url: str) -> bool:
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return True
    return False


def eventually(check: object, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


class Run:
    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [*CLI, "dev", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: list[str] = []

    def read_banner(self) -> dict[str, str]:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if "Ctrl-C" in line:
                break
        text = "".join(self.lines)
        urls = re.findall(r"(?m)^\s+(\w+)\s+(http://\S+)", text)
        return dict(urls)

    def finish(self, timeout: float = 20) -> tuple[int, str]:
        out, _ = self.process.communicate(timeout=timeout)
        return self.process.returncode, "".join(self.lines) + out


@pytest.fixture
def code_dir(tmp_path: Path) -> Path:
    shutil.copy(HANDLERS / "echo.py", tmp_path / "echo.py")
    return tmp_path


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    started: list[Run] = []
    yield started
    for run in started:
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_prints_urls_serves_and_stops_everything_on_signal(
    code_dir: Path, runs: list[Run], signum: int
) -> None:
    port = free_port()
    run = Run("echo.handler", "--code-dir", str(code_dir), "--port", str(port))
    runs.append(run)
    urls = run.read_banner()
    assert urls["clients"] == f"http://127.0.0.1:{port}/"
    assert send(urls["clients"], "GET", "/version").status == 200
    run.process.send_signal(signum)
    code, output = run.finish()
    assert code == 0, output
    assert all(refuses(urls[name]) for name in ("clients", "gateway", "publish"))


def test_parent_killed_leaves_nothing_running(code_dir: Path, runs: list[Run]) -> None:
    run = Run("echo.handler", "--code-dir", str(code_dir), "--port", str(free_port()))
    runs.append(run)
    urls = run.read_banner()
    run.process.kill()
    run.process.wait()
    assert eventually(lambda: all(refuses(urls[n]) for n in ("clients", "gateway", "publish")))


def test_missing_pushpin_names_the_install_command(code_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path / "empty")}
    result = subprocess.run(
        [*CLI, "dev", "echo.handler", "--code-dir", str(code_dir), "--port", str(free_port())],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert result.returncode == 1
    assert "apt-get install pushpin" in result.stderr


def test_port_in_use_is_reported(code_dir: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = subprocess.run(
            [*CLI, "dev", "echo.handler", "--code-dir", str(code_dir), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert f"port {port} is in use" in result.stderr


def test_unknown_code_folder_is_reported(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            *CLI,
            "dev",
            "app.handler",
            "--code-dir",
            str(tmp_path / "nope"),
            "--port",
            str(free_port()),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "does not exist" in result.stderr


def test_handler_without_a_function_name_is_reported(code_dir: Path) -> None:
    result = subprocess.run(
        [*CLI, "dev", "echo", "--code-dir", str(code_dir), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "must be module.function" in result.stderr


def test_function_timeout_is_read_from_template_yaml(code_dir: Path, runs: list[Run]) -> None:
    (code_dir / "template.yaml").write_text(
        "Resources:\n  Echo:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: .\n      Handler: echo.handler\n      Timeout: 7\n"
    )
    run = Run("echo.handler", "--code-dir", str(code_dir), "--port", str(free_port()))
    runs.append(run)
    urls = run.read_banner()
    assert f"timeout 7 s ({code_dir / 'template.yaml'})" in "".join(run.lines)
    context = send(urls["clients"], "GET", "/context")
    remaining = int(re.search(rb'"remaining_ms": (\d+)', context.body).group(1))  # type: ignore[union-attr]
    assert 0 < remaining <= 7_000
    run.process.send_signal(signal.SIGTERM)
    assert run.finish()[0] == 0


def test_timeout_option_wins_over_the_template(code_dir: Path, runs: list[Run]) -> None:
    run = Run(
        "echo.handler", "--code-dir", str(code_dir), "--port", str(free_port()), "--timeout", "2"
    )
    runs.append(run)
    run.read_banner()
    assert "timeout 2 s (--timeout)" in "".join(run.lines)
    run.process.send_signal(signal.SIGTERM)
    assert run.finish()[0] == 0
