"""Fuzz targets: the decoder, and a decorated handler's whole request path through every front door.

Both take raw fuzzer bytes and return normally, or raise AssertionError (a finding); any other
exception escaping is a finding too. The quick suite (tests/hardening/test_fuzz.py) runs them
under hypothesis; `make stress` runs them under atheris (tests/hardening/fuzz.py), coverage-guided,
seeded with `decoder_seeds()` / `request_seeds()` taken from the Pushpin wire capture.

A request input is 8 control bytes followed by a tail:

    0 door   1 handler   2 Grip-Sig   3 method   4 Content-Type   5 flags   6 path   7 event shape

Flag bit 3 splits the tail at its first LF: the line before it (latin-1, at most 200 bytes) is the
"fuzzed string" that other flags plant in a header, a meta value, a subprotocol, the path or the
query; the rest is the body.
"""

from __future__ import annotations

import base64
import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from faas_grip import (
    GripProtocolError,
    WebSocketContext,
    decode_events,
    encode_events,
    front_door,
    grip_longpoll,
    grip_stream,
    grip_websocket,
)
from faas_grip.protocol.events import CONTENT_TYPE, EVENT_TYPES, OPEN
from faas_grip.testing import DOORS, grip_sig, http_event
from tests.protocol.capture import read_messages, websocket_bodies

KEY = "hardening-fuzz-key-long-enough-for-hs256"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TEXT_PLAIN = "text/plain; charset=utf-8"
CONTROL_BYTES = 8
MAX_LINE = 200

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VALUE = re.compile(r"[\t\x20-\x7e]*")

# -- the decoder -----------------------------------------------------------------------------


def fuzz_decode(data: bytes) -> None:
    """decode_events either raises GripProtocolError or returns events that re-encode to a body
    decoding to the same events."""
    try:
        events = decode_events(data)
    except GripProtocolError as exc:
        assert str(exc).startswith("body is not valid websocket-events: event "), exc
        return
    for event in events:
        assert event.type in EVENT_TYPES
        assert event.content is None or type(event.content) is bytes
    assert decode_events(encode_events(events)) == events


def decoder_seeds() -> list[bytes]:
    """Every websocket-events body of the wire capture, both directions, and a few edge cases."""
    seeds = websocket_bodies("PUSHPIN->BACKEND") + websocket_bodies("BACKEND->PUSHPIN")
    seeds += [
        b"",
        b"OPEN\r\nTEXT 5\r\nhello\r\nTEXT 5\r\nworld\r\nBINARY 2\r\n\x00\xff\r\n",
        b"TEXT 4\r\na\r\nb\r\n",  # a CRLF inside a message
        b"PING 8\r\ncli-ping\r\nCLOSE\r\nDISCONNECT\r\n",
        b"TEXT A\r\n0123456789\r\n",  # upper-case hex
    ]
    return seeds


# -- handlers behind the decorators --------------------------------------------------------


def careful_echo(ws: WebSocketContext, context: Any) -> None:
    """A handler written as the docs advise: it passes client data to the header-bound APIs
    (meta, subscribe, subprotocol, close reason) and catches the ValueError they raise."""
    if ws.is_opening():
        offered = ws.protocols
        if ws.query.get("reject") is not None:
            try:
                ws.reject(403, "refused\n", headers={"X-Reason": ws.query["reject"]})
            except ValueError:
                ws.reject(400, "bad reason\n")
            return
        ws.accept(protocol=offered[0] if offered else None)
        ws.subscribe("room")
        for name in ws.meta:
            ws.send(f"meta {name}={ws.meta[name]}")
    for message in ws:
        text = message if isinstance(message, str) else message.decode("latin-1")
        try:
            if text.startswith("/meta "):
                name, _, value = text[6:].partition("=")
                ws.meta[name] = value
            elif text == "/unmeta":
                for name in list(ws.meta):
                    del ws.meta[name]
            elif text.startswith("/sub "):
                ws.subscribe(text[5:])
            elif text.startswith("/close "):
                ws.close(4000, text[7:])
                return
            elif isinstance(message, str):
                ws.send(message)
            else:
                ws.send_binary(message)
        except ValueError as exc:
            ws.send(f"refused: {exc}")


def _query_channel(event: Any) -> str:
    return front_door(event).request.query.get("channel", "news")


def _stream_body(event: Any, context: Any) -> str:
    return "stream open\n"


def _poll_body(event: Any, context: Any) -> dict[str, Any]:
    return {"statusCode": 204}


def _chat_handler() -> Callable[[Any, Any], dict[str, Any]]:
    """examples/chat's handler, its publishes recorded instead of sent."""
    spec = importlib.util.spec_from_file_location("hardening_chat", EXAMPLES / "chat" / "app.py")
    assert spec is not None and spec.loader is not None
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    app.say = said.append  # type: ignore[attr-defined]
    handler: Callable[[Any, Any], dict[str, Any]] = app.handler
    return handler


