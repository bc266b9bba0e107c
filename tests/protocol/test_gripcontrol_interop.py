"""Interoperability with gripcontrol 4.4 / pubcontrol 3.5 (test-only dependencies).

Where gripcontrol is right, we produce and read the same thing. Where it is wrong, a test named
`test_gripcontrol_..._we_...` pins down both behaviours: lax decoding (truncated or unterminated
content, unknown types, whatever int() accepts as a length), close code 0, a close code lost
when a reason follows, lone pings left unanswered, filters dropped from hold instructions, and
channel names copied into headers unchecked.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import gripcontrol
import jwt
import pubcontrol
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faas_grip import (
    Channel,
    GripInstruct,
    GripProtocolError,
    HttpResponseFormat,
    HttpStreamFormat,
    Item,
    WebSocketContext,
    WebSocketEvent,
    WebSocketMessageFormat,
    decode_events,
    encode_events,
    parse_grip_url,
    validate_grip_sig,
)
from faas_grip.protocol.events import EVENT_TYPES

from .capture import websocket_bodies

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

events = st.builds(
    WebSocketEvent, st.sampled_from(sorted(EVENT_TYPES)), st.none() | st.binary(max_size=100)
)


def pairs(decoded: list[Any]) -> list[tuple[str, bytes | None]]:
    """(type, content) of our events or gripcontrol's."""
    return [(e.type, e.content) for e in decoded]


def gc_events(ours: list[WebSocketEvent]) -> list[gripcontrol.WebSocketEvent]:
    return [gripcontrol.WebSocketEvent(e.type, e.content) for e in ours]


# -- the codec ---------------------------------------------------------------------------------


@settings(max_examples=100)
@given(st.lists(events, max_size=10))
def test_gripcontrol_decodes_our_encoding_identically(ours: list[WebSocketEvent]) -> None:
    assert pairs(gripcontrol.decode_websocket_events(encode_events(ours))) == pairs(ours)


@settings(max_examples=100)
@given(st.lists(events, max_size=10))
def test_we_decode_gripcontrols_encoding_identically(ours: list[WebSocketEvent]) -> None:
    body = gripcontrol.encode_websocket_events(gc_events(ours))
    assert decode_events(body) == ours


@settings(max_examples=100)
@given(st.lists(events, max_size=10))
def test_our_encoding_equals_gripcontrols_byte_for_byte(ours: list[WebSocketEvent]) -> None:
    assert encode_events(ours) == gripcontrol.encode_websocket_events(gc_events(ours))


@settings(max_examples=100)
@given(events)
def test_a_single_event_encodes_as_gripcontrol_encodes_it(event: WebSocketEvent) -> None:
    # A list of one event takes encode_events' one-step branch (the usual warm reply).
    assert encode_events([event]) == gripcontrol.encode_websocket_events(gc_events([event]))


@pytest.mark.parametrize(
    "body", websocket_bodies("PUSHPIN->BACKEND") + websocket_bodies("BACKEND->PUSHPIN")
)
def test_captured_bodies_decode_as_gripcontrol_decodes_them(body: bytes) -> None:
    assert pairs(decode_events(body)) == pairs(gripcontrol.decode_websocket_events(body))


def test_gripcontrol_decodes_truncated_body_leniently_we_refuse_it() -> None:
    body = b"TEXT 9\r\nhel"
    assert pairs(gripcontrol.decode_websocket_events(body)) == [("TEXT", b"hel")]
    with pytest.raises(GripProtocolError, match="declares 9 bytes but 3 remain"):
        decode_events(body)


def test_gripcontrol_skips_whatever_follows_content_we_require_crlf() -> None:
    body = b"TEXT 3\r\nhelXXOPEN\r\n"
    assert pairs(gripcontrol.decode_websocket_events(body)) == [("TEXT", b"hel"), ("OPEN", None)]
    with pytest.raises(GripProtocolError, match="not followed by CRLF"):
        decode_events(body)


def test_gripcontrol_accepts_unknown_event_types_we_refuse_them() -> None:
    body = b"HELLO\r\ntext 1\r\na\r\n"
    assert pairs(gripcontrol.decode_websocket_events(body)) == [("HELLO", None), ("text", b"a")]
    with pytest.raises(GripProtocolError, match="unknown event type"):
        decode_events(body)


