"""WebSockets through Pushpin, WebSocket-over-HTTP to the gateway, and the function's replies."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from faas_grip.dev.server import DevServer
from faas_grip.testing import grip_sig
from tests.e2e.clients import publish_via_function, send
from tests.support.wsevents import parse_events

CONTENT_TYPE = "application/websocket-events"

pytestmark = pytest.mark.pushpin


def test_text_is_echoed(features: DevServer) -> None:
    with connect(f"{features.ws_url}/ws") as ws:
        ws.send("hello")
        assert ws.recv(timeout=10) == "echo:hello"


def test_binary_is_echoed_byte_for_byte(features: DevServer) -> None:
    data = bytes(range(256))
    with connect(f"{features.ws_url}/ws") as ws:
        ws.send(data)
        assert ws.recv(timeout=10) == data


def test_ping_is_answered_with_a_pong_carrying_its_payload(features: DevServer) -> None:
    with connect(f"{features.ws_url}/ws") as ws:
        # websockets resolves the waiter only for a pong whose payload matches the ping's.
        assert ws.ping(b"are you there").wait(10)


def test_client_close_is_answered_with_its_code(features: DevServer) -> None:
    with connect(f"{features.ws_url}/ws") as ws:
        ws.send("hello")
        ws.recv(timeout=10)
        ws.close(4001, "bye")
    assert ws.protocol.close_rcvd is not None
    assert ws.protocol.close_rcvd.code == 4001


def test_server_close_reaches_the_client_with_code_and_reason(features: DevServer) -> None:
    with connect(f"{features.ws_url}/ws") as ws:
        ws.send("close")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4002, "server says bye")


def test_meta_set_on_one_request_is_seen_on_the_next(features: DevServer) -> None:
    with connect(f"{features.ws_url}/ws") as ws:
        ws.send("meta alice")
        assert ws.recv(timeout=10) == "meta set"
        ws.send("whoami")
        assert ws.recv(timeout=10) == "alice"


def test_refused_handshake_gets_the_status_and_body(features: DevServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{features.ws_url}/ws?refuse=1")
    assert refused.value.response.status_code == 403
    assert refused.value.response.body == b"not on the list\n"


def test_subprotocol_is_negotiated(features: DevServer) -> None:
    with connect(f"{features.ws_url}/ws", subprotocols=["chat.v2", "chat.v1"]) as ws:
        assert ws.subprotocol == "chat.v1"


def test_keep_alive_control_makes_the_proxy_send_to_an_idle_client(features: DevServer) -> None:
    with connect(f"{features.ws_url}/ws") as ws:
        ws.send("keep-alive")
        assert ws.recv(timeout=10) == "keep-alive on"
        assert ws.recv(timeout=10) == "ka"


def test_keep_alive_in_interval_mode_is_taken_by_the_proxy(features: DevServer) -> None:
    # Pushpin 1.36 also sends idle-mode keep-alives while a client chats (measured: 5 in 4 s
    # against 10 in interval mode), so the client cannot tell the modes apart: the control the
    # function gives the proxy is read on the wire (the request Pushpin sends, straight to the
    # gateway), then the proxy is shown to take it.
    reply = send(
        features.gateway_url,
        "POST",
        "/ws",
        [
            ("Content-Type", CONTENT_TYPE),
            ("Accept", CONTENT_TYPE),
            ("Connection-Id", "wire-check"),
            ("Grip-Sig", grip_sig(features.sig_key, features.sig_iss)),
        ],
        b"TEXT 13\r\nkeep-alive interval\r\n",
    )
    controls = [
        json.loads(content[2:])
        for kind, content in parse_events(reply.body)
        if kind == "TEXT" and content and content.startswith(b"c:")
    ]
    assert {"type": "keep-alive", "content": "tick", "timeout": 1, "mode": "interval"} in [
        {k: v for k, v in c.items() if k != "message-type"} for c in controls
    ], controls
    with connect(f"{features.ws_url}/ws") as ws:
        ws.send("keep-alive interval")
        assert ws.recv(timeout=10) == "keep-alive on"
        assert ws.recv(timeout=10) == "tick"
        ws.send("still here")  # the connection still works: the echo comes between ticks
        replies = [ws.recv(timeout=10)]
        while replies[-1] == "tick" and len(replies) < 20:
            replies.append(ws.recv(timeout=10))
        assert replies[-1] == "echo:still here", replies


def test_publish_reaches_subscribed_connections(features: DevServer) -> None:
    with connect(f"{features.ws_url}/ws") as one, connect(f"{features.ws_url}/ws") as two:
        for ws in (one, two):
            ws.send("subscribe room")
            assert ws.recv(timeout=10) == "subscribed"
        publish_via_function(features, "room", "news for all")
        assert one.recv(timeout=10) == "news for all"
        assert two.recv(timeout=10) == "news for all"
