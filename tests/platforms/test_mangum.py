"""examples/asgi on Lambda through mangum: the local REST API gateway and AWS's runtime client
(awslambdaric) behind real Pushpin, with WebSocket, stream and long-poll clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from faas_grip.dev.server import DevServer
from tests.platforms.chat import (
    test_long_poll_client_hears_the_next_line,
    test_nickname_sent_as_an_underscore_header_is_not_trusted,
    test_stream_client_hears_the_chat,
    test_websocket_clients_hear_each_line_with_its_nickname,
)
from tests.platforms.conftest import require_pushpin

__all__ = [
    "test_long_poll_client_hears_the_next_line",
    "test_nickname_sent_as_an_underscore_header_is_not_trusted",
    "test_stream_client_hears_the_chat",
    "test_websocket_clients_hear_each_line_with_its_nickname",
]


@pytest.fixture(scope="module")
def chat() -> Iterator[DevServer]:
    require_pushpin()
    handlers = Path(__file__).parent / "handlers"
    with DevServer("mangum_chat.handler", code_dir=handlers, runtime="ric") as dev:
        yield dev