@pytest.mark.parametrize("length", [b"1_0", b"10 ", b"10\t"])
def test_gripcontrol_accepts_lengths_that_int_accepts_we_want_hex_digits(length: bytes) -> None:
    body = b"TEXT " + length + b"\r\n" + b"x" * 16 + b"\r\n"
    assert pairs(gripcontrol.decode_websocket_events(body)) == [("TEXT", b"x" * 16)]
    with pytest.raises(GripProtocolError, match="invalid length"):
        decode_events(body)


@pytest.mark.parametrize(
    ("body", "gripcontrol_raises"),
    [(b"TEXT -1\r\n\r\n", ValueError), (b"\xff\r\n", UnicodeDecodeError)],
)
def test_gripcontrol_raises_assorted_exceptions_we_raise_grip_protocol_error(
    body: bytes, gripcontrol_raises: type[Exception]
) -> None:
    with pytest.raises(gripcontrol_raises):
        gripcontrol.decode_websocket_events(body)
    with pytest.raises(GripProtocolError):
        decode_events(body)


# -- WebSocketContext ---------------------------------------------------------------------------


def both_contexts(
    *incoming: WebSocketEvent, prefix: str = ""
) -> tuple[WebSocketContext, gripcontrol.WebSocketContext]:
    ours = WebSocketContext("c1", events=incoming, prefix=prefix)
    theirs = gripcontrol.WebSocketContext("c1", {}, gc_events(list(incoming)), grip_prefix=prefix)
    return ours, theirs


def test_messages_sent_equal_gripcontrols_byte_for_byte() -> None:
    ours, theirs = both_contexts()
    for ctx in (ours, theirs):
        ctx.send("héllo")
        ctx.send_binary(b"\x00\xff")
    assert ours.encode() == gripcontrol.encode_websocket_events(theirs.out_events)


def test_control_messages_carry_the_same_json_as_gripcontrols() -> None:
    ours, theirs = both_contexts(prefix="app-")
    for ctx in (ours, theirs):
        ctx.subscribe("room")
        ctx.unsubscribe("room")
        ctx.detach()

    def controls(decoded: list[Any]) -> list[tuple[str, Any]]:
        return [(e.type, json.loads(e.content[2:])) for e in decoded if e.content[:2] == b"c:"]

    assert controls(decode_events(ours.encode())) == controls(theirs.out_events)
    assert len(theirs.out_events) == 3


def test_recv_returns_what_gripcontrols_recv_returns() -> None:
    incoming = [
        WebSocketEvent("TEXT", "héllo"),
        WebSocketEvent("PING", b"p"),
        WebSocketEvent("BINARY", b"\x00"),
        WebSocketEvent("TEXT", b""),
        WebSocketEvent("CLOSE", b"\x03\xe8"),
    ]
    ours, theirs = both_contexts(*incoming)
    assert (
        [ours.recv() for _ in range(3)]
        == [theirs.recv() for _ in range(3)]
        == [
            "héllo",
            b"\x00",
            "",
        ]
    )
    assert ours.recv() is theirs.recv() is None
    assert ours.close_code == theirs.close_code == 1000


def test_pongs_equal_gripcontrols_once_it_has_read_past_the_pings() -> None:
    ours, theirs = both_contexts(WebSocketEvent("PING", b"a"), WebSocketEvent("TEXT", b"x"))
    theirs.recv()
    assert ours.encode() == gripcontrol.encode_websocket_events(theirs.out_events)


def test_gripcontrol_answers_pings_only_when_the_handler_reads_we_always_answer() -> None:
    # A handler with nothing to read (a lone PING in the batch) never calls recv().
    ours, theirs = both_contexts(WebSocketEvent("PING", b"cli-ping"))
    assert theirs.out_events == []
    assert ours.encode() == b"PONG 8\r\ncli-ping\r\n"


def test_gripcontrol_close_without_code_uses_code_0_we_send_1000() -> None:
    ours, theirs = both_contexts()
    ours.close()
    theirs.close()
    assert theirs.out_close_code == 0  # not a valid close code (RFC 6455 §7.4)
    assert ours.encode() == b"CLOSE 2\r\n\x03\xe8\r\n"


def test_gripcontrol_loses_the_close_code_when_a_reason_follows_we_keep_both() -> None:
    ours, theirs = both_contexts(WebSocketEvent("CLOSE", b"\x0f\xa1bye"))
    assert theirs.recv() is None and theirs.close_code is None
    assert ours.recv() is None
    assert (ours.close_code, ours.close_reason) == (4001, "bye")


