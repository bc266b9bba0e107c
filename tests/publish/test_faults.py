"""Publishing under faults: every failure is retried within bounds or reported, never lost."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from faas_grip.dev.pushpin import Pushpin, free_port
from faas_grip.errors import PublishError
from faas_grip.protocol.formats import Item, WebSocketMessageFormat
from faas_grip.publishing import Publisher, lambda_deadline
from tests.support.clients import websocket_client
from tests.support.faults import Fault, FaultProxy
from tests.support.publish_server import PublishServer

MESSAGE = WebSocketMessageFormat("hi")
FAST = {"connect_timeout": 1.0, "read_timeout": 1.0, "backoff": 0.01}


@pytest.fixture
def server() -> Iterator[PublishServer]:
    with PublishServer() as server:
        yield server


@pytest.fixture
def proxy(server: PublishServer) -> Iterator[FaultProxy]:
    with FaultProxy(server.url) as proxy:
        yield proxy


def test_refused_connection_raises_after_the_configured_attempts() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with Publisher(url, attempts=3, **FAST) as publisher, pytest.raises(PublishError) as caught:
        publisher.publish("ch", MESSAGE)
    (failure,) = caught.value.failures
    assert failure.proxy == url
    assert failure.attempts == 3
    assert isinstance(failure.exception, requests.ConnectionError)
    assert url in str(caught.value)


def test_one_5xx_is_retried_once_and_the_item_published_once(
    proxy: FaultProxy, server: PublishServer
) -> None:
    proxy.plan(Fault.status(503))
    with Publisher(proxy.url, **FAST) as publisher:
        publisher.publish("ch", MESSAGE)
    assert proxy.seen == ["status 503", "forward"]
    assert len(server.items) == 1


def test_5xx_every_time_raises_after_n_tries_with_status_and_body(proxy: FaultProxy) -> None:
    proxy.always(Fault.status(502, "upstream is down"))
    with (
        Publisher(proxy.url, attempts=4, **FAST) as publisher,
        pytest.raises(PublishError) as caught,
    ):
        publisher.publish("ch", MESSAGE)
    (failure,) = caught.value.failures
    assert (failure.status, failure.body, failure.attempts) == (502, "upstream is down", 4)
    assert proxy.seen == ["status 502"] * 4


def test_read_timeout_is_retried_then_reported(proxy: FaultProxy) -> None:
    proxy.always(Fault.delay(5))
    options = {**FAST, "read_timeout": 0.2}
    with (
        Publisher(proxy.url, attempts=2, **options) as publisher,
        pytest.raises(PublishError) as caught,
    ):
        publisher.publish("ch", MESSAGE)
    (failure,) = caught.value.failures
    assert isinstance(failure.exception, requests.ReadTimeout)
    assert failure.attempts == 2
    assert len(proxy.seen) == 2


def test_connection_reset_is_retried(proxy: FaultProxy, server: PublishServer) -> None:
    proxy.plan(Fault.reset())
    with Publisher(proxy.url, **FAST) as publisher:
        publisher.publish("ch", MESSAGE)
    assert proxy.seen == ["reset", "forward"]
    assert len(server.items) == 1


def test_4xx_is_not_retried(proxy: FaultProxy) -> None:
    proxy.always(Fault.status(400, "bad item"))
    with (
        Publisher(proxy.url, attempts=3, **FAST) as publisher,
        pytest.raises(PublishError) as caught,
    ):
        publisher.publish("ch", MESSAGE)
    (failure,) = caught.value.failures
    assert (failure.status, failure.attempts) == (400, 1)
    assert proxy.seen == ["status 400"]


def test_failing_proxy_is_named_and_the_other_still_receives_the_item(
    proxy: FaultProxy, server: PublishServer
) -> None:
    proxy.always(Fault.status(500, "broken"))
    with (
        PublishServer() as healthy,
        Publisher([healthy.url, proxy.url], **FAST) as publisher,
        pytest.raises(PublishError) as caught,
    ):
        publisher.publish("ch", MESSAGE)
        assert [item["channel"] for item in healthy.items] == ["ch"]
    assert [f.proxy for f in caught.value.failures] == [proxy.url]
    assert healthy.url not in str(caught.value)
    assert "1 of 2 GRIP proxies" in str(caught.value)
    assert caught.value.status == 502


def test_every_proxy_failing_is_reported_as_all(proxy: FaultProxy) -> None:
    proxy.always(Fault.status(500))
    down = f"http://127.0.0.1:{free_port()}"
    with (
        Publisher([proxy.url, down], attempts=1, **FAST) as publisher,
        pytest.raises(PublishError, match="all 2 GRIP proxies") as caught,
    ):
        publisher.publish("ch", MESSAGE)
    assert {f.proxy for f in caught.value.failures} == {proxy.url, down}


def test_error_is_raised_only_after_every_proxy_finished(
    proxy: FaultProxy, server: PublishServer
) -> None:
    proxy.always(Fault.delay(0.5))  # slow but within the read timeout: it succeeds
    with PublishServer() as other, FaultProxy(other.url) as failing:
        failing.always(Fault.status(400))
        # the failing proxy is first: it fails at once in the calling thread
        with Publisher([failing.url, proxy.url], **FAST) as publisher:
            with pytest.raises(PublishError) as caught:
                publisher.publish("ch", MESSAGE)
            assert len(server.items) == 1  # already there when the error arrived
    assert [f.proxy for f in caught.value.failures] == [failing.url]


def test_deadline_stops_retries_before_they_are_used_up(proxy: FaultProxy) -> None:
    proxy.always(Fault.delay(5))
    options = {**FAST, "read_timeout": 30.0}
    with (
        Publisher(proxy.url, attempts=5, deadline=0.3, **options) as publisher,
        pytest.raises(PublishError) as caught,
    ):
        publisher.publish("ch", MESSAGE)
    (failure,) = caught.value.failures
    assert isinstance(failure.exception, requests.ReadTimeout)
    assert failure.attempts == 1


class _Context:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_lambda_deadline_with_no_time_left_sends_nothing(proxy: FaultProxy) -> None:
    with (
        Publisher(proxy.url, **FAST) as publisher,
        lambda_deadline(_Context(100)),
        pytest.raises(PublishError) as caught,
    ):
        publisher.publish("ch", MESSAGE)
    (failure,) = caught.value.failures
    assert failure.attempts == 0
    assert isinstance(failure.exception, TimeoutError)
    assert proxy.seen == []


def test_lambda_deadline_with_time_left_publishes(proxy: FaultProxy, server: PublishServer) -> None:
    with Publisher(proxy.url, **FAST) as publisher, lambda_deadline(_Context(30_000)):
        publisher.publish("ch", MESSAGE)
    assert len(server.items) == 1


def test_publish_many_reports_how_many_items_a_proxy_accepted(proxy: FaultProxy) -> None:
    proxy.plan(None, Fault.status(400))
    items = [("ch", Item(WebSocketMessageFormat("x" * 500))) for _ in range(6)]
    # ~550 bytes per item: two items per request
    with (
        Publisher(proxy.url, max_body_bytes=1300, **FAST) as publisher,
        pytest.raises(PublishError) as caught,
    ):
        publisher.publish_many(items)
    (failure,) = caught.value.failures
    assert failure.accepted_items == 2
    assert len(proxy.seen) == 2  # it stops at the failed request, keeping the order


@pytest.mark.pushpin
def test_5xx_then_success_through_pushpin_reaches_the_client_once(
    pushpin: Pushpin,
) -> None:
    with FaultProxy(pushpin.control_uri) as proxy, websocket_client(pushpin, "retry") as ws:
        proxy.plan(Fault.status(503))
        with Publisher(proxy.url, **FAST) as publisher:
            publisher.publish("retry", WebSocketMessageFormat("once"), id="1")
        assert ws.recv(timeout=10) == "once"
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.5)
    assert proxy.seen == ["status 503", "forward"]


def test_decorated_handlers_publish_within_the_invocation_time(proxy: FaultProxy) -> None:
    from faas_grip import grip_stream, grip_websocket
    from faas_grip.testing import http_event, websocket_event

    outcomes: list[str] = []

    def publish_once() -> None:
        with Publisher(proxy.url, **FAST) as publisher:
            try:
                publisher.publish("ch", MESSAGE)
                outcomes.append("sent")
            except PublishError as exc:
                outcomes.append(type(exc.failures[0].exception).__name__)

    @grip_websocket
    def ws_handler(ws: object, context: object) -> None:
        publish_once()

    @grip_stream("ch")
    def stream_handler(event: object, context: object) -> None:
        publish_once()

    for context in (_Context(100), None):  # 100 ms left: less than the reserve, nothing sent
        ws_handler(websocket_event(text="x"), context)
        stream_handler(http_event("rest"), context)
    assert outcomes == ["TimeoutError", "TimeoutError", "sent", "sent"]
    assert len(proxy.seen) == 2
