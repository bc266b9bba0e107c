"""The WebSocket-over-HTTP codec: WebSocketEvent, decode_events, encode_events."""

from __future__ import annotations

import pytest

from faas_grip import GripProtocolError, WebSocketEvent, decode_events, encode_events
from faas_grip.protocol.events import CONTENT_TYPE

# -- WebSocketEvent ----------------------------------------------------------------------------


def test_event_without_content_has_none() -> None:
    assert WebSocketEvent("OPEN").content is None


def test_event_stores_str_content_as_utf8() -> None:
    assert WebSocketEvent("TEXT", "héllo").content == "héllo".encode()


def test_event_stores_bytearray_content_as_bytes() -> None:
    content = bytearray(b"abc")
    event = WebSocketEvent("BINARY", content)
    content[0] = 0
    assert event.content == b"abc"
    assert type(event.content) is bytes


def test_event_is_immutable() -> None:
    event = WebSocketEvent("TEXT", b"x")
    with pytest.raises(AttributeError):
        event.content = b"y"  # type: ignore[misc]


def test_event_refuses_unknown_type() -> None:
    with pytest.raises(ValueError, match="unknown WebSocket event type 'text'"):
        WebSocketEvent("text", b"x")


def test_event_refuses_content_that_is_not_bytes_or_str() -> None:
    with pytest.raises(TypeError, match="int"):
        WebSocketEvent("TEXT", 5)  # type: ignore[arg-type]


def test_event_replace_validates_like_the_constructor() -> None:
    with pytest.raises(ValueError, match="unknown WebSocket event type"):
        WebSocketEvent("TEXT", b"x")._replace(type="NOPE")


def test_events_compare_by_value() -> None:
    assert WebSocketEvent("TEXT", "hi") == WebSocketEvent("TEXT", b"hi")
    assert WebSocketEvent("TEXT", b"hi") != WebSocketEvent("BINARY", b"hi")


def test_content_type_is_websocket_events() -> None:
    assert CONTENT_TYPE == "application/websocket-events"


# -- decoding ----------------------------------------------------------------------------------


def test_decodes_empty_body_as_no_events() -> None:
    assert decode_events(b"") == []


def test_decodes_event_without_length_as_no_content() -> None:
    assert decode_events(b"OPEN\r\n") == [WebSocketEvent("OPEN")]


def test_decodes_content_of_declared_length() -> None:
    assert decode_events(b"TEXT 5\r\nhello\r\n") == [WebSocketEvent("TEXT", b"hello")]


def test_decodes_zero_length_as_empty_content_not_none() -> None:
    assert decode_events(b"TEXT 0\r\n\r\n") == [WebSocketEvent("TEXT", b"")]


def test_decodes_several_events_of_every_type() -> None:
    body = (
        b"OPEN\r\nTEXT 2\r\nhi\r\nBINARY 2\r\n\x00\xff\r\nPING 1\r\np\r\nPONG\r\n"
        b"CLOSE 2\r\n\x03\xe8\r\nDISCONNECT\r\n"
    )
    assert decode_events(body) == [
        WebSocketEvent("OPEN"),
        WebSocketEvent("TEXT", b"hi"),
        WebSocketEvent("BINARY", b"\x00\xff"),
        WebSocketEvent("PING", b"p"),
        WebSocketEvent("PONG"),
        WebSocketEvent("CLOSE", b"\x03\xe8"),
        WebSocketEvent("DISCONNECT"),
    ]


def test_decodes_content_that_contains_crlf() -> None:
    body = b"TEXT 6\r\na\r\nb\r\n\r\nTEXT 1\r\nc\r\n"
    assert decode_events(body) == [
        WebSocketEvent("TEXT", b"a\r\nb\r\n"),
        WebSocketEvent("TEXT", b"c"),
    ]


def test_decodes_content_that_looks_like_events() -> None:
    body = b"TEXT 7\r\nOPEN\r\nA\r\n"
    assert decode_events(body) == [WebSocketEvent("TEXT", b"OPEN\r\nA")]


def test_accepts_upper_and_lower_case_hex_lengths() -> None:
    content = b"x" * 0xAB
    upper = b"TEXT AB\r\n" + content + b"\r\n"
    lower = b"TEXT ab\r\n" + content + b"\r\n"
    assert decode_events(upper) == decode_events(lower) == [WebSocketEvent("TEXT", content)]


