"""The codec, WebSocketContext and GripInstruct against what Pushpin really sent and accepted.

tests/data/wire-capture.txt is a byte-exact copy of the capture in the project's shared notes
(Pushpin 1.36 with a probe backend): long-poll, stream, WebSocket open/text/binary/close.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone, tzinfo

import jwt.api_jwt
import pytest

from faas_grip import GripInstruct, WebSocketContext, WebSocketEvent, decode_events, encode_events
from faas_grip.protocol.instruct import Channel
from faas_grip.protocol.signature import validate_grip_sig

from .capture import CAPTURE, Message, read_blocks, read_messages, websocket_bodies

REQUESTS = "PUSHPIN->BACKEND"
REPLIES = "BACKEND->PUSHPIN"


def exchanges() -> list[tuple[Message, Message]]:
    """(request, reply) pairs of the WebSocket-over-HTTP connection, in order."""
    messages = read_messages()
    requests = [m for m in messages if m.direction == REQUESTS and m.start_line.startswith("POST")]
    replies = [
        m
        for m in messages
        if m.direction == REPLIES and m.headers["content-type"] == "application/websocket-events"
    ]
    return list(zip(requests, replies, strict=True))


def context_for(request_body: bytes, headers: dict[str, str]) -> WebSocketContext:
    return WebSocketContext(
        headers["connection-id"], events=decode_events(request_body), headers=headers
    )


def test_capture_copy_is_byte_exact() -> None:
    # A checkout that rewrote line endings would make every other test here meaningless.
    data = CAPTURE.read_bytes()
    assert len(data) == 6986
    assert hashlib.sha256(data).hexdigest() == (
        "5fe0fddbf7aada013ce5e89de66b9548dc8aa376c51f097c31af5b640adc908f"
    )
    assert len(read_blocks(data)) == 21


def test_every_request_body_decodes() -> None:
    bodies = websocket_bodies(REQUESTS)
    assert [decode_events(b) for b in bodies] == [
        [WebSocketEvent("OPEN")],
        [WebSocketEvent("TEXT", b"hello")],
        [WebSocketEvent("BINARY", b"\x00\xff")],
        [WebSocketEvent("CLOSE", b"\x0f\xa1bye")],
    ]


def test_every_reply_body_decodes() -> None:
    bodies = websocket_bodies(REPLIES)
    assert [decode_events(b) for b in bodies] == [
        [
            WebSocketEvent("OPEN"),
            WebSocketEvent("TEXT", b'c:{"type":"subscribe","channel":"test"}'),
        ],
        [WebSocketEvent("TEXT", b"m:echo:hello")],
        [WebSocketEvent("BINARY", b"m:echo:\x00\xff")],
        [WebSocketEvent("CLOSE", b"\x0f\xa1bye")],
    ]


@pytest.mark.parametrize("body", websocket_bodies(REPLIES) + websocket_bodies(REQUESTS))
def test_captured_body_reencodes_byte_for_byte(body: bytes) -> None:
    assert encode_events(decode_events(body)) == body


def test_context_reproduces_the_accepting_reply() -> None:
    request, reply = exchanges()[0]
    ws = context_for(request.body, request.headers)
    assert ws.is_opening()
    ws.accept(protocol="chat")
    ws.subscribe("test")
    assert ws.encode() == reply.body
    headers = ws.to_headers()
    for name in ("Content-Type", "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol"):
        assert headers[name] == reply.headers[name.lower()]


def test_context_reproduces_the_text_echo() -> None:
    request, reply = exchanges()[1]
    ws = context_for(request.body, request.headers)
    ws.send("echo:" + str(ws.recv()))
    assert ws.encode() == reply.body
    assert ws.to_headers() == {"Content-Type": reply.headers["content-type"]}


def test_context_reproduces_the_binary_echo() -> None:
    request, reply = exchanges()[2]
    ws = context_for(request.body, request.headers)
    message = ws.recv()
    assert isinstance(message, bytes)
    ws.send_binary(b"echo:" + message)
    assert ws.encode() == reply.body


def test_context_reads_the_client_close_and_reproduces_the_echo() -> None:
    request, reply = exchanges()[3]
    ws = context_for(request.body, request.headers)
    assert ws.recv() is None
    assert (ws.close_code, ws.close_reason) == (4001, "bye")
    ws.close(ws.close_code, ws.close_reason)
    assert ws.encode() == reply.body


def test_instruct_reproduces_the_long_poll_hold_headers() -> None:
    reply = next(m for m in read_messages() if m.body == b"poll timeout\n")
    instruct = GripInstruct("wire")
    instruct.set_hold_longpoll(timeout=20)
    for name, value in instruct.to_headers().items():
        assert reply.headers[name.lower()] == value


def test_instruct_reproduces_the_stream_hold_headers() -> None:
    reply = next(m for m in read_messages() if m.body == b"welcome to the stream\n")
    instruct = GripInstruct(Channel("wire"))
    instruct.set_hold_stream()
    assert instruct.to_headers() == {"Grip-Hold": "stream", "Grip-Channel": "wire"}
    assert reply.headers["grip-hold"] == "stream"
    assert reply.headers["grip-channel"] == "wire"


# The block's t= stamp when Pushpin sent the opening request; its Grip-Sig expires an hour later.
SENT_AT = 1795830878.926


def set_clock(monkeypatch: pytest.MonkeyPatch, timestamp: float) -> None:
    """Make PyJWT's expiry check see `timestamp` as now, so the captured token can be judged."""

    class Clock(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Clock:  # type: ignore[override]
            return cls.fromtimestamp(timestamp, tz=timezone.utc)

    monkeypatch.setattr(jwt.api_jwt, "datetime", Clock)


def captured_grip_sig() -> str:
    request = exchanges()[0][0]
    return request.headers["grip-sig"]


def test_captured_grip_sig_validates_with_pushpins_default_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_clock(monkeypatch, SENT_AT)
    assert validate_grip_sig(captured_grip_sig(), "changeme", iss="pushpin")


def test_captured_grip_sig_is_refused_with_another_issuer(monkeypatch: pytest.MonkeyPatch) -> None:
    set_clock(monkeypatch, SENT_AT)
    assert not validate_grip_sig(captured_grip_sig(), "changeme", iss="someone-else")


def test_captured_grip_sig_is_refused_with_another_key(monkeypatch: pytest.MonkeyPatch) -> None:
    set_clock(monkeypatch, SENT_AT)
    assert not validate_grip_sig(captured_grip_sig(), "not-the-key", iss="pushpin")


def test_captured_grip_sig_is_refused_once_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    set_clock(monkeypatch, SENT_AT + 3601)
    assert not validate_grip_sig(captured_grip_sig(), "changeme", iss="pushpin")
