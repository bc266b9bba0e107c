"""WebSocketContext: reading a request's events and building the reply."""

from __future__ import annotations

import json

import pytest

from faas_grip import (
    GripProtocolError,
    NoMessageError,
    WebSocketContext,
    WebSocketDisconnected,
    WebSocketEvent,
    decode_events,
)
from faas_grip.protocol.instruct import Channel

OPEN = WebSocketEvent("OPEN")


def context(*events: WebSocketEvent, **kwargs: object) -> WebSocketContext:
    return WebSocketContext("conn-1", events=events, **kwargs)  # type: ignore[arg-type]


def opening(**kwargs: object) -> WebSocketContext:
    return context(OPEN, **kwargs)


def reply(ws: WebSocketContext) -> list[WebSocketEvent]:
    return decode_events(ws.encode())


def controls(ws: WebSocketContext) -> list[dict[str, object]]:
    """The control messages (`c:` + JSON) of the reply, decoded."""
    out = []
    for event in reply(ws):
        assert event.content is not None
        assert event.type == "TEXT" and event.content.startswith(b"c:")
        out.append(json.loads(event.content[2:]))
    return out


def close_event(code: int, reason: bytes = b"") -> WebSocketEvent:
    return WebSocketEvent("CLOSE", code.to_bytes(2, "big") + reason)


# -- opening -----------------------------------------------------------------------------------


def test_is_opening_when_the_first_event_is_open() -> None:
    assert opening().is_opening()


def test_is_not_opening_for_later_requests() -> None:
    assert not context(WebSocketEvent("TEXT", b"hi")).is_opening()


def test_is_not_opening_for_an_empty_keep_alive_request() -> None:
    assert not context().is_opening()


def test_accept_puts_open_first_in_the_reply() -> None:
    ws = opening()
    ws.send("hi")
    ws.accept()
    assert ws.encode() == b"OPEN\r\nTEXT 4\r\nm:hi\r\n"


def test_accept_turns_grip_mode_on() -> None:
    ws = opening()
    ws.accept()
    assert ws.to_headers() == {
        "Content-Type": "application/websocket-events",
        "Sec-WebSocket-Extensions": "grip",
    }


def test_accept_echoes_the_chosen_subprotocol() -> None:
    ws = opening(headers={"Sec-WebSocket-Protocol": "chat, superchat"})
    ws.accept(protocol="superchat")
    assert ws.to_headers()["Sec-WebSocket-Protocol"] == "superchat"


def test_accept_refuses_a_subprotocol_the_client_did_not_offer() -> None:
    ws = opening(headers={"Sec-WebSocket-Protocol": "chat"})
    with pytest.raises(ValueError, match="not offered"):
        ws.accept(protocol="superchat")


def test_protocols_lists_the_offered_subprotocols_in_order() -> None:
    ws = opening(headers={"sec-websocket-protocol": "b, a ,c"})
    assert ws.protocols == ["b", "a", "c"]


def test_accept_passes_extra_headers_to_the_client() -> None:
    ws = opening()
    ws.accept(headers={"X-Session": "42"})
    assert ws.to_headers()["X-Session"] == "42"


@pytest.mark.parametrize(
    "name",
    [
        "Content-Type",
        "content-length",
        "Keep-Alive-Interval",
        "Sec-WebSocket-Extensions",
        "Sec-WebSocket-Protocol",
        "Set-Meta-User",
        "Grip-Hold",
    ],
)
def test_accept_refuses_headers_faas_grip_sets_itself(name: str) -> None:
    with pytest.raises(ValueError, match="set by faas-grip itself"):
        opening().accept(headers={name: "x"})


def test_accept_refuses_a_header_value_with_crlf() -> None:
    with pytest.raises(ValueError, match="CR, LF"):
        opening().accept(headers={"X-A": "1\r\nX-B: 2"})


@pytest.mark.parametrize("name", ["X Session", "X-Session:", "X-Séance", "X\r\nY"])
def test_accept_refuses_a_header_name_that_is_not_a_token(name: str) -> None:
    with pytest.raises(ValueError, match="header name"):
        opening().accept(headers={name: "1"})


def test_reply_without_accept_has_no_open_and_no_extension() -> None:
    ws = context(WebSocketEvent("TEXT", b"hi"))
    ws.send("yo")
    assert ws.encode() == b"TEXT 4\r\nm:yo\r\n"
    assert ws.to_headers() == {"Content-Type": "application/websocket-events"}