said: list[str] = []

# name -> (handler, kind): kind "ws" answers websocket-events, "hold" a GRIP hold, "app" anything
HANDLERS: dict[str, tuple[Callable[[Any, Any], dict[str, Any]], str]] = {
    "ws-signed": (grip_websocket(verify_key=KEY)(careful_echo), "ws"),
    "ws-open": (grip_websocket(careful_echo), "ws"),
    "stream": (grip_stream(_query_channel, keep_alive="ka", verify_key=KEY)(_stream_body), "hold"),
    "longpoll": (grip_longpoll("news", timeout=20, verify_key=KEY)(_poll_body), "hold"),
    "chat": (_chat_handler(), "app"),
}
HANDLER_NAMES = tuple(HANDLERS)

# -- building a request event from fuzzer bytes ---------------------------------------------

_VALID_SIG = grip_sig(KEY, expires_in=30 * 86400)
_EXPIRED_SIG = grip_sig(KEY, expires_in=-60)
METHODS = ("POST", "POST", "POST", "POST", "GET", "PUT", "post", "OPTIONS")
CONTENT_TYPES = (
    CONTENT_TYPE,
    CONTENT_TYPE,
    CONTENT_TYPE,
    CONTENT_TYPE,
    CONTENT_TYPE + "; charset=utf-8",
    CONTENT_TYPE.upper(),
    "text/plain",
    None,
)
PATHS = ("/chat", "/ws", "/", "/stream", "/poll", "/chat/x", "/%0d%0a", None)

FLAG_NO_CONNECTION_ID = 1
FLAG_FLIP_BASE64 = 2
FLAG_NULL_HEADERS = 4
FLAG_LINE = 8
FLAG_PROTOCOL = 16
FLAG_META = 32
FLAG_PATH = 64
FLAG_QUERY = 128


class Case:
    """One request decoded from fuzzer bytes: which door and handler, and the event."""

    __slots__ = ("door", "event", "handler", "opening")

    def __init__(self, door: str, handler: str, event: dict[str, Any], opening: bool) -> None:
        self.door = door
        self.handler = handler
        self.event = event
        self.opening = opening


def build_case(data: bytes) -> Case:
    control = data[:CONTROL_BYTES].ljust(CONTROL_BYTES, b"\0")
    tail = data[CONTROL_BYTES:]
    door = DOORS[control[0] % len(DOORS)]
    handler = HANDLER_NAMES[control[1] % len(HANDLER_NAMES)]
    flags = control[5]
    line = ""
    if flags & FLAG_LINE:
        raw, _, tail = tail.partition(b"\n")
        line = raw[:MAX_LINE].decode("latin-1")

    headers: list[tuple[str, str]] = [
        ("Accept", CONTENT_TYPE),
        ("Sec-WebSocket-Extensions", "grip"),
    ]
    sig = control[2] % 10
    if sig < 5:
        headers.append(("Grip-Sig", _VALID_SIG))
    elif sig == 5:
        headers.append(("Grip-Sig", line or "garbage"))
    elif sig == 6:
        headers.append(("Grip-Sig", _EXPIRED_SIG))
    elif sig == 7:
        headers += [("Grip-Sig", _VALID_SIG), ("Grip-Sig", _VALID_SIG)]
    elif sig == 8:
        headers.append(("Grip-Sig", _VALID_SIG[:-3]))
    # sig == 9: no Grip-Sig at all
    content_type = CONTENT_TYPES[control[4] % len(CONTENT_TYPES)]
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    if not flags & FLAG_NO_CONNECTION_ID:
        headers.append(("Connection-Id", "fuzz-connection"))
    if flags & FLAG_PROTOCOL:
        headers.append(("Sec-WebSocket-Protocol", line))
    if flags & FLAG_META:
        headers += [("Meta-Nick", line), ("Meta-" + (line or "x"), "v")]

    path = PATHS[control[6] % len(PATHS)] or "/" + line
    if flags & FLAG_PATH:
        path = line or "/"
    query: list[tuple[str, str]] = []
    if flags & FLAG_QUERY:
        query = [("channel", line), ("reject", line)] if control[6] & 1 else [("channel", line)]

    # What AWS does with a body that is not base64: text, binary bytes replaced.
    arrives_base64 = door != "rest" or (content_type or "").lower().startswith(CONTENT_TYPE)
    base64_body = arrives_base64 != bool(flags & FLAG_FLIP_BASE64)
    body: str | bytes | None = tail if base64_body else tail.decode("utf-8", "replace")
    event = http_event(
        door,  # type: ignore[arg-type]
        METHODS[control[3] % len(METHODS)],
        path,
        headers=headers,
        body=body,
        query=query,
        base64_body=base64_body,
    )
    shape = control[7] % 16
    if flags & FLAG_NULL_HEADERS:
        for key in ("headers", "multiValueHeaders"):
            if key in event:
                event[key] = None
    if shape == 1:
        event["body"], tail = None, b""
    elif shape == 2:
        event.pop("isBase64Encoded", None)
    elif shape == 3 and base64_body and event["body"]:
        event["body"] = event["body"][:-1]  # damaged base64
    opening = tail.startswith(OPEN.encode())
    return Case(door, handler, event, opening)


