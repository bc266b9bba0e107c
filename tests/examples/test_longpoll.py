"""examples/longpoll: GET waits for the next item, POST publishes it."""

from __future__ import annotations

from typing import Any

from faas_grip.testing import http_event, read_response
from tests.support.publish_server import PublishServer

from .conftest import load_example

app = load_example("longpoll")


def call(method: str = "GET", **kwargs: Any) -> Any:
    return read_response(app.handler(http_event("rest", method, "/", **kwargs), None))


def test_get_holds_a_long_poll_with_a_timeout() -> None:
    reply = call(query={"channel": "sport"})
    assert (reply.hold, reply.channels, reply.headers["Grip-Timeout"]) == (
        "response",
        ["sport"],
        "20",
    )


def test_timeout_response_says_no_news() -> None:
    reply = call()
    assert (reply.status, reply.text, reply.channels) == (200, "no news\n", ["news"])


def test_post_publishes_the_body_as_the_response(published: PublishServer) -> None:
    reply = call("POST", body="extra!\n", headers={"Content-Type": "text/plain"})
    assert reply.status == 202
    assert published.items == [
        {
            "channel": "news",
            "formats": {
                "http-response": {
                    "headers": {"Content-Type": "text/plain; charset=utf-8"},
                    "body-bin": "ZXh0cmEhCg==",
                }
            },
        }
    ]


def test_other_methods_are_405() -> None:
    assert call("DELETE").status == 405
