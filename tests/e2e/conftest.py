"""End-to-end fixtures: the function behind Pushpin and the local gateway (DevServer).

Servers are shared per module where tests do not disturb each other; each starts on free ports
and stops at teardown.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from faas_grip.dev.server import DevServer

HANDLERS = Path(__file__).parent / "handlers"
EXAMPLES = Path(__file__).parents[2] / "examples"


def require_pushpin() -> None:
    if shutil.which("pushpin") is None:
        pytest.fail("pushpin is not installed: run scripts/install-system (make test does)")


@pytest.fixture
def dev_factory() -> Iterator[Callable[..., DevServer]]:
    """Start DevServers (`dev_factory("features.handler", api="http")`); all stop at teardown."""
    require_pushpin()
    started: list[DevServer] = []

    def start(handler: str = "features.handler", **options: Any) -> DevServer:
        options.setdefault("code_dir", HANDLERS)
        dev = DevServer(handler, **options)
        started.append(dev)
        return dev.start()

    yield start
    for dev in started:
        dev.stop()


@pytest.fixture(scope="module")
def features() -> Iterator[DevServer]:
    """tests/e2e/handlers/features.py behind Pushpin and a REST API, shared by a module."""
    require_pushpin()
    # message_wait: how long Pushpin waits for a missing item before recovering (default 5 s).
    with DevServer(
        "features.handler",
        code_dir=HANDLERS,
        pushpin_options={"message_wait_ms": 1000},
    ) as dev:
        yield dev