def test_empty_reply_is_an_empty_body() -> None:
    assert context().encode() == b""


# -- rejecting ---------------------------------------------------------------------------------


def test_reject_answers_the_handshake_with_status_headers_and_body() -> None:
    ws = opening()
    ws.reject(401, "who are you?", headers={"WWW-Authenticate": "Bearer"})
    assert ws.rejected and ws.status() == 401
    assert ws.to_headers() == {
        "WWW-Authenticate": "Bearer",
        "Content-Type": "text/plain; charset=utf-8",
    }
    assert ws.encode() == b"who are you?"


def test_accepting_reply_has_status_200() -> None:
    ws = opening()
    ws.accept()
    assert ws.status() == 200


def test_reject_only_applies_to_the_opening_request() -> None:
    with pytest.raises(RuntimeError, match="only applies to the opening request"):
        context(WebSocketEvent("TEXT", b"hi")).reject(403)


@pytest.mark.parametrize("status", [200, 101, 302, 600])
def test_reject_refuses_a_status_that_is_not_an_error(status: int) -> None:
    with pytest.raises(ValueError, match="400-599"):
        opening().reject(status)


def test_reject_after_accept_is_refused() -> None:
    ws = opening()
    ws.accept()
    with pytest.raises(RuntimeError, match="already accepted"):
        ws.reject(403)


def test_accept_after_reject_is_refused() -> None:
    ws = opening()
    ws.reject(403)
    with pytest.raises(RuntimeError, match="already rejected"):
        ws.accept()


def test_reject_refuses_header_injection() -> None:
    with pytest.raises(ValueError):
        opening().reject(403, headers={"X-A": "1\nX-B: 2"})


def test_accept_on_a_later_request_adds_nothing_to_the_reply() -> None:
    ws = context(WebSocketEvent("TEXT", b"hi"))
    ws.accept()
    ws.send("ok")
    assert ws.encode() == b"TEXT 4\r\nm:ok\r\n"
    assert "Sec-WebSocket-Extensions" not in ws.to_headers()


def test_accept_on_a_later_request_still_checks_its_arguments() -> None:
    with pytest.raises(ValueError, match="was not offered"):
        context(WebSocketEvent("TEXT", b"hi")).accept(protocol="chat")


def test_close_on_the_opening_request_accepts_first() -> None:
    ws = opening()
    ws.close(4003, "full")
    assert reply(ws) == [OPEN, close_event(4003, b"full")]
    assert ws.accepted and ws.to_headers()["Sec-WebSocket-Extensions"] == "grip"


def test_close_after_reject_leaves_the_rejection() -> None:
    ws = opening()
    ws.reject(403, "no")
    ws.close()
    assert (ws.status(), ws.encode()) == (403, b"no")


# -- closing -----------------------------------------------------------------------------------


def test_close_defaults_to_code_1000() -> None:
    ws = context()
    ws.close()
    assert reply(ws) == [close_event(1000)]


def test_close_sends_code_and_reason() -> None:
    ws = context()
    ws.close(4001, "bye")
    assert ws.encode() == b"CLOSE 5\r\n\x0f\xa1bye\r\n"


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, True, "1000"])
def test_close_refuses_codes_that_cannot_be_sent(code: object) -> None:
    with pytest.raises(ValueError, match="cannot be sent"):
        context().close(code)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", [1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999])
def test_close_accepts_standard_and_application_codes(code: int) -> None:
    ws = context()
    ws.close(code)
    assert reply(ws) == [close_event(code)]


def test_close_reason_may_be_123_bytes() -> None:
    ws = context()
    ws.close(1000, "x" * 123)
    assert reply(ws) == [close_event(1000, b"x" * 123)]


def test_close_reason_longer_than_123_utf8_bytes_is_refused() -> None:
    with pytest.raises(ValueError, match="124 bytes"):
        context().close(1000, "é" * 62)


def test_disconnect_sends_disconnect() -> None:
    ws = context()
    ws.disconnect()
    assert ws.encode() == b"DISCONNECT\r\n"


# -- sending -----------------------------------------------------------------------------------


