"""Published items reach real clients through a real Pushpin."""

from __future__ import annotations

import http.client
from concurrent.futures import ThreadPoolExecutor

import pytest

from faas_grip.dev.pushpin import Pushpin
from faas_grip.protocol.formats import (
    HttpResponseFormat,
    HttpStreamFormat,
    Item,
    WebSocketMessageFormat,
)
from faas_grip.publishing import Publisher, publish
from tests.support.clients import publish_until_answered, stream_client, websocket_client

pytestmark = pytest.mark.pushpin


def test_item_reaches_http_stream_client(pushpin: Pushpin) -> None:
    with stream_client(pushpin, "news") as stream, Publisher(pushpin.grip_url) as publisher:
        publisher.publish("news", HttpStreamFormat("event: hello\n"))
        assert b"event: hello\n" in stream.read_until(b"hello\n")


def test_item_reaches_long_poll_client(pushpin: Pushpin) -> None:
    def poll() -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", pushpin.port, timeout=30)
        try:
            conn.request("GET", "/poll?channel=inbox")
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    with ThreadPoolExecutor(1) as pool, Publisher(pushpin.grip_url) as publisher:
        held = pool.submit(poll)
        answer = publish_until_answered(
            lambda: publisher.publish("inbox", HttpResponseFormat("you have mail\n", code=200)),
            held,
        )
        assert answer == (200, b"you have mail\n")


def test_item_reaches_websocket_client(pushpin: Pushpin) -> None:
    with websocket_client(pushpin, "room") as ws, Publisher(pushpin.grip_url) as publisher:
        publisher.publish("room", WebSocketMessageFormat("hello room"))
        assert ws.recv(timeout=10) == "hello room"


def test_module_publish_uses_grip_url_from_environment(
    pushpin: Pushpin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIP_URL", pushpin.grip_url)
    with websocket_client(pushpin, "env") as ws:
        publish("env", WebSocketMessageFormat("from GRIP_URL"))
        assert ws.recv(timeout=10) == "from GRIP_URL"


def test_publish_many_delivers_every_item_in_order_across_requests(pushpin: Pushpin) -> None:
    items = [("feed", Item(WebSocketMessageFormat(f"message {i:04}"))) for i in range(500)]
    with websocket_client(pushpin, "feed") as ws:
        # 4 KiB bodies: the 500 items go in a dozen requests, which must keep their order.
        with Publisher(pushpin.grip_url, max_body_bytes=4096) as publisher:
            publisher.publish_many(items)
        received = [ws.recv(timeout=10) for _ in items]
    assert received == [f"message {i:04}" for i in range(500)]


def test_one_item_carries_a_format_for_each_transport(pushpin: Pushpin) -> None:
    formats = [HttpStreamFormat("to streams\n"), WebSocketMessageFormat("to sockets")]
    with stream_client(pushpin, "both") as stream, websocket_client(pushpin, "both") as ws:
        with Publisher(pushpin.grip_url) as publisher:
            publisher.publish("both", formats)
        assert ws.recv(timeout=10) == "to sockets"
        assert b"to streams\n" in stream.read_until(b"streams\n")
