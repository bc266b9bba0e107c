"""faas_grip.gcf: examples/gcf as functions-framework loads it, then on its own server behind Pushpin."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import flask
import functions_framework
import pytest

from faas_grip import encode_events
from faas_grip.dev.pushpin import Pushpin
from faas_grip.protocol.events import CONTENT_TYPE, WebSocketEvent
from faas_grip.testing import GripResponse, grip_sig, read_response
from tests.platforms.chat import (
    test_long_poll_client_hears_the_next_line,
    test_nickname_sent_as_an_underscore_header_is_not_trusted,
    test_stream_client_hears_the_chat,
    test_websocket_clients_hear_each_line_with_its_nickname,
)
from tests.platforms.conftest import EXAMPLES, KEY, behind_pushpin

__all__ = [
    "test_long_poll_client_hears_the_next_line",
    "test_nickname_sent_as_an_underscore_header_is_not_trusted",
    "test_stream_client_hears_the_chat",
    "test_websocket_clients_hear_each_line_with_its_nickname",
]

SOURCE = EXAMPLES / "gcf" / "main.py"


@pytest.fixture(scope="module")
def function() -> flask.Flask:
    """The example as functions-framework serves it (its Flask app, function `chat`)."""
    app: flask.Flask = functions_framework.create_app("chat", str(SOURCE))
    return app


def call(
    app: flask.Flask, method: str, path: str, body: bytes = b"", **headers: str
) -> GripResponse:
    response = app.test_client().open(path, method=method, data=body, headers=headers)
    return read_response((response.status_code, list(response.headers.items()), response.data))


def test_function_accepts_and_subscribes_an_opening_connection(function: flask.Flask) -> None:
    body = encode_events([WebSocketEvent("OPEN")])
    reply = call(
        function, "POST", "/chat", body, **{"Content-Type": CONTENT_TYPE, "Connection-Id": "c1"}
    )
    assert (reply.accepted, reply.subscriptions) == (True, ["room"])


def test_function_holds_stream_and_poll(function: flask.Flask) -> None:
    assert call(function, "GET", "/stream").hold == "stream"
    poll = call(function, "GET", "/poll")
    assert (poll.status, poll.hold, poll.headers["Grip-Timeout"]) == (204, "response", "30")


def test_function_answers_404_off_its_routes(function: flask.Flask) -> None:
    assert call(function, "GET", "/nowhere").status == 404


def test_function_refuses_a_forged_grip_sig(
    function: flask.Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIP_VERIFY_KEY", KEY)
    forged = grip_sig("another-key-that-is-long-enough-for-hs256")
    assert call(function, "GET", "/stream", **{"Grip-Sig": forged}).status == 403


# -- functions-framework's own server (gunicorn), behind Pushpin --------------------------------


@pytest.fixture(scope="module")
def chat() -> Iterator[Pushpin]:
    command = [
        sys.executable,
        "-m",
        "functions_framework",
        "--target",
        "chat",
        "--source",
        "main.py",
    ]
    with behind_pushpin([*command, "--port", "{port}"], SOURCE.parent) as pushpin:
        yield pushpin
