"""examples/chat through Pushpin on every front door, and on AWS's runtime client."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import pytest
from websockets.sync.client import ClientConnection, connect

from faas_grip.dev.server import DevServer
from tests.e2e.clients import HttpStream, long_poll, send
from tests.e2e.conftest import EXAMPLES, require_pushpin
from tests.support.clients import publish_until_answered, publish_until_seen

pytestmark = pytest.mark.pushpin


@pytest.fixture(
    scope="module",
    params=[("rest", "inprocess"), ("http", "inprocess"), ("url", "inprocess"), ("rest", "ric")],
    ids=["rest", "http", "url", "rest-ric"],
)
def chat(request: pytest.FixtureRequest) -> Iterator[DevServer]:
    require_pushpin()
    api, runtime = request.param
    with DevServer("app.handler", code_dir=EXAMPLES / "chat", api=api, runtime=runtime) as dev:
        yield dev


PROBE = "(probe)"


@contextlib.contextmanager
def join(dev: DevServer, nick: str) -> Iterator[ClientConnection]:
    """A chat client with its nickname set, once it is subscribed to the room.

    Pushpin applies the subscription of the OPEN reply a little later (about 45 ms here, more
    under load): the client says a probe line until it hears one, so no line is missed.
    """
    with connect(f"{dev.ws_url}/chat") as ws:
        ws.send(f"/nick {nick}")
        assert ws.recv(timeout=10) == f"nickname set to [{nick}]"
        deadline = time.monotonic() + 10
        while True:
            ws.send(PROBE)
            try:
                if ws.recv(timeout=1) == f"{nick}: {PROBE}":
                    break
            except TimeoutError:
                assert time.monotonic() < deadline, f"{nick} was never subscribed"
        yield ws


def hear(ws: ClientConnection) -> str:
    """The next chat line, skipping probes (a late one may still arrive)."""
    while True:
        line = ws.recv(timeout=10)
        if not isinstance(line, str) or not line.endswith(PROBE):
            return str(line)


def test_every_websocket_client_hears_each_line_with_its_nickname(chat: DevServer) -> None:
    with join(chat, "alice") as alice, join(chat, "bob") as bob:
        alice.send("hi bob")
        assert [hear(alice), hear(bob)] == ["alice: hi bob"] * 2
        bob.send("hi alice")
        assert [hear(alice), hear(bob)] == ["bob: hi alice"] * 2


def test_stream_client_hears_the_chat(chat: DevServer) -> None:
    with HttpStream(chat.http_url, "/stream") as stream, join(chat, "carol") as carol:
        stream.wait_for(b"[connected to the chat]\n")
        publish_until_seen(
            lambda: carol.send("probe"),
            lambda wait: b"carol: probe\n" in stream.wait_for(b"carol: probe\n", wait),
        )
        carol.send("anyone streaming?")
        assert stream.wait_for(b"carol: anyone streaming?\n").endswith(
            b"carol: anyone streaming?\n"
        )


def test_long_poll_client_hears_the_next_line(chat: DevServer) -> None:
    with join(chat, "dave") as dave:
        reply = long_poll(chat.http_url, "/poll")
        answer = publish_until_answered(lambda: dave.send("polling works"), reply)
    assert (answer.status, answer.body) == (200, b"dave: polling works\n")


def test_chat_page_is_served(chat: DevServer) -> None:
    page = send(chat.http_url, "GET", "/")
    assert page.status == 200
    assert (page.header("Content-Type") or "").startswith("text/html")
    assert b"<html" in page.body.lower()
