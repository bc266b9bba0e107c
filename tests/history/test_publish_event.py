"""publish_event through real Pushpin: one item with id / prev-id reaches every transport."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator

import pytest

from faas_grip.dev.pushpin import Pushpin
from faas_grip.errors import GripConfigError, PublishError
from faas_grip.history import MemoryHistory, publish_event
from tests.publish.conftest import _wait_for_holds
from tests.support.clients import stream_client, websocket_client
from tests.support.faults import Fault, FaultProxy
from tests.support.grip_backend import GripBackend

pytestmark = pytest.mark.pushpin


@pytest.fixture(scope="module")
def pushpin() -> Iterator[Pushpin]:
    with GripBackend() as backend, Pushpin(routes=[backend.route]) as instance:
        _wait_for_holds(instance)
        yield instance


@pytest.fixture
def grip_url(pushpin: Pushpin, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GRIP_URL", pushpin.grip_url)
    return pushpin.grip_url


def test_sse_streams_get_the_event_with_its_id_and_every_data_line(
    pushpin: Pushpin, grip_url: str
) -> None:
    history = MemoryHistory()
    history.append("sse", "an earlier event")
    with stream_client(pushpin, "sse") as client:
        assert publish_event("sse", "line 1\nline 2", event="score", history=history) == "2"
        received = client.read_until(b"\n\n")
    assert b"event: score\nid: 2\ndata: line 1\ndata: line 2\n\n" in received


def test_websockets_get_the_event_as_a_json_text_message(pushpin: Pushpin, grip_url: str) -> None:
    history = MemoryHistory()
    with websocket_client(pushpin, "ws") as ws:
        publish_event("ws", 'say "hi"', history=history)
        message = ws.recv(timeout=10)
    assert message == '{"id": "1", "event": null, "data": "say \\"hi\\""}'


def test_long_polls_get_a_json_list_as_application_json(pushpin: Pushpin, grip_url: str) -> None:
    history = MemoryHistory()
    answer: list[tuple[int, str | None, bytes]] = []

    def poll() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", pushpin.port, timeout=30)
        conn.request("GET", "/poll?channel=lp")
        response = conn.getresponse()
        answer.append((response.status, response.getheader("Content-Type"), response.read()))
        conn.close()

    poller = threading.Thread(target=poll)
    poller.start()
    # The hold takes effect a moment after the request: publish until the poll is answered
    # (each try is a new event; the answer names the one that arrived).
    while poller.is_alive():
        publish_event("lp", "done", history=history)
        poller.join(0.2)
    ((status, content_type, body),) = answer
    (delivered,) = json.loads(body)
    assert (status, content_type) == (200, "application/json")
    assert delivered == {"id": delivered["id"], "event": None, "data": "done"}
    assert delivered["id"] in {e.id for e in history.after("lp", "0")}


def test_a_failed_publish_raises_and_keeps_the_event_in_history(
    pushpin: Pushpin, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = MemoryHistory()
    with FaultProxy(pushpin.control_uri) as proxy:
        proxy.always(Fault.status(503, "proxy down"))
        monkeypatch.setenv("GRIP_URL", proxy.url)
        with pytest.raises(PublishError, match="proxy down"):
            publish_event("kept", "important", history=history)
    assert [(e.id, e.data) for e in history.after("kept", "0")] == [("1", "important")]


def test_an_event_the_store_refuses_is_not_published(grip_url: str) -> None:
    history = MemoryHistory()
    with pytest.raises(ValueError, match="event name"):
        publish_event("news", "x", event="two\nlines", history=history)
    assert history.last_id("news") == "0"


def test_without_a_store_configured_it_raises_naming_grip_history_table(grip_url: str) -> None:
    with pytest.raises(GripConfigError, match="GRIP_HISTORY_TABLE"):
        publish_event("news", "x")


def test_the_configured_store_is_used_by_default(
    grip_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIP_HISTORY_TABLE", ":memory:")
    from faas_grip.history import default_history

    assert publish_event("news", "x") == "1"
    assert publish_event("news", "y") == "2"
    assert [e.data for e in default_history().after("news", "0")] == ["x", "y"]
