"""HTTP streaming, Server-Sent Events and long-polling through Pushpin, answered by publishes."""

from __future__ import annotations

import pytest

from faas_grip.dev.server import DevServer
from tests.e2e.clients import HttpStream, long_poll, publish_via_function
from tests.support.clients import publish_until_answered, publish_until_seen

pytestmark = pytest.mark.pushpin


def test_stream_sends_the_first_body_then_each_publish(features: DevServer) -> None:
    with HttpStream(features.http_url, "/stream") as stream:
        assert stream.response.status == 200
        assert b"stream open\n" in stream.wait_for(b"stream open\n")
        publish_until_seen(
            lambda: publish_via_function(features, "stream", "probe"),
            lambda wait: b"probe\n" in stream.wait_for(b"probe\n", wait),
        )
        publish_via_function(features, "stream", "first")
        publish_via_function(features, "stream", "second")
        assert stream.wait_for(b"second\n").endswith(b"first\nsecond\n")


def test_sse_stream_delivers_events(features: DevServer) -> None:
    with HttpStream(features.http_url, "/sse") as stream:
        assert stream.response.getheader("Content-Type", "").startswith("text/event-stream")
        assert b"event: status\ndata: open\n\n" in stream.wait_for(b"data: open\n\n")
        publish_until_seen(
            lambda: publish_via_function(features, "sse", "probe", sse="1"),
            lambda wait: b"data: probe\n\n" in stream.wait_for(b"data: probe\n\n", wait),
        )
        publish_via_function(features, "sse", "hello sse", sse="1")
        assert b"data: hello sse\n\n" in stream.wait_for(b"data: hello sse\n\n")


def test_long_poll_is_answered_by_a_publish(features: DevServer) -> None:
    reply = long_poll(features.http_url, "/poll")
    answer = publish_until_answered(
        lambda: publish_via_function(features, "poll", "your answer"), reply
    )
    assert (answer.status, answer.body) == (200, b"your answer\n")


def test_long_poll_gets_the_functions_response_at_its_timeout(features: DevServer) -> None:
    answer = long_poll(features.http_url, "/poll").result(timeout=30)
    assert (answer.status, answer.body) == (200, b"poll timeout\n")
