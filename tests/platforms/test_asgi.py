"""faas_grip.asgi: decorated handlers are ASGI apps; examples/asgi behind uvicorn and Pushpin."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.responses import Response

from faas_grip import WebSocketContext, encode_events
from faas_grip.asgi import grip_longpoll, grip_stream, grip_websocket
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

OPEN = encode_events([WebSocketEvent("OPEN")])


def call(
    app: Any,
    method: str = "GET",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    query: bytes = b"a=1",
    path: str = "/x",
) -> GripResponse:
    """One HTTP request through the ASGI app, as an ASGI server makes it."""
    sent: list[dict[str, Any]] = []
    chunks = [body[:3], body[3:]]  # in two messages, as a server may deliver it

    async def receive() -> dict[str, Any]:
        if chunks:
            return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    asyncio.run(app(scope, receive, send))
    start, data = sent
    pairs = [(k.decode(), v.decode()) for k, v in start["headers"]]
    assert dict(pairs)["content-length"] == str(len(data["body"]))
    return read_response((start["status"], pairs, data["body"]))


def ws_headers(**extra: str) -> dict[str, str]:
    return {"Content-Type": CONTENT_TYPE, "Connection-Id": "c1", **extra}


def test_async_websocket_handler_is_awaited_with_the_scope() -> None:
    seen: list[Any] = []

    @grip_websocket
    async def chat(ws: WebSocketContext, scope: Any) -> None:
        await asyncio.sleep(0)
        seen.append((scope["path"], ws.query))
        ws.accept()
        ws.subscribe("room")

    reply = call(chat, "POST", OPEN, ws_headers())
    assert (reply.accepted, reply.subscriptions) == (True, ["room"])
    assert seen == [("/x", {"a": "1"})]


def test_plain_websocket_handler_runs_off_the_event_loop_thread() -> None:
    threads: list[threading.Thread] = []

    @grip_websocket
    def chat(ws: WebSocketContext, scope: Any) -> None:
        threads.append(threading.current_thread())
        ws.accept()

    assert call(chat, "POST", OPEN, ws_headers()).accepted
    assert threads and threads[0] is not threading.main_thread()


def test_missing_grip_sig_is_403_before_the_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_VERIFY_KEY", KEY)
    called: list[bool] = []

    @grip_websocket
    async def chat(ws: WebSocketContext, scope: Any) -> None:
        called.append(True)

    assert call(chat, "POST", OPEN, ws_headers()).status == 403
    assert call(chat, "POST", OPEN, ws_headers(**{"Grip-Sig": grip_sig(KEY)})).status == 200
    assert called == [True]


def test_request_that_is_not_websocket_over_http_is_400() -> None:
    @grip_websocket
    async def chat(ws: WebSocketContext, scope: Any) -> None:
        raise AssertionError("not called")

    reply = call(chat, "POST", b"hello", {"Content-Type": "text/plain"})
    assert reply.status == 400
    assert "WebSocket-over-HTTP" in reply.text


def test_stream_options_pass_through_to_the_hold() -> None:
    @grip_stream("news", sse=True)
    async def stream(scope: Any) -> str:
        return ": hello\n\n"

    reply = call(stream)
    assert (reply.hold, reply.channels) == ("stream", ["news"])
    assert reply.headers["Content-Type"] == "text/event-stream"
    assert reply.headers["Grip-Keep-Alive"].startswith(":\\n\\n")


def test_longpoll_keeps_the_status_and_headers_of_a_starlette_response() -> None:
    @grip_longpoll(lambda scope: scope["path"].strip("/"), timeout=30)
    async def poll(scope: Any) -> Response:
        return Response(status_code=204, headers={"X-Poll": "again"})

    reply = call(poll)
    assert (reply.status, reply.hold, reply.channels) == (204, "response", ["x"])
    assert (reply.headers["Grip-Timeout"], reply.headers["X-Poll"]) == ("30", "again")


def test_websocket_handshake_straight_to_the_app_is_refused() -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    @grip_websocket
    async def chat(ws: WebSocketContext, scope: Any) -> None:
        raise AssertionError("not called")

    asyncio.run(chat({"type": "websocket"}, None, send))  # type: ignore[arg-type]
    assert sent == [{"type": "websocket.close", "code": 1008}]


# -- examples/asgi under uvicorn, behind Pushpin ------------------------------------------------


@pytest.fixture(scope="module")
def chat() -> Iterator[Pushpin]:
    command = [sys.executable, "-m", "uvicorn", "app:app", "--port", "{port}"]
    with behind_pushpin([*command, "--log-level", "warning"], EXAMPLES / "asgi") as pushpin:
        yield pushpin


def test_underscore_spellings_of_proxy_headers_are_not_trusted() -> None:
    seen: list[tuple[dict[str, str], str | None]] = []

    @grip_websocket
    async def chat(ws: WebSocketContext, scope: Any) -> None:
        seen.append((dict(ws.meta), ws.headers.get("Meta_Nick")))

    # A client can send Meta_Nick past the proxy, which strips only Meta-Nick.
    call(chat, "POST", OPEN, ws_headers(**{"Meta_Nick": "admin", "Meta-Room": "lobby"}))
    assert seen == [({"room": "lobby"}, None)]  # dropped before the handler sees the request


def test_decorated_handlers_route_in_fastapi() -> None:
    from fastapi import FastAPI

    @grip_websocket
    async def chat(ws: WebSocketContext, scope: Any) -> None:
        ws.accept()

    @grip_stream(lambda scope: scope["path_params"]["room"])
    async def stream(scope: Any) -> str:
        return "hi\n"

    app = FastAPI()
    app.add_route("/chat", chat, methods=["POST"])
    app.add_route("/rooms/{room}", stream, methods=["GET"])
    assert call(app, "POST", OPEN, ws_headers(), path="/chat").accepted
    assert call(app, path="/rooms/lobby").channels == ["lobby"]


def test_publish_deadline_of_the_lambda_invocation_holds_under_mangum() -> None:
    from faas_grip.publishing import publisher

    class LambdaContext:
        def get_remaining_time_in_millis(self) -> int:
            return 30_000

    deadlines: list[float | None] = []

    @grip_stream("news")
    async def stream(scope: Any) -> str:
        deadlines.append(publisher._invocation_deadline.get())
        return "hi\n"

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        pass

    scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
    asyncio.run(stream({**scope, "aws.context": LambdaContext()}, receive, send))
    asyncio.run(stream(scope, receive, send))
    assert deadlines[0] is not None and deadlines[1] is None


def test_a_repeated_grip_sig_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_VERIFY_KEY", KEY)
    stream = grip_stream("news")(lambda scope: "hi\n")
    token = grip_sig(KEY).encode()
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"grip-sig", token), (b"grip-sig", token)]
    asyncio.run(
        stream({"type": "http", "method": "GET", "path": "/", "headers": headers}, receive, send)
    )
    assert sent[0]["status"] == 403
    assert b"Grip-Sig appears 2 times" in sent[1]["body"]
