"""The independent websocket-events reader (tests/support/wsevents.py) and its check of every
reply a test reads back through faas_grip.testing."""

from __future__ import annotations

import pytest

from faas_grip import testing
from faas_grip.protocol.events import WebSocketEvent
from tests.support.wsevents import parse_events

BODY = b"OPEN\r\nTEXT 7\r\nm:hello\r\nTEXT 0\r\n\r\nPING\r\nCLOSE 2\r\n\x03\xe8\r\nDISCONNECT\r\n"
HEADERS = [("Content-Type", "application/websocket-events")]


def test_reader_follows_the_format() -> None:
    assert parse_events(BODY) == [
        ("OPEN", None),
        ("TEXT", b"m:hello"),
        ("TEXT", b""),
        ("PING", None),
        ("CLOSE", b"\x03\xe8"),
        ("DISCONNECT", None),
    ]


@pytest.mark.parametrize("body", [b"TEXT 5\r\nhi\r\n", b"TEXT 2\r\nhiXX", b"NOPE\r\n", b"OPEN"])
def test_reader_refuses_a_broken_body(body: bytes) -> None:
    with pytest.raises(ValueError):
        parse_events(body)


def test_a_reply_read_back_agrees_with_the_independent_reader() -> None:
    reply = testing.GripResponse(200, HEADERS, BODY)
    assert reply.messages == ["hello"] and reply.closed


def test_a_decoder_bug_is_caught_when_a_test_reads_a_reply(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decode = testing.decode_events

    def drops_the_last_event(body: bytes) -> list[WebSocketEvent]:
        return decode(body)[:-1]

    monkeypatch.setattr(testing, "decode_events", drops_the_last_event)
    with pytest.raises(AssertionError, match="decoded"):
        testing.GripResponse(200, HEADERS, BODY)