def test_send_prefixes_text_with_m() -> None:
    ws = context()
    ws.send("héllo")
    assert reply(ws) == [WebSocketEvent("TEXT", "m:héllo")]


def test_send_binary_prefixes_bytes_with_m() -> None:
    ws = context()
    ws.send_binary(b"\x00\xff")
    assert reply(ws) == [WebSocketEvent("BINARY", b"m:\x00\xff")]


def test_send_refuses_bytes() -> None:
    with pytest.raises(TypeError, match="send_binary"):
        context().send(b"x")  # type: ignore[arg-type]


def test_send_binary_refuses_str() -> None:
    with pytest.raises(TypeError):
        context().send_binary("x")  # type: ignore[arg-type]


def test_custom_message_prefix_is_used_and_declared() -> None:
    ws = opening(message_prefix="msg:")
    ws.accept()
    ws.send("hi")
    assert reply(ws)[1] == WebSocketEvent("TEXT", b"msg:hi")
    assert ws.to_headers()["Sec-WebSocket-Extensions"] == 'grip; message-prefix="msg:"'


def test_empty_message_prefix_is_declared() -> None:
    ws = opening(message_prefix="")
    ws.accept()
    ws.send("hi")
    assert reply(ws)[1] == WebSocketEvent("TEXT", b"hi")
    assert ws.to_headers()["Sec-WebSocket-Extensions"] == 'grip; message-prefix=""'


@pytest.mark.parametrize("prefix", ['m"', "a\\b", "m\r\n", "é:"])
def test_message_prefix_that_cannot_be_declared_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="message prefix"):
        opening(message_prefix=prefix)


def test_send_control_sends_c_prefixed_compact_json() -> None:
    ws = context()
    ws.send_control({"type": "session", "id": "s1"})
    assert ws.encode() == b'TEXT 1e\r\nc:{"type":"session","id":"s1"}\r\n'


def test_send_control_requires_a_type() -> None:
    with pytest.raises(ValueError, match="'type'"):
        context().send_control({"channel": "x"})


def test_subscribe_adds_the_grip_prefix() -> None:
    ws = context(prefix="app-")
    ws.subscribe("room")
    assert controls(ws) == [{"type": "subscribe", "channel": "app-room"}]


def test_subscribe_passes_filters() -> None:
    ws = context()
    ws.subscribe("room", filters=["skip-self"])
    ws.subscribe(Channel("hall", filters=["require-sub"]))
    assert controls(ws) == [
        {"type": "subscribe", "channel": "room", "filters": ["skip-self"]},
        {"type": "subscribe", "channel": "hall", "filters": ["require-sub"]},
    ]


def test_subscribe_refuses_a_channel_name_with_a_comma() -> None:
    with pytest.raises(ValueError, match="channel name"):
        context().subscribe("a,b")


def test_unsubscribe_adds_the_grip_prefix() -> None:
    ws = context(prefix="app-")
    ws.unsubscribe("room")
    assert controls(ws) == [{"type": "unsubscribe", "channel": "app-room"}]


def test_detach_sends_the_detach_control() -> None:
    ws = context()
    ws.detach()
    assert controls(ws) == [{"type": "detach"}]


def test_keep_alive_sends_text_content_and_timeout() -> None:
    ws = context()
    ws.keep_alive("ping", timeout=30)
    assert controls(ws) == [{"type": "keep-alive", "content": "ping", "timeout": 30}]


def test_keep_alive_sends_bytes_as_base64() -> None:
    ws = context()
    ws.keep_alive(b"\x00\xff", timeout=20)
    assert controls(ws) == [{"type": "keep-alive", "content-bin": "AP8=", "timeout": 20}]


def test_keep_alive_none_turns_it_off() -> None:
    ws = context()
    ws.keep_alive(None)
    assert controls(ws) == [{"type": "keep-alive"}]


def test_keep_alive_interval_mode_is_sent() -> None:
    ws = context()
    ws.keep_alive("ping", timeout=25, mode="interval")
    assert controls(ws) == [
        {"type": "keep-alive", "content": "ping", "timeout": 25, "mode": "interval"}
    ]


def test_keep_alive_refuses_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match="'idle' or 'interval'"):
        context().keep_alive("x", mode="often")


@pytest.mark.parametrize("timeout", [0, -5, 1.5])
def test_keep_alive_refuses_a_timeout_that_is_not_a_positive_integer(timeout: object) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        context().keep_alive("x", timeout=timeout)  # type: ignore[arg-type]