def test_decodes_bytearray_and_memoryview_bodies() -> None:
    body = b"TEXT 2\r\nhi\r\n"
    expected = [WebSocketEvent("TEXT", b"hi")]
    assert decode_events(bytearray(body)) == decode_events(memoryview(body)) == expected


def test_decoded_contents_are_bytes() -> None:
    (event,) = decode_events(bytearray(b"BINARY 1\r\n\x01\r\n"))
    assert type(event.content) is bytes


# -- strict decoding: every fault is a GripProtocolError (400) naming the event ----------------


def protocol_error(body: bytes) -> GripProtocolError:
    with pytest.raises(GripProtocolError) as caught:
        decode_events(body)
    return caught.value


def test_refuses_unknown_event_type() -> None:
    assert "unknown event type b'HELLO'" in str(protocol_error(b"HELLO\r\n"))


def test_refuses_lower_case_event_type() -> None:
    assert "unknown event type b'text'" in str(protocol_error(b"text 1\r\na\r\n"))


def test_refuses_non_hex_length() -> None:
    assert "invalid length b'1g'" in str(protocol_error(b"TEXT 1g\r\nx\r\n"))


def test_refuses_negative_length() -> None:
    assert "invalid length b'-1'" in str(protocol_error(b"TEXT -1\r\n\r\n"))


def test_refuses_empty_length() -> None:
    assert "invalid length b''" in str(protocol_error(b"TEXT \r\n\r\n"))


def test_refuses_length_with_spaces_or_underscores() -> None:
    # int() would take " 5", "5 " and "0_5"; the format allows hex digits only.
    for line in (b"TEXT  5", b"TEXT 5 ", b"TEXT 0_5", b"TEXT 0x5", b"TEXT +5"):
        assert "invalid length" in str(protocol_error(line + b"\r\nhello\r\n"))


def test_refuses_absurdly_long_length() -> None:
    assert "invalid length" in str(protocol_error(b"TEXT " + b"0" * 17 + b"1\r\nx\r\n"))


def test_refuses_declared_length_longer_than_what_remains() -> None:
    error = protocol_error(b"TEXT 9\r\nhel")
    assert "TEXT declares 9 bytes but 3 remain" in str(error)


def test_refuses_content_not_followed_by_crlf() -> None:
    error = protocol_error(b"TEXT 3\r\nhelXX")
    assert "TEXT content of 3 bytes is not followed by CRLF" in str(error)


def test_refuses_content_followed_by_lone_lf() -> None:
    assert "not followed by CRLF" in str(protocol_error(b"TEXT 3\r\nhel\nOPEN\r\n"))


def test_refuses_line_without_crlf() -> None:
    assert "has no CRLF terminator" in str(protocol_error(b"OPEN\r\nDISCONNECT"))


def test_refuses_line_ended_by_lone_lf() -> None:
    assert "has no CRLF terminator" in str(protocol_error(b"OPEN\n"))


def test_error_names_the_index_of_the_faulty_event() -> None:
    error = protocol_error(b"OPEN\r\nTEXT 2\r\nhi\r\nTEXT 9\r\nhel")
    assert str(error).startswith("body is not valid websocket-events: event 2: ")


def test_decode_error_answers_400() -> None:
    assert protocol_error(b"NOPE\r\n").status == 400


# -- encoding ----------------------------------------------------------------------------------


def test_encodes_event_without_content_as_bare_line() -> None:
    assert encode_events([WebSocketEvent("OPEN")]) == b"OPEN\r\n"


def test_encodes_lengths_in_lower_case_hex() -> None:
    body = encode_events([WebSocketEvent("TEXT", b"m:echo:hello")])
    assert body == b"TEXT c\r\nm:echo:hello\r\n"


def test_encodes_empty_content_with_length_zero() -> None:
    assert encode_events([WebSocketEvent("TEXT", b"")]) == b"TEXT 0\r\n\r\n"


def test_encodes_events_in_order_from_any_iterable() -> None:
    events = (WebSocketEvent(t, c) for t, c in (("OPEN", None), ("BINARY", b"\x00")))
    assert encode_events(events) == b"OPEN\r\nBINARY 1\r\n\x00\r\n"


def test_encodes_nothing_as_empty_body() -> None:
    assert encode_events([]) == b""