def request_seeds() -> list[bytes]:
    """Inputs that replay each WebSocket-over-HTTP request of the capture through each door and
    handler, signed and well-formed, also with a fuzzed string planted in a meta header, the
    subprotocol offer or the query: the fuzzer mutates outward from real traffic."""
    bodies = [
        m.body
        for m in read_messages()
        if m.direction == "PUSHPIN->BACKEND" and m.start_line.startswith("POST")
    ]
    bodies += [b"OPEN\r\nTEXT 9\r\n/meta a=b\r\nTEXT 8\r\n/sub x:y\r\n", b"TEXT 7\r\n/unmeta\r\n"]
    plants = (0, FLAG_LINE | FLAG_META, FLAG_LINE | FLAG_PROTOCOL, FLAG_LINE | FLAG_QUERY)
    seeds = []
    for door in range(len(DOORS)):
        for handler in range(len(HANDLER_NAMES)):
            for flags in plants:
                line = b"x-fuzz\n" if flags else b""
                for body in bodies:
                    seeds.append(bytes((door, handler, 0, 0, 0, flags, 0, 0)) + line + body)
    return seeds


# -- the oracle -----------------------------------------------------------------------------


def response_headers(door: str, response: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (name, value) of a proxy response, after checking the door's response shape."""
    pairs: list[tuple[str, str]] = []
    single = response.get("headers")
    multi = response.get("multiValueHeaders")
    if door == "alb-multi":
        assert single is None, "an ALB with multi-value headers must answer multiValueHeaders"
    elif door == "alb":
        assert multi is None, "an ALB without multi-value headers must answer headers"
    elif door in ("http", "url"):
        assert multi is None, "payload 2.0 has no multiValueHeaders"
    for name, value in (single or {}).items():
        pairs.append((name, value))
    for name, values in (multi or {}).items():
        assert isinstance(values, list) and values
        pairs += [(name, v) for v in values]
    for cookie in response.get("cookies") or ():
        pairs.append(("Set-Cookie", cookie))
    if door.startswith("alb"):
        assert str(response["statusDescription"]).startswith(str(response["statusCode"]))
    for name, value in pairs:
        assert isinstance(name, str) and _TOKEN.fullmatch(name), f"header name {name!r}"
        assert isinstance(value, str) and _VALUE.fullmatch(value), f"header {name}: {value!r}"
    return pairs


def check_response(case: Case, kind: str, response: Any) -> int:
    """Assert `response` is what the decorator may answer; return its status."""
    assert isinstance(response, dict), type(response)
    status = response["statusCode"]
    headers = {k.lower(): v for k, v in response_headers(case.door, response)}
    assert isinstance(response["isBase64Encoded"], bool)
    body = response["body"]
    assert isinstance(body, str)
    raw = base64.b64decode(body, validate=True) if response["isBase64Encoded"] else body.encode()
    if status in (400, 403):
        assert headers.get("content-type") == TEXT_PLAIN, headers
        assert not response["isBase64Encoded"] and body.strip(), "a refusal says why, as text"
        return int(status)
    if kind == "ws" or headers.get("content-type") == CONTENT_TYPE:
        if status == 200:
            assert headers.get("content-type") == CONTENT_TYPE, headers
            events = decode_events(raw)
            accepted = bool(events) and events[0].type == OPEN
            assert accepted == case.opening, (accepted, case.opening)
        else:  # the handler's own rejection of the handshake
            assert status in (400, 403) and case.opening
        return int(status)
    if kind == "hold":
        assert 200 <= status < 400, response  # the handler's own answer, held
        assert headers.get("grip-hold") in ("stream", "response"), response
        assert headers.get("grip-channel")
        return int(status)
    assert status in (200, 204, 404), response  # the chat app's own routes
    if headers.get("grip-hold"):
        assert headers.get("grip-channel")
    return int(status)


def fuzz_request(data: bytes) -> tuple[str, str, int]:
    """Run one fuzzed request through a decorated handler; return (door, handler, status)."""
    case = build_case(data)
    handler, kind = HANDLERS[case.handler]
    try:
        response = handler(case.event, None)
    except GripProtocolError:
        # Only the chat app routes by itself (front_door, request.path) before its decorated
        # handlers; every event here is an HTTP event, so even it must not get here.
        raise AssertionError("a GripProtocolError escaped the handler") from None
    return case.door, case.handler, check_response(case, kind, response)
