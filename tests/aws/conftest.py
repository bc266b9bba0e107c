"""Helpers for the Lambda edge tests: AWS's sample events, and handlers that record their calls."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from faas_grip import WebSocketContext, dispatch

EVENTS = Path(__file__).resolve().parent.parent / "data" / "events"

# What Pushpin adds to a WebSocket-over-HTTP request (tests/data/events holds the rest).
PROXY_HEADERS = {
    "Accept": "application/websocket-events",
    "Connection-Id": "8a93438c-f267-4821-8609-455fef14befd",
    "Content-Type": "application/websocket-events",
    "Sec-WebSocket-Extensions": "grip",
}


def sample(name: str) -> dict[str, Any]:
    """A fresh copy of a stored AWS sample event (see tests/data/events/README.md)."""
    return copy.deepcopy(json.loads((EVENTS / f"{name}.json").read_text()))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class Recorder:
    """A WebSocket handler that accepts, echoes, and remembers each ws it was given."""

    def __init__(self) -> None:
        self.calls: list[WebSocketContext] = []

    def __call__(self, ws: WebSocketContext, context: Any) -> None:
        self.calls.append(ws)
        if ws.is_opening():
            ws.accept()
        for message in ws:
            if isinstance(message, str):
                ws.send(f"echo {message}")
            else:
                ws.send_binary(b"echo " + message)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(autouse=True)
def _warn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The no-key warning is once per process: let each test see its own."""
    monkeypatch.setattr(dispatch, "_warned_no_key", False)
