"""examples/chat: the seed's chat, its page, and its stream and long-poll listeners."""

from __future__ import annotations

from typing import Any

import pytest

from faas_grip.testing import DOORS, http_event, read_response, websocket_event
from tests.support.publish_server import PublishServer

from .conftest import load_example

app = load_example("chat")


def chat(**kwargs: Any) -> Any:
    return read_response(app.handler(websocket_event(path="/chat", **kwargs), None))


@pytest.mark.parametrize("door", DOORS)
def test_opening_accepts_and_subscribes_to_the_room(door: str) -> None:
    reply = chat(open=True, door=door)
    assert (reply.accepted, reply.subscriptions) == (True, ["room"])


def test_nick_is_stored_in_meta_and_confirmed(published: PublishServer) -> None:
    reply = chat(text="/nick bob")
    assert reply.meta == {"nick": "bob"}
    assert reply.messages == ["nickname set to [bob]"]
    assert published.items == []


def test_message_is_published_with_the_nick_in_three_formats(published: PublishServer) -> None:
    chat(text="hello", meta={"nick": "bob"})
    assert published.items == [
        {
            "channel": "room",
            "formats": {
                "ws-message": {"content": "bob: hello"},
                "http-stream": {"content": "bob: hello\n"},
                "http-response": {"body": "bob: hello\n"},
            },
        }
    ]


def test_message_without_a_nick_is_anonymous(published: PublishServer) -> None:
    chat(text="hi")
    assert published.items[0]["formats"]["ws-message"] == {"content": "anonymous: hi"}


def test_each_message_of_a_batch_is_published(published: PublishServer) -> None:
    chat(text=["one", "two"], meta={"nick": "amy"}, door="http")
    assert [i["formats"]["ws-message"]["content"] for i in published.items] == [
        "amy: one",
        "amy: two",
    ]


def test_nick_that_cannot_be_a_header_is_refused_politely(published: PublishServer) -> None:
    reply = chat(text="/nick b\u00f6b")
    assert (reply.status, reply.meta) == (200, {})
    assert reply.messages == ["a nickname must be printable ASCII"]


def test_binary_messages_are_ignored(published: PublishServer) -> None:
    assert chat(binary=b"\x00").status == 200
    assert published.items == []


def test_client_close_is_answered() -> None:
    reply = chat(close=1000)
    assert reply.close_code == 1000


def test_page_is_served_at_the_root() -> None:
    reply = read_response(app.handler(http_event("rest", "GET", "/"), None))
    assert (reply.status, reply.headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert 'new URL("chat", location.href)' in reply.text


def test_stream_listens_to_the_room() -> None:
    reply = read_response(app.handler(http_event("http", "GET", "/stream"), None))
    assert (reply.hold, reply.channels, reply.text) == (
        "stream",
        ["room"],
        "[connected to the chat]\n",
    )


def test_poll_waits_for_the_next_line() -> None:
    reply = read_response(app.handler(http_event("alb", "GET", "/poll"), None))
    assert (reply.status, reply.hold, reply.channels) == (204, "response", ["room"])
    assert reply.headers["Grip-Timeout"] == "30"


def test_websocket_on_another_path_is_404() -> None:
    reply = read_response(app.handler(websocket_event(open=True, path="/elsewhere"), None))
    assert reply.status == 404


def test_unknown_route_is_404() -> None:
    reply = read_response(app.handler(http_event("url", "DELETE", "/"), None))
    assert (reply.status, reply.text) == (404, "no route for DELETE /\n")
