"""`async def` handlers under the Lambda decorators: run to completion on an event loop that
warm invocations reuse, inside the invocation's publish deadline."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from faas_grip import WebSocketContext, grip_longpoll, grip_stream, grip_websocket
from faas_grip.publishing import publisher
from faas_grip.testing import http_event, read_response, websocket_event


class Context:
    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def test_async_websocket_handler_is_run_and_its_reply_sent() -> None:
    @grip_websocket
    async def chat(ws: WebSocketContext, context: Any) -> None:
        await asyncio.sleep(0)
        ws.accept()
        ws.subscribe("room")

    reply = read_response(chat(websocket_event(open=True), None))
    assert (reply.accepted, reply.subscriptions) == (True, ["room"])


def test_async_stream_handler_returns_the_first_body() -> None:
    @grip_stream("news")
    async def stream(event: Any, context: Any) -> str:
        await asyncio.sleep(0)
        return "hello\n"

    reply = read_response(stream(http_event("http"), None))
    assert (reply.hold, reply.text) == ("stream", "hello\n")


def test_warm_invocations_reuse_one_open_event_loop() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    @grip_longpoll("news")
    async def poll(event: Any, context: Any) -> None:
        loops.append(asyncio.get_running_loop())

    poll(http_event("rest"), None)
    poll(http_event("rest"), None)
    assert loops[0] is loops[1] and not loops[0].is_closed()


def test_async_handler_runs_inside_the_invocations_publish_deadline() -> None:
    deadlines: list[float | None] = []

    @grip_stream("news")
    async def stream(event: Any, context: Any) -> None:
        deadlines.append(publisher._invocation_deadline.get())

    stream(http_event("http"), Context())
    assert deadlines[0] is not None


def test_async_handler_called_inside_a_running_loop_says_to_use_asgi() -> None:
    @grip_stream("news")
    async def stream(event: Any, context: Any) -> None:
        raise AssertionError("not run")

    async def main() -> None:
        stream(http_event("http"), None)

    with pytest.raises(RuntimeError, match=r"faas_grip\.asgi"):
        asyncio.run(main())


def test_framework_free_entry_runs_an_async_handler() -> None:
    from faas_grip import encode_events, handle_websocket
    from faas_grip.protocol.events import CONTENT_TYPE, WebSocketEvent

    async def chat(ws: WebSocketContext, context: Any) -> None:
        await asyncio.sleep(0)
        ws.accept()

    headers = {"Content-Type": CONTENT_TYPE, "Connection-Id": "c1"}
    body = encode_events([WebSocketEvent("OPEN")])
    assert read_response(handle_websocket(chat, "POST", headers, body)).accepted
