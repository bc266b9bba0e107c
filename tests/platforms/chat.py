"""The chat through Pushpin with real clients, for every platform's port of examples/chat.

A platform's test module defines a module-scoped `chat` fixture (its server behind Pushpin)
and imports these tests by name; pytest runs them there with that fixture.
"""

from __future__ import annotations

from concurrent.futures import TimeoutError as FutureTimeout

import pytest
from websockets.sync.client import connect

from faas_grip.dev.pushpin import Pushpin
from tests.e2e.clients import HttpStream, long_poll
from tests.e2e.test_chat import hear, join


@pytest.mark.pushpin
def test_websocket_clients_hear_each_line_with_its_nickname(chat: Pushpin) -> None:
    with join(chat, "alice") as alice, join(chat, "bob") as bob:
        alice.send("hi bob")
        assert [hear(alice), hear(bob)] == ["alice: hi bob"] * 2


@pytest.mark.pushpin
def test_stream_client_hears_the_chat(chat: Pushpin) -> None:
    with HttpStream(chat.http_url, "/stream") as stream, join(chat, "carol") as carol:
        assert stream.wait_for(b"[connected to the chat]\n").startswith(
            b"[connected to the chat]\n"
        )
        # Pushpin subscribes the stream a moment after its first chunk: say lines until one
        # arrives (no fixed sleep).
        for attempt in range(40):
            line = f"anyone streaming? ({attempt})"
            carol.send(line)
            if f"carol: {line}\n".encode() in stream.wait_for(line.encode(), timeout=0.5):
                break
        else:
            raise AssertionError(f"the stream heard nothing: {stream.body!r}")
        assert stream.response.status == 200


@pytest.mark.pushpin
def test_long_poll_client_hears_the_next_line(chat: Pushpin) -> None:
    with join(chat, "dave") as dave:
        reply = long_poll(chat.http_url, "/poll")
        for attempt in range(40):  # until the poll is held and gets a line
            dave.send(f"is anyone polling? ({attempt})")
            try:
                answer = reply.result(timeout=0.5)
                break
            except FutureTimeout:
                continue
        else:
            raise AssertionError("the long-poll never got a line")
    assert answer.status == 200
    assert answer.body.startswith(b"dave: is anyone polling? (")


@pytest.mark.pushpin
def test_nickname_sent_as_an_underscore_header_is_not_trusted(chat: Pushpin) -> None:
    # Pushpin strips a client's Meta-Nick but passes Meta_Nick on; the platform's server or
    # adapter must not let it become the connection's meta.
    with (
        join(chat, "erin") as erin,
        connect(f"{chat.ws_url}/chat", additional_headers={"Meta_Nick": "admin"}) as mallory,
    ):
        mallory.send("who am I?")
        assert hear(erin) == "anonymous: who am I?"


__all__ = [
    "test_long_poll_client_hears_the_next_line",
    "test_nickname_sent_as_an_underscore_header_is_not_trusted",
    "test_stream_client_hears_the_chat",
    "test_websocket_clients_hear_each_line_with_its_nickname",
]
