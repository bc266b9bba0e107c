"""The framework-free entry: handle_websocket, hold_stream and hold_longpoll."""

from __future__ import annotations

from typing import Any

import pytest

from faas_grip import (
    WebSocketContext,
    dispatch,
    encode_events,
    handle_websocket,
    hold_longpoll,
    hold_stream,
)
from faas_grip.protocol.events import WebSocketEvent
from faas_grip.testing import grip_sig, read_response

KEY = "a-long-enough-secret-for-hs256-keys"
WS_HEADERS = [
    ("Content-Type", "application/websocket-events"),
    ("Connection-Id", "c1"),
    ("Meta-Nick", "bob"),
]


@pytest.fixture(autouse=True)
def _warn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatch, "_warned_no_key", False)


def echo(ws: WebSocketContext, context: Any) -> None:
    if ws.is_opening():
        ws.accept()
        ws.subscribe("room")
    for message in ws:
        ws.send(f"{ws.meta.get('nick')}@{ws.path}?{ws.query.get('x')}: {message!s}")


def body(*events: WebSocketEvent) -> bytes:
    return encode_events(events)


def test_handle_websocket_returns_status_header_pairs_and_bytes() -> None:
    status, headers, data = handle_websocket(echo, "POST", WS_HEADERS, body(WebSocketEvent("OPEN")))
    assert status == 200
    assert ("Content-Type", "application/websocket-events") in headers
    assert isinstance(data, bytes) and data.startswith(b"OPEN\r\n")


def test_handle_websocket_reads_meta_path_and_query_string() -> None:
    result = handle_websocket(
        echo, "POST", WS_HEADERS, body(WebSocketEvent("TEXT", "hi")), path="/chat", query="x=1&y=2"
    )
    assert read_response(result).messages == ["bob@/chat?1: hi"]


def test_handle_websocket_accepts_a_header_mapping() -> None:
    result = handle_websocket(echo, "post", dict(WS_HEADERS), body(WebSocketEvent("TEXT", "hi")))
    assert read_response(result).messages == ["bob@/?None: hi"]


def test_handle_websocket_passes_the_context() -> None:
    seen = []
    handle_websocket(lambda ws, context: seen.append(context), "POST", WS_HEADERS, b"", context="c")
    assert seen == ["c"]


def test_handle_websocket_bad_input_is_a_text_400() -> None:
    status, headers, data = handle_websocket(echo, "GET", [], b"")
    assert (status, dict(headers)["Content-Type"]) == (400, "text/plain; charset=utf-8")
    assert b"expected POST" in data


def test_handle_websocket_checks_grip_sig() -> None:
    called = []
    status, _, _ = handle_websocket(
        lambda ws, context: called.append(ws), "POST", WS_HEADERS, b"", verify_key=KEY
    )
    assert (status, called) == (403, [])


def test_handle_websocket_refuses_a_repeated_grip_sig() -> None:
    token = grip_sig(KEY)
    headers = [*WS_HEADERS, ("Grip-Sig", token), ("grip-sig", token)]
    status, _, data = handle_websocket(echo, "POST", headers, b"", verify_key=KEY)
    assert (status, b"appears 2 times" in data) == (403, True)


def test_handle_websocket_accepts_a_valid_grip_sig() -> None:
    headers = [*WS_HEADERS, ("Grip-Sig", grip_sig(KEY))]
    status, _, _ = handle_websocket(
        echo, "POST", headers, body(WebSocketEvent("OPEN")), verify_key=KEY
    )
    assert status == 200


def test_hold_stream_headers_and_body() -> None:
    reply = read_response(
        hold_stream([], "news", "hello\n", keep_alive="\n", keep_alive_timeout=30)
    )
    assert (reply.status, reply.hold, reply.channels, reply.text) == (
        200,
        "stream",
        ["news"],
        "hello\n",
    )
    assert reply.headers["Grip-Keep-Alive"] == "\\n; format=cstring; timeout=30"


def test_hold_stream_sse() -> None:
    reply = read_response(hold_stream({}, "news", sse=True))
    assert reply.headers["Content-Type"] == "text/event-stream"


def test_hold_stream_keeps_the_given_response_headers() -> None:
    reply = read_response(
        hold_stream(None, "news", "{}", headers={"Content-Type": "application/json"})
    )
    assert reply.headers["Content-Type"] == "application/json"


def test_hold_longpoll_timeout_and_timeout_response() -> None:
    reply = read_response(hold_longpoll([], ["a", "b"], "none\n", timeout=20, status=202))
    assert (reply.status, reply.hold, reply.channels, reply.text) == (
        202,
        "response",
        ["a", "b"],
        "none\n",
    )
    assert reply.headers["Grip-Timeout"] == "20"


def test_hold_without_valid_grip_sig_is_403() -> None:
    status, _, data = hold_longpoll(
        {"Grip-Sig": grip_sig("wrong-key-but-long-enough-to-use")}, "a", verify_key=KEY
    )
    assert (status, data) == (
        403,
        b"Grip-Sig is not valid: wrong key or algorithm, expired, or issued by another issuer\n",
    )


def test_hold_needs_a_channel() -> None:
    with pytest.raises(ValueError, match="at least one channel"):
        hold_stream([], [])


def test_hold_with_a_bad_channel_name_raises() -> None:
    with pytest.raises(ValueError, match="channel name"):
        hold_stream([], "a b")


@pytest.mark.parametrize(
    "spelling", ["Meta-Nick", "Meta-nick", "meta-nick", "META-NICK", "mEtA-nIcK"]
)
def test_meta_is_read_from_any_spelling_of_the_header(spelling: str) -> None:
    seen: dict[str, Any] = {}

    def handler(ws: WebSocketContext, context: Any) -> None:
        seen["nick"] = ws.meta.get("nick")
        seen["NICK"] = ws.meta["NICK"]
        seen["all"] = dict(ws.meta)
        seen["missing"] = ws.meta.get("room")

    headers = [*WS_HEADERS[:2], (spelling, "bob"), ("Meta-Room-Id", "7")]
    handle_websocket(handler, "POST", headers, b"")
    assert seen == {
        "nick": "bob",
        "NICK": "bob",
        "all": {"nick": "bob", "room-id": "7"},
        "missing": None,
    }


def test_meta_read_lazily_still_reports_changes_and_ignores_forged_names() -> None:
    def handler(ws: WebSocketContext, context: Any) -> None:
        assert ws.meta.get("nick") == "bob"
        assert ws.meta.get("a b") is None  # not a header token: never bound by Set-Meta-*
        ws.meta["room"] = "lobby"
        del ws.meta["nick"]
        assert dict(ws.meta) == {"room": "lobby"}

    headers = [*WS_HEADERS, ("Meta-a b", "forged")]
    status, reply_headers, _ = handle_websocket(handler, "POST", headers, b"")
    assert status == 200
    assert ("Set-Meta-room", "lobby") in reply_headers and ("Set-Meta-nick", "") in reply_headers
    assert not any("a b" in name for name, _ in reply_headers)