def test_set_meta_sends_the_set_meta_control() -> None:
    ws = context()
    ws.set_meta("user", "alice")
    assert controls(ws) == [{"type": "set-meta", "name": "user", "value": "alice"}]


# -- receiving ---------------------------------------------------------------------------------


def test_can_recv_while_a_message_is_left() -> None:
    ws = context(WebSocketEvent("TEXT", b"a"))
    assert ws.can_recv()
    ws.recv()
    assert not ws.can_recv()


def test_cannot_recv_when_only_pings_are_left() -> None:
    assert not context(OPEN, WebSocketEvent("PING", b"x")).can_recv()


def test_recv_returns_text_as_str() -> None:
    assert context(WebSocketEvent("TEXT", "héllo")).recv() == "héllo"


def test_recv_returns_binary_as_bytes() -> None:
    assert context(WebSocketEvent("BINARY", b"\x00")).recv() == b"\x00"


def test_recv_returns_empty_messages() -> None:
    ws = context(WebSocketEvent("TEXT", b""), WebSocketEvent("BINARY", b""))
    assert (ws.recv(), ws.recv()) == ("", b"")


def test_recv_returns_none_on_close_and_records_code_and_reason() -> None:
    ws = context(close_event(4001, b"bye"))
    assert ws.recv() is None
    assert (ws.close_code, ws.close_reason) == (4001, "bye")


def test_recv_of_a_close_without_code_records_no_code() -> None:
    ws = context(WebSocketEvent("CLOSE"))
    assert ws.recv() is None
    assert (ws.close_code, ws.close_reason) == (None, "")


def test_recv_raises_websocket_disconnected_on_disconnect() -> None:
    ws = context(WebSocketEvent("DISCONNECT"))
    with pytest.raises(WebSocketDisconnected):
        ws.recv()
    assert ws.disconnected


def test_recv_raises_no_message_error_when_nothing_is_left() -> None:
    ws = context(OPEN)
    with pytest.raises(NoMessageError):
        ws.recv()


def test_recv_skips_open_ping_and_pong() -> None:
    ws = context(OPEN, WebSocketEvent("PING"), WebSocketEvent("PONG"), WebSocketEvent("TEXT", b"a"))
    assert ws.recv() == "a"


def test_recv_raw_returns_every_event_unprocessed() -> None:
    events = [OPEN, WebSocketEvent("PING", b"p"), WebSocketEvent("TEXT", b"a")]
    ws = context(*events)
    assert [ws.recv_raw() for _ in events] == events
    with pytest.raises(NoMessageError):
        ws.recv_raw()


def test_events_lists_every_event_of_the_request() -> None:
    events = [OPEN, WebSocketEvent("TEXT", b"a")]
    ws = context(*events)
    ws.recv()
    assert ws.events == events


def test_iteration_yields_every_message() -> None:
    ws = context(
        WebSocketEvent("TEXT", b"a"), WebSocketEvent("PING"), WebSocketEvent("BINARY", b"b")
    )
    assert list(ws) == ["a", b"b"]


def test_iteration_stops_at_close() -> None:
    ws = context(WebSocketEvent("TEXT", b"a"), close_event(1000), WebSocketEvent("TEXT", b"b"))
    assert list(ws) == ["a"]
    assert ws.close_code == 1000


def test_iteration_stops_at_disconnect() -> None:
    ws = context(WebSocketEvent("TEXT", b"a"), WebSocketEvent("DISCONNECT"))
    assert list(ws) == ["a"]
    assert ws.disconnected


def test_text_that_is_not_utf8_is_a_protocol_error_at_construction() -> None:
    with pytest.raises(GripProtocolError, match="event 1: TEXT content is not valid UTF-8"):
        context(OPEN, WebSocketEvent("TEXT", b"\xff"))


def test_close_with_a_one_byte_code_is_a_protocol_error() -> None:
    with pytest.raises(GripProtocolError, match="too short"):
        context(WebSocketEvent("CLOSE", b"\x03"))


def test_close_reason_that_is_not_utf8_is_a_protocol_error() -> None:
    with pytest.raises(GripProtocolError, match="UTF-8"):
        context(close_event(1000, b"\xff"))