# -- hold instructions -------------------------------------------------------------------------


def gc_channel(name: str, prev_id: str | None = None, filters: tuple[str, ...] = ()) -> Any:
    channel = gripcontrol.Channel(name, prev_id)
    channel.filters = list(filters)
    return channel


CHANNEL_CASES = [
    ("news", None, ()),
    ("news", "7", ()),
    ("news", "7", ("skip-self",)),
    ("a.b-c_d", None, ("skip-self", "require-sub")),
]


@pytest.mark.parametrize(("name", "prev_id", "filters"), CHANNEL_CASES)
def test_grip_channel_header_equals_gripcontrols(
    name: str, prev_id: str | None, filters: tuple[str, ...]
) -> None:
    ours = GripInstruct([Channel(name, prev_id, filters), "second"]).to_headers()["Grip-Channel"]
    theirs = gripcontrol.create_grip_channel_header(
        [gc_channel(name, prev_id, filters), gc_channel("second")]
    )
    assert ours == theirs


@pytest.mark.parametrize("mode", ["response", "stream"])
def test_hold_headers_say_what_gripcontrols_hold_instruction_says(mode: str) -> None:
    channels = [Channel("a", prev_id="1"), Channel("b")]
    ours = GripInstruct(channels)
    if mode == "response":
        ours.set_hold_longpoll(timeout=30)
        theirs = json.loads(
            gripcontrol.create_hold_response([gc_channel("a", "1"), gc_channel("b")], None, 30)
        )
    else:
        ours.set_hold_stream()
        theirs = json.loads(gripcontrol.create_hold_stream([gc_channel("a", "1"), gc_channel("b")]))
    headers = ours.to_headers()
    hold = theirs["hold"]
    assert headers["Grip-Hold"] == hold["mode"]
    assert headers["Grip-Channel"] == ", ".join(
        c["name"] + (f"; prev-id={c['prev-id']}" if "prev-id" in c else "")
        for c in hold["channels"]
    )
    assert headers.get("Grip-Timeout") == (str(hold["timeout"]) if "timeout" in hold else None)


def test_gripcontrol_create_hold_drops_channel_filters_we_keep_them() -> None:
    theirs = json.loads(gripcontrol.create_hold_stream([gc_channel("a", None, ("skip-self",))]))
    assert theirs["hold"]["channels"] == [{"name": "a"}]
    ours = GripInstruct(Channel("a", filters=["skip-self"])).to_headers()
    assert ours["Grip-Channel"] == "a; filter=skip-self"


def test_gripcontrol_puts_crlf_from_a_channel_name_into_the_header_we_refuse_it() -> None:
    name = "a\r\nX-Injected: 1"
    assert "\r\n" in gripcontrol.create_grip_channel_header(name)
    with pytest.raises(ValueError, match="channel name"):
        GripInstruct(name)


# -- published items ---------------------------------------------------------------------------


def gc_published(item: pubcontrol.Item, channel: str) -> dict[str, Any]:
    """What pubcontrol's PubControlClient.publish sends for an item, with the formats moved under
    "formats" (Pushpin's documented form, which we send; Pushpin accepts both)."""
    exported = dict(item.export())
    exported["channel"] = channel
    formats = {
        name: exported.pop(name)
        for name in ("http-stream", "http-response", "ws-message")
        if name in exported
    }
    exported["formats"] = formats
    return exported


ITEM_CASES: list[tuple[Item, pubcontrol.Item]] = [
    (
        Item(HttpStreamFormat("line\n")),
        pubcontrol.Item(gripcontrol.HttpStreamFormat("line\n")),
    ),
    (
        Item(HttpStreamFormat(b"\x00\xff")),
        pubcontrol.Item(gripcontrol.HttpStreamFormat(b"\x00\xff")),
    ),
    (
        Item(HttpStreamFormat(close=True)),
        pubcontrol.Item(gripcontrol.HttpStreamFormat(close=True)),
    ),
    (
        Item(HttpResponseFormat("done", code=201, reason="Created", headers={"X-A": "1"})),
        pubcontrol.Item(
            gripcontrol.HttpResponseFormat(
                code=201, reason="Created", headers={"X-A": "1"}, body="done"
            )
        ),
    ),
    (
        Item(HttpResponseFormat(b"\xff\xfe")),
        pubcontrol.Item(gripcontrol.HttpResponseFormat(body=b"\xff\xfe")),
    ),
    (
        Item(WebSocketMessageFormat("hi")),
        pubcontrol.Item(gripcontrol.WebSocketMessageFormat("hi")),
    ),
    (
        Item(WebSocketMessageFormat("hi", binary=True)),
        pubcontrol.Item(gripcontrol.WebSocketMessageFormat("hi", binary=True)),
    ),
    (
        Item(WebSocketMessageFormat(close=True, code=4000, reason="bye")),
        pubcontrol.Item(
            gripcontrol.WebSocketMessageFormat(action="close", code=4000, reason="bye")
        ),
    ),
    (
        Item(
            [HttpStreamFormat("a\n"), WebSocketMessageFormat("a")],
            id="2",
            prev_id="1",
            meta={"sender": "bob"},
        ),
        pubcontrol.Item(
            [gripcontrol.HttpStreamFormat("a\n"), gripcontrol.WebSocketMessageFormat("a")],
            id="2",
            prev_id="1",
            meta={"sender": "bob"},
        ),
    ),
]


