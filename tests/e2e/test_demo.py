"""`make demo`'s driver: the chat example with real clients, on its own, exit status included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import EXAMPLES, require_pushpin

pytestmark = pytest.mark.pushpin
DEMO = [sys.executable, "-m", "faas_grip.dev.demo"]


def test_demo_shows_every_client_hearing_the_chat_and_exits_0() -> None:
    require_pushpin()
    result = subprocess.run(
        [*DEMO, "--code-dir", str(EXAMPLES / "chat")], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[poll]       < 200 alice: hi bob!" in result.stdout
    assert result.stdout.rstrip().endswith("Everything is stopped.")


def test_demo_without_the_example_says_where_to_run_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [*DEMO, "--code-dir", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "run from the repository's root" in result.stderr
