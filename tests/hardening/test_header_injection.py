"""Header injection: CR, LF, colons and non-ASCII in everything that ends up in a header.

Each API that writes a header refuses an unfit value with a ValueError at the call that set it;
nothing a client sends can add a header or split a response. The rendered proxy responses are
checked whole, and one request of each kind goes through Pushpin and the local gateway, read as
raw bytes from a socket.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from faas_grip import (
    Channel,
    GripInstruct,
    WebSocketContext,
    WebSocketEvent,
    grip_stream,
    grip_websocket,
)
from faas_grip.dev.server import DevServer
from faas_grip.testing import DOORS, http_event, read_response, websocket_event
from tests.hardening.fuzzing import response_headers

INJECTIONS = [
    "a\r\nX-Injected: 1",
    "a\nX-Injected: 1",
    "a\rX-Injected: 1",
    "a\r\n\r\n<html>",
    "caf\u00e9",
    "line\u2028separator",
    "nul\x00byte",
]
NAMES = [*INJECTIONS, "a:b", "a b", "X-Injected: 1", ""]
HANDLERS = Path(__file__).parent / "handlers"
CHAT = Path(__file__).parents[2] / "examples" / "chat"


def opening(**headers: str) -> WebSocketContext:
    return WebSocketContext("c1", events=[WebSocketEvent("OPEN")], headers=headers)


def assert_clean(headers: dict[str, str]) -> None:
    """No header of a rendered reply carries a line break, a colon in its name, or non-ASCII."""
    for name, value in headers.items():
        assert re.fullmatch(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", name), name
        assert re.fullmatch(r"[\t\x20-\x7e]*", value), (name, value)


# -- WebSocketContext: each call refuses at once -------------------------------------------


@pytest.mark.parametrize("value", INJECTIONS)
def test_meta_value_with_a_line_break_or_non_ascii_raises_at_the_assignment(value: str) -> None:
    ws = opening()
    with pytest.raises(ValueError, match="meta value"):
        ws.meta["nick"] = value
    assert ws.meta.changes == {}


@pytest.mark.parametrize("name", NAMES)
def test_meta_name_that_is_not_a_header_name_raises_at_the_assignment(name: str) -> None:
    ws = opening()
    with pytest.raises(ValueError, match="meta name"):
        ws.meta[name] = "v"
    assert ws.meta.changes == {}


@pytest.mark.parametrize("name", [*INJECTIONS, "a b", "a,b", "a;b", 'a"b', ""])
def test_channel_name_with_a_separator_line_break_or_non_ascii_raises_at_subscribe(
    name: str,
) -> None:
    ws = opening()
    ws.accept()
    with pytest.raises(ValueError, match="channel name"):
        ws.subscribe(name)
    assert ws.outgoing_events() == [WebSocketEvent("OPEN")]


@pytest.mark.parametrize("value", INJECTIONS)
def test_subprotocol_with_a_line_break_or_non_ascii_raises_at_accept(value: str) -> None:
    ws = opening(**{"Sec-WebSocket-Protocol": "chat"})
    with pytest.raises(ValueError, match="subprotocol"):
        ws.accept(protocol=value)
    assert not ws.accepted


@pytest.mark.parametrize("value", INJECTIONS)
def test_offered_subprotocol_that_is_not_a_token_is_never_listed(value: str) -> None:
    ws = opening(**{"Sec-WebSocket-Protocol": f"{value}, chat"})
    assert ws.protocols == ["chat"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_reject_header_value_with_a_line_break_or_non_ascii_raises(value: str) -> None:
    ws = opening()
    with pytest.raises(ValueError, match="reject header"):
        ws.reject(403, "no", headers={"X-Reason": value})
    assert not ws.rejected


@pytest.mark.parametrize("name", NAMES)
def test_reject_header_name_that_is_not_a_header_name_raises(name: str) -> None:
    with pytest.raises(ValueError, match="reject header name"):
        opening().reject(403, "no", headers={name: "v"})


@pytest.mark.parametrize("value", INJECTIONS)
def test_accept_header_value_with_a_line_break_or_non_ascii_raises(value: str) -> None:
    with pytest.raises(ValueError, match="accept header"):
        opening().accept(headers={"X-Room": value})


@pytest.mark.parametrize("name", NAMES)
def test_accept_header_name_that_is_not_a_header_name_raises(name: str) -> None:
    with pytest.raises(ValueError, match="accept header name"):
        opening().accept(headers={name: "v"})


def test_colon_in_a_meta_value_stays_inside_its_header() -> None:
    ws = opening()
    ws.accept()
    ws.meta["url"] = "https://example.com:8443/a"
    headers = ws.to_headers()
    assert headers["Set-Meta-url"] == "https://example.com:8443/a"
    assert_clean(headers)


# -- hold instructions ------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*INJECTIONS, "a b", "a,b", "a;b", ""])
def test_channel_name_unfit_for_grip_channel_raises_where_it_is_made(name: str) -> None:
    with pytest.raises(ValueError, match="channel name"):
        Channel(name)
    with pytest.raises(ValueError, match="channel name"):
        grip_stream(name)


@pytest.mark.parametrize("value", INJECTIONS)
def test_prev_id_and_filter_with_a_line_break_raise(value: str) -> None:
    with pytest.raises(ValueError, match="prev-id"):
        Channel("news", prev_id=value)
    with pytest.raises(ValueError, match="filter"):
        Channel("news", filters=[value])


@pytest.mark.parametrize("value", INJECTIONS)
def test_instruct_meta_status_and_next_link_refuse_line_breaks(value: str) -> None:
    instruct = GripInstruct("news")
    with pytest.raises(ValueError):
        instruct.set_meta("user", value)
    with pytest.raises(ValueError):
        instruct.set_status(200, value)
    with pytest.raises(ValueError):
        instruct.set_next_link("/next" + value)
    assert instruct.to_headers() == {"Grip-Channel": "news"}


@pytest.mark.parametrize("value", INJECTIONS)
def test_keep_alive_data_with_line_breaks_is_escaped_into_one_header(value: str) -> None:
    instruct = GripInstruct("news")
    instruct.set_hold_stream()
    instruct.set_keep_alive(value, 20)
    headers = instruct.to_headers()
    assert headers["Grip-Keep-Alive"].endswith("; format=cstring; timeout=20")
    assert_clean(headers)


def test_colon_in_a_channel_name_stays_inside_grip_channel() -> None:
    headers = GripInstruct(Channel("user:42", prev_id="a:1")).to_headers()
    assert headers == {"Grip-Channel": "user:42; prev-id=a:1"}


# -- whole proxy responses, every front door ------------------------------------------------


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("value", INJECTIONS)
def test_stream_channel_taken_from_the_request_is_refused_with_400(door: str, value: str) -> None:
    called = []

    def channel(event: Any) -> str:
        return value

    handler = grip_stream(channel)(lambda event, context: called.append(event))
    response = handler(http_event(door, "GET", "/stream"), None)  # type: ignore[arg-type]
    reply = read_response(response)
    assert reply.status == 400 and "channel name" in reply.text
    assert called == []
    response_headers(door, response)  # every name a token, every value printable ASCII


def _nick_handler(ws: WebSocketContext, context: Any) -> None:
    ws.accept()
    for message in ws:
        try:
            ws.meta["nick"] = str(message)
        except ValueError:
            ws.send("unfit nick")


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("value", INJECTIONS)
def test_meta_from_a_client_message_never_reaches_the_response_headers(
    door: str, value: str
) -> None:
    response = grip_websocket(_nick_handler)(websocket_event(door=door, text=value), None)  # type: ignore[arg-type]
    reply = read_response(response)
    assert reply.messages == ["unfit nick"] and reply.meta == {}
    headers = response_headers(door, response)
    assert not any(name.lower().startswith("set-meta") for name, _ in headers)
    assert all("Injected" not in name + value for name, value in headers)


@pytest.fixture(scope="module")
def chat_app() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("hardening_chat_app", CHAT / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("value", INJECTIONS)
def test_chat_example_nick_with_a_line_break_is_answered_not_bound(
    chat_app: Any, door: str, value: str
) -> None:
    event = websocket_event(door=door, path="/chat", text=f"/nick {value}")  # type: ignore[arg-type]
    response = chat_app.handler(event, None)
    reply = read_response(response)
    assert reply.messages == ["a nickname must be printable ASCII"]
    assert reply.meta == {}
    response_headers(door, response)


# -- through Pushpin and the local gateway, raw bytes ---------------------------------------


@pytest.fixture(scope="module")
def dev() -> Iterator[DevServer]:
    with DevServer("hardening.handler", code_dir=HANDLERS) as server:
        yield server


def raw_request(dev: DevServer, request: bytes) -> bytes:
    """Send `request` to Pushpin as is; return the response head (up to the blank line)."""
    with socket.create_connection(("127.0.0.1", dev.pushpin.port), timeout=15) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return data.partition(b"\r\n\r\n")[0]


def handshake(target: str, *extra: bytes) -> bytes:
    lines = [
        f"GET {target} HTTP/1.1".encode(),
        b"Host: 127.0.0.1",
        b"Upgrade: websocket",
        b"Connection: Upgrade",
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        b"Sec-WebSocket-Version: 13",
        *extra,
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def header_names(head: bytes) -> list[bytes]:
    return [line.partition(b":")[0].lower() for line in head.split(b"\r\n")[1:]]


@pytest.mark.pushpin
def test_websocket_handshake_with_a_crlf_nick_is_refused_in_one_clean_response(
    dev: DevServer,
) -> None:
    head = raw_request(dev, handshake("/ws?nick=a%0D%0AX-Injected:%201"))
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"x-injected" not in header_names(head)


@pytest.mark.pushpin
def test_websocket_rejection_with_a_crlf_reason_adds_no_header(dev: DevServer) -> None:
    head = raw_request(dev, handshake("/ws?reason=a%0D%0AX-Injected:%201"))
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"x-injected" not in header_names(head)
    assert b"x-reason" not in header_names(head)


@pytest.mark.pushpin
def test_websocket_rejection_with_a_fit_reason_sends_exactly_that_header(dev: DevServer) -> None:
    head = raw_request(dev, handshake("/ws?reason=too%20busy:%20try%20later"))
    assert head.startswith(b"HTTP/1.1 403 ")
    assert b"X-Reason: too busy: try later" in head.split(b"\r\n")


@pytest.mark.pushpin
def test_subprotocol_offer_with_non_ascii_is_skipped_for_the_next_one(dev: DevServer) -> None:
    head = raw_request(
        dev, handshake("/ws", "Sec-WebSocket-Protocol: \u00e9vil, chat".encode("latin-1"))
    )
    assert head.startswith(b"HTTP/1.1 101 ")
    assert b"Sec-WebSocket-Protocol: chat" in head.split(b"\r\n")


@pytest.mark.pushpin
def test_stream_channel_with_a_crlf_is_refused_in_one_clean_response(dev: DevServer) -> None:
    target = "/stream?channel=a%0D%0AX-Injected:%201"
    head = raw_request(dev, f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"x-injected" not in header_names(head)