def test_headers_are_case_insensitive() -> None:
    ws = context(headers={"Connection-Id": "c1"})
    assert ws.headers["connection-id"] == "c1"


# -- automatic answers -------------------------------------------------------------------------


def test_the_most_recent_ping_of_a_batch_is_answered_with_its_payload() -> None:
    # RFC 6455 §5.5.3: a pong may answer only the most recently received ping.
    ws = context(
        WebSocketEvent("PING", b"one"), WebSocketEvent("TEXT", b"a"), WebSocketEvent("PING", b"two")
    )
    ws.send("reply")
    assert reply(ws) == [WebSocketEvent("PONG", b"two"), WebSocketEvent("TEXT", b"m:reply")]


def test_a_body_of_many_pings_gets_one_pong_within_the_reply_limit() -> None:
    # 170,000 bare PINGs: one PONG each would be 1,020,000 bytes, over Pushpin's 1,000,000.
    events = decode_events(b"PING\r\n" * 170_000 + b"TEXT 2\r\nhi\r\n")
    ws = context(*events)
    ws.send(ws.recv())  # type: ignore[arg-type]
    assert ws.encode() == b"PONG\r\nTEXT 4\r\nm:hi\r\n"


def test_a_ping_payload_over_125_bytes_is_a_protocol_error() -> None:
    with pytest.raises(GripProtocolError, match="at most 125"):
        context(WebSocketEvent("PING", b"x" * 126))


def test_a_lone_ping_is_answered() -> None:
    assert context(WebSocketEvent("PING", b"cli-ping")).encode() == b"PONG 8\r\ncli-ping\r\n"


def test_a_ping_without_payload_gets_a_pong_without_payload() -> None:
    assert context(WebSocketEvent("PING")).encode() == b"PONG\r\n"


def test_client_close_is_echoed_when_the_handler_does_not_answer() -> None:
    ws = context(close_event(4001, b"bye"))
    assert reply(ws) == [close_event(4001)]


def test_client_close_without_code_is_echoed_without_code() -> None:
    assert context(WebSocketEvent("CLOSE")).encode() == b"CLOSE\r\n"


def test_client_close_is_echoed_after_what_the_handler_sent() -> None:
    ws = context(WebSocketEvent("TEXT", b"a"), close_event(1001))
    ws.send("last")
    assert reply(ws) == [WebSocketEvent("TEXT", b"m:last"), close_event(1001)]


def test_client_close_is_not_echoed_when_the_handler_closed() -> None:
    ws = context(close_event(4001, b"bye"))
    ws.close(4001, "bye")
    assert reply(ws) == [close_event(4001, b"bye")]


def test_client_close_is_not_echoed_when_the_handler_disconnected() -> None:
    ws = context(close_event(1000))
    ws.disconnect()
    assert reply(ws) == [WebSocketEvent("DISCONNECT")]


# -- meta --------------------------------------------------------------------------------------


def test_meta_lookup_is_case_insensitive() -> None:
    ws = context(meta={"User": "alice"})
    assert ws.meta["user"] == ws.meta["USER"] == "alice"


def test_unchanged_meta_sends_no_header() -> None:
    ws = context(meta={"user": "alice"})
    assert ws.to_headers() == {"Content-Type": "application/websocket-events"}


def test_setting_meta_sends_set_meta_header() -> None:
    ws = context()
    ws.meta["User"] = "bob"
    assert ws.to_headers()["Set-Meta-user"] == "bob"
    assert ws.meta["USER"] == "bob"


def test_deleting_meta_sends_an_empty_value() -> None:
    ws = context(meta={"user": "alice"})
    del ws.meta["USER"]
    assert "user" not in ws.meta
    assert ws.to_headers()["Set-Meta-user"] == ""


def test_meta_refuses_a_value_with_crlf() -> None:
    with pytest.raises(ValueError, match="CR, LF"):
        context().meta["user"] = "a\r\nSet-Cookie: x"


def test_meta_refuses_a_non_ascii_value() -> None:
    with pytest.raises(ValueError):
        context().meta["user"] = "zoë"


@pytest.mark.parametrize("name", ["a b", "a:b", "a\nb", "", "é"])
def test_meta_refuses_a_name_that_is_not_a_header_token(name: str) -> None:
    with pytest.raises(ValueError):
        context().meta[name] = "x"