@pytest.mark.parametrize(("ours", "theirs"), ITEM_CASES)
def test_exported_items_equal_gripcontrols(ours: Item, theirs: pubcontrol.Item) -> None:
    assert ours.export("news") == gc_published(theirs, "news")


def test_response_without_body_means_an_empty_body_as_gripcontrol_says() -> None:
    # gripcontrol writes "body": "" where we leave body out: Pushpin sends an empty body for both.
    theirs = gripcontrol.HttpResponseFormat(code=204).export()
    assert theirs == {"code": 204, "body": ""}
    assert HttpResponseFormat(code=204).export() == {"code": 204}


def test_bytes_publish_as_binary_where_gripcontrol_sends_utf8_bytes_as_text() -> None:
    # A difference by design: bytes mean a binary WebSocket frame, whatever they contain.
    assert gripcontrol.WebSocketMessageFormat(b"abc").export() == {"content": "abc"}
    content_bin = base64.b64encode(b"abc").decode()
    assert WebSocketMessageFormat(b"abc").export() == {"content-bin": content_bin}


# -- GRIP URLs and Grip-Sig --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:5561",
        "http://localhost:5561/?key=changeme",
        "https://api.fanout.io/realm/R?iss=R&key=base64:YWJjZA==",
        "https://api.fanout.io/realm/R/?iss=R&key=base64:++8=",
        "https://api.fastly.com/service/S?key=TOKEN&verify-iss=fastly:S&verify-key=base64:YWJj",
        "https://h/r?a=1&key=k",
    ],
)
def test_parse_grip_url_equals_gripcontrols_parse_grip_uri(url: str) -> None:
    ours = parse_grip_url(url)
    theirs = gripcontrol.parse_grip_uri(url)
    assert ours.control_uri == theirs["control_uri"]
    assert ours.control_iss == theirs.get("control_iss")
    assert ours.key == theirs.get("key")
    assert ours.verify_iss == theirs.get("verify_iss")
    assert ours.verify_key == theirs.get("verify_key")


def test_gripcontrol_leaves_basic_credentials_in_the_control_uri_we_take_them_out() -> None:
    url = "http://user:p%40ss@localhost:5561"
    assert gripcontrol.parse_grip_uri(url)["control_uri"] == url
    ours = parse_grip_url(url)
    assert (ours.control_uri, ours.basic_auth) == ("http://localhost:5561", ("user", "p@ss"))


SECRET = "a-shared-secret-of-at-least-32-bytes!"


@pytest.mark.parametrize(
    ("claims", "key", "iss"),
    [
        ({"iss": "pushpin", "exp": 3600}, SECRET, "pushpin"),
        ({"iss": "pushpin", "exp": -10}, SECRET, "pushpin"),
        ({"iss": "pushpin"}, SECRET, "pushpin"),
        ({"iss": "mallory", "exp": 3600}, SECRET, "pushpin"),
        ({"iss": "pushpin", "exp": 3600}, "another-secret-of-at-least-32-bytes", "pushpin"),
        ({"exp": 3600}, SECRET, None),
    ],
)
def test_grip_sig_verdicts_equal_gripcontrols(
    claims: dict[str, Any], key: str, iss: str | None
) -> None:
    payload = dict(claims)
    if "exp" in payload:
        payload["exp"] += int(time.time())
    token = jwt.encode(payload, SECRET, algorithm="HS256")
    assert validate_grip_sig(token, key, iss=iss) == gripcontrol.validate_sig(token, key, iss=iss)
