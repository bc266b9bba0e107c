"""examples/stream: GET listens (plain or SSE), POST publishes."""

from __future__ import annotations

from faas_grip import sse_event
from faas_grip.testing import http_event, read_response
from tests.support.publish_server import PublishServer

from .conftest import load_example

app = load_example("stream")


def call(method: str = "GET", **kwargs: object) -> object:
    return read_response(app.handler(http_event("http", method, "/", **kwargs), None))  # type: ignore[arg-type]


def test_get_holds_a_stream_on_the_default_channel() -> None:
    reply = call()
    assert (reply.hold, reply.channels, reply.text) == ("stream", ["news"], "[listening on news]\n")  # type: ignore[attr-defined]


def test_get_keeps_the_stream_alive() -> None:
    assert call().headers["Grip-Keep-Alive"] == "\\n; format=cstring; timeout=20"  # type: ignore[attr-defined]


def test_channel_comes_from_the_query() -> None:
    assert call(query={"channel": "sport"}).channels == ["sport"]  # type: ignore[attr-defined]


def test_invalid_channel_in_the_query_is_400() -> None:
    assert call(query={"channel": "a;b"}).status == 400  # type: ignore[attr-defined]


def test_event_stream_clients_get_sse() -> None:
    reply = call(headers={"Accept": "text/event-stream"})
    assert reply.headers["Content-Type"] == "text/event-stream"  # type: ignore[attr-defined]
    assert reply.channels == ["news.sse"]  # type: ignore[attr-defined]
    assert reply.text == sse_event("listening on news", event="ready")  # type: ignore[attr-defined]


def test_post_publishes_to_plain_and_sse_listeners(published: PublishServer) -> None:
    reply = call(
        "POST", query={"channel": "sport"}, body="goal!\n", headers={"Content-Type": "text/plain"}
    )
    assert reply.status == 202  # type: ignore[attr-defined]
    assert published.items == [
        {"channel": "sport", "formats": {"http-stream": {"content": "goal!\n"}}},
        {"channel": "sport.sse", "formats": {"http-stream": {"content": "data: goal!\n\n"}}},
    ]


def test_post_that_is_not_utf8_is_400(published: PublishServer) -> None:
    reply = call("POST", body=b"\xff", headers={"Content-Type": "application/octet-stream"})
    assert reply.status == 400  # type: ignore[attr-defined]
    assert published.items == []


def test_other_methods_are_405() -> None:
    reply = call("PUT")
    assert (reply.status, reply.headers["Allow"]) == (405, "GET, POST")  # type: ignore[attr-defined]
