"""faas_grip.flask: handlers as Flask views (WSGI); examples/wsgi behind Flask's server and Pushpin."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from typing import Any

import flask
import pytest

from faas_grip import WebSocketContext, encode_events
from faas_grip.dev.pushpin import Pushpin
from faas_grip.flask import grip_longpoll, grip_stream, grip_websocket
from faas_grip.protocol.events import CONTENT_TYPE, WebSocketEvent
from faas_grip.settings import reset_settings
from faas_grip.testing import GripResponse, grip_sig, read_response
from tests.examples.conftest import load_example
from tests.platforms.chat import (
    test_long_poll_client_hears_the_next_line,
    test_nickname_sent_as_an_underscore_header_is_not_trusted,
    test_stream_client_hears_the_chat,
    test_websocket_clients_hear_each_line_with_its_nickname,
)
from tests.platforms.conftest import EXAMPLES, KEY, behind_pushpin
from tests.support.publish_server import PublishServer

__all__ = [
    "test_long_poll_client_hears_the_next_line",
    "test_nickname_sent_as_an_underscore_header_is_not_trusted",
    "test_stream_client_hears_the_chat",
    "test_websocket_clients_hear_each_line_with_its_nickname",
]

example = load_example("wsgi")


def call(
    app: flask.Flask,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> GripResponse:
    response = app.test_client().open(path, method=method, data=body, headers=headers or {})
    return read_response((response.status_code, list(response.headers.items()), response.data))


def ws(app: flask.Flask, *events: WebSocketEvent, **headers: str) -> GripResponse:
    return call(
        app,
        "POST",
        "/chat",
        encode_events(events),
        {"Content-Type": CONTENT_TYPE, "Connection-Id": "c1", **headers},
    )


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Iterator[PublishServer]:
    with PublishServer() as server:
        monkeypatch.setenv("GRIP_URL", server.url)
        reset_settings()
        yield server


def test_example_accepts_and_subscribes_an_opening_connection() -> None:
    reply = ws(example.app, WebSocketEvent("OPEN"))
    assert (reply.accepted, reply.subscriptions) == (True, ["room"])


def test_example_reads_meta_from_the_proxys_headers(published: PublishServer) -> None:
    ws(example.app, WebSocketEvent("TEXT", "hi"), **{"Meta-Nick": "bob"})
    assert published.items[0]["formats"]["ws-message"] == {"content": "bob: hi"}


def test_example_holds_stream_and_poll() -> None:
    assert call(example.app, "GET", "/stream").hold == "stream"
    poll = call(example.app, "GET", "/poll")
    assert (poll.status, poll.hold, poll.headers["Grip-Timeout"]) == (204, "response", "30")


def test_missing_grip_sig_is_403_before_the_view_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_VERIFY_KEY", KEY)
    app = flask.Flask(__name__)
    called: list[bool] = []

    @app.get("/stream")
    @grip_stream("news")
    def stream(request: flask.Request) -> str:
        called.append(True)
        return "hi\n"

    assert call(app, "GET", "/stream").status == 403
    assert call(app, "GET", "/stream", headers={"Grip-Sig": grip_sig(KEY)}).hold == "stream"
    assert called == [True]


def test_channels_can_come_from_route_variables() -> None:
    app = flask.Flask(__name__)

    @app.get("/rooms/<room>")
    @grip_longpoll(lambda request: request.view_args["room"], timeout=10)
    def poll(request: flask.Request) -> tuple[str, int, dict[str, str]]:
        return "", 204, {"X-Room": request.view_args["room"]}  # type: ignore[index]

    reply = call(app, "GET", "/rooms/lobby")
    assert (reply.status, reply.channels, reply.headers["X-Room"]) == (204, ["lobby"], "lobby")


def test_binary_messages_reach_the_handler_intact() -> None:
    app = flask.Flask(__name__)
    data = bytes(range(256))

    @app.post("/echo")
    @grip_websocket
    def echo(ws: WebSocketContext, request: Any) -> None:
        for message in ws:
            ws.send_binary(message)  # type: ignore[arg-type]

    reply = call(
        app,
        "POST",
        "/echo",
        encode_events([WebSocketEvent("BINARY", data)]),
        {"Content-Type": CONTENT_TYPE, "Connection-Id": "c1"},
    )
    assert reply.messages == [data]


def test_async_handlers_share_one_event_loop_across_requests() -> None:
    app = flask.Flask(__name__)
    loops: list[asyncio.AbstractEventLoop] = []

    @app.get("/stream")
    @grip_stream("news")
    async def stream(request: flask.Request) -> str:
        loops.append(asyncio.get_running_loop())
        return "hi\n"

    assert call(app, "GET", "/stream").hold == "stream"
    assert call(app, "GET", "/stream").hold == "stream"
    assert len(loops) == 2 and loops[0] is loops[1] and not loops[0].is_closed()


def test_stream_without_channels_is_refused_when_decorating() -> None:
    with pytest.raises(TypeError, match=r"write @grip_stream\('channel'\)"):
        grip_stream(lambda request: "x")(lambda request: "x", None)  # type: ignore[call-arg]


# -- examples/wsgi on Flask's server, behind Pushpin --------------------------------------------


@pytest.fixture(scope="module")
def chat() -> Iterator[Pushpin]:
    with behind_pushpin([sys.executable, "app.py", "{port}"], EXAMPLES / "wsgi") as pushpin:
        yield pushpin


def test_a_repeated_grip_sig_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_VERIFY_KEY", KEY)
    app = flask.Flask(__name__)
    app.add_url_rule("/stream", "stream", grip_stream("news")(lambda request: "hi\n"))
    token = grip_sig(KEY)
    response = app.test_client().get("/stream", headers=[("Grip-Sig", token), ("Grip-Sig", token)])
    assert response.status_code == 403
    assert b"Grip-Sig appears 2 times" in response.data
