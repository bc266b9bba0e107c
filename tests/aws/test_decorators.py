"""@grip_websocket, @grip_stream and @grip_longpoll: what a handler sees and what it answers."""

from __future__ import annotations

from typing import Any

import pytest

from faas_grip import (
    Channel,
    WebSocketContext,
    WebSocketDisconnected,
    WebSocketEvent,
    grip_longpoll,
    grip_stream,
    grip_websocket,
)
from faas_grip.testing import http_event, read_response, websocket_event

from .conftest import Recorder

# -- @grip_websocket ------------------------------------------------------------------------


def test_websocket_decorator_works_without_arguments(recorder: Recorder) -> None:
    reply = read_response(grip_websocket(recorder)(websocket_event(open=True), None))
    assert reply.accepted


def test_websocket_decorator_works_with_arguments(recorder: Recorder) -> None:
    handler = grip_websocket(verify_key="a-long-enough-secret-for-hs256-keys")(recorder)
    event = websocket_event(open=True, sign_key="a-long-enough-secret-for-hs256-keys")
    assert read_response(handler(event, None)).accepted


def test_decorated_handler_keeps_its_name() -> None:
    @grip_websocket
    def chat(ws: WebSocketContext, context: Any) -> None:
        pass

    assert chat.__name__ == "chat"


def test_handler_gets_the_lambda_context(recorder: Recorder) -> None:
    seen = []
    grip_websocket(lambda ws, context: seen.append(context))(websocket_event(open=True), "ctx")
    assert seen == ["ctx"]


def test_ws_event_is_the_raw_event(recorder: Recorder) -> None:
    event = websocket_event(open=True)
    grip_websocket(recorder)(event, None)
    assert recorder.calls[0].event is event


def test_ws_exposes_the_request(recorder: Recorder) -> None:
    event = websocket_event(
        open=True,
        door="http",
        connection_id="conn-7",
        meta={"User": "alice"},
        headers={"X-Custom": "yes"},
        path="/chat",
        query={"room": "lobby"},
    )
    grip_websocket(recorder)(event, None)
    ws = recorder.calls[0]
    assert ws.connection_id == "conn-7"
    assert ws.meta == {"user": "alice"}
    assert ws.headers["x-CUSTOM"] == "yes"
    assert (ws.path, ws.query) == ("/chat", {"room": "lobby"})


def test_reply_content_type_is_exactly_websocket_events(recorder: Recorder) -> None:
    response = grip_websocket(recorder)(websocket_event(text="hi"), None)
    assert response["headers"]["Content-Type"] == "application/websocket-events"


def test_rejection_becomes_the_response() -> None:
    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        ws.reject(401, "who are you?\n", {"WWW-Authenticate": "Bearer"})

    response = handler(websocket_event(open=True), None)
    assert response["statusCode"] == 401
    assert response["headers"]["WWW-Authenticate"] == "Bearer"
    assert (response["body"], response["isBase64Encoded"]) == ("who are you?\n", False)


def test_binary_rejection_body_is_base64() -> None:
    handler = grip_websocket(lambda ws, context: ws.reject(403, b"\xff\x00"))
    response = handler(websocket_event(open=True), None)
    assert read_response(response).body == b"\xff\x00"
    assert response["isBase64Encoded"] is True


def test_ping_is_answered_with_pong(recorder: Recorder) -> None:
    reply = read_response(grip_websocket(recorder)(websocket_event(ping=b"p1"), None))
    assert reply.events == [WebSocketEvent("PONG", b"p1")]


def test_client_close_is_answered_with_its_code(recorder: Recorder) -> None:
    reply = read_response(
        grip_websocket(recorder)(websocket_event(close=4001, close_reason="bye"), None)
    )
    assert (reply.closed, reply.close_code) == (True, 4001)


def test_handler_close_sends_code_and_reason() -> None:
    handler = grip_websocket(lambda ws, context: ws.close(4000, "enough"))
    reply = read_response(handler(websocket_event(text="x"), None))
    assert (reply.close_code, reply.close_reason) == (4000, "enough")


def test_disconnect_leaving_the_handler_still_gets_a_reply() -> None:
    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        while True:
            ws.recv()  # raises WebSocketDisconnected on the DISCONNECT

    response = handler(websocket_event(text="last", disconnect=True), None)
    assert response["statusCode"] == 200


def test_handler_exceptions_propagate_to_lambda() -> None:
    def handler(ws: WebSocketContext, context: Any) -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        grip_websocket(handler)(websocket_event(open=True), None)


def test_disconnected_raised_by_the_handler_itself_is_caught() -> None:
    def handler(ws: WebSocketContext, context: Any) -> None:
        raise WebSocketDisconnected("gone")

    assert grip_websocket(handler)(websocket_event(text="x"), None)["statusCode"] == 200


def test_meta_change_becomes_set_meta(recorder: Recorder) -> None:
    handler = grip_websocket(lambda ws, context: ws.meta.__setitem__("nick", "bob"))
    assert read_response(handler(websocket_event(text="x"), None)).meta == {"nick": "bob"}


def test_meta_value_with_crlf_raises_at_the_assignment() -> None:
    def handler(ws: WebSocketContext, context: Any) -> None:
        ws.meta["nick"] = "bob\r\nSet-Cookie: x=1"

    with pytest.raises(ValueError, match="no CR, LF"):
        grip_websocket(handler)(websocket_event(text="x"), None)


def test_meta_name_with_a_space_raises_at_the_assignment() -> None:
    def handler(ws: WebSocketContext, context: Any) -> None:
        ws.meta["nick name"] = "bob"

    with pytest.raises(ValueError, match="not allowed in an HTTP header name"):
        grip_websocket(handler)(websocket_event(text="x"), None)


def test_channel_with_newline_raises_at_subscribe() -> None:
    def handler(ws: WebSocketContext, context: Any) -> None:
        ws.subscribe("room\nGrip-Hold: stream")

    with pytest.raises(ValueError, match="channel name"):
        grip_websocket(handler)(websocket_event(open=True), None)


def test_grip_prefix_applies_to_subscriptions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_PREFIX", "app-")
    handler = grip_websocket(lambda ws, context: ws.subscribe("room"))
    assert read_response(handler(websocket_event(open=True), None)).subscriptions == ["app-room"]


# -- @grip_stream ----------------------------------------------------------------------------


def stream_reply(decorator: Any, result: Any = "hello\n", door: str = "rest", **kw: Any) -> Any:
    handler = decorator(lambda event, context: result)
    return read_response(handler(http_event(door, "GET", "/stream", **kw), None))  # type: ignore[arg-type]


def test_stream_holds_with_the_first_body() -> None:
    reply = stream_reply(grip_stream("news"))
    assert (reply.hold, reply.channels, reply.text) == ("stream", ["news"], "hello\n")
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_stream_accepts_a_channel_object_with_prev_id() -> None:
    reply = stream_reply(grip_stream(Channel("news", prev_id="7"), next_link="/news"))
    assert reply.headers["Grip-Channel"] == "news; prev-id=7"


def test_stream_accepts_a_list_of_channels() -> None:
    assert stream_reply(grip_stream(["a", Channel("b")])).channels == ["a", "b"]


def test_stream_channels_can_come_from_the_event() -> None:
    decorator = grip_stream(lambda event: event["queryStringParameters"]["channel"])
    assert stream_reply(decorator, query={"channel": "sport"}).channels == ["sport"]


def test_channel_from_the_event_that_is_invalid_is_a_400() -> None:
    called = []
    handler = grip_stream(lambda event: "a,b")(lambda event, context: called.append(1))
    response = handler(http_event("rest", "GET", "/"), None)
    assert response["statusCode"] == 400
    assert called == []


def test_bad_channel_name_raises_when_decorating() -> None:
    with pytest.raises(ValueError, match="channel name"):
        grip_stream("news\r\n")


def test_stream_without_channels_raises_when_decorating() -> None:
    with pytest.raises(ValueError, match="at least one channel"):
        grip_stream([])


def test_bare_grip_stream_says_it_needs_channels() -> None:
    @grip_stream  # type: ignore[arg-type]
    def handler(event: Any, context: Any) -> str:
        return ""

    with pytest.raises(TypeError, match="needs its channels"):
        handler(http_event("rest"), None)  # type: ignore[call-arg]


def test_stream_adds_grip_headers_to_a_proxy_response_dict() -> None:
    result = {
        "statusCode": 200,
        "headers": {"Content-Type": "application/x-ndjson"},
        "body": "{}\n",
    }
    reply = stream_reply(grip_stream("news"), result)
    assert reply.headers["Content-Type"] == "application/x-ndjson"
    assert (reply.hold, reply.text) == ("stream", "{}\n")


def test_stream_handler_may_return_none() -> None:
    reply = stream_reply(grip_stream("news"), None)
    assert (reply.status, reply.hold, reply.body) == (200, "stream", b"")


def test_stream_handler_may_return_bytes() -> None:
    assert stream_reply(grip_stream("news"), b"\x00\x01", door="http").body == b"\x00\x01"


def test_error_response_is_sent_without_holding() -> None:
    reply = stream_reply(grip_stream("news"), {"statusCode": 404, "body": "no such feed\n"})
    assert (reply.status, reply.hold, reply.text) == (404, None, "no such feed\n")


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({"X-Note": "a\r\nGrip-Channel: other"}, "response header X-Note"),
        ({"X-Note": "caf\u00e9"}, "response header X-Note"),
        ({"X Note": "a"}, "response header name"),
        ({"X-Note:": "a"}, "response header name"),
    ],
)
def test_stream_or_longpoll_response_headers_that_would_split_it_raise(
    headers: dict[str, str], problem: str
) -> None:
    for decorator in (grip_stream("news"), grip_longpoll("news")):
        with pytest.raises(ValueError, match=problem):
            stream_reply(decorator, {"statusCode": 200, "headers": headers, "body": ""})
        with pytest.raises(ValueError, match=problem):  # a refusal too
            stream_reply(decorator, {"statusCode": 403, "headers": headers, "body": ""})


def test_stream_handler_returning_something_else_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="returns str, bytes, a proxy response dict or None"):
        stream_reply(grip_stream("news"), 42)


def test_keep_alive_option() -> None:
    reply = stream_reply(grip_stream("news", keep_alive="ping", keep_alive_timeout=25))
    assert reply.headers["Grip-Keep-Alive"] == "ping; format=raw; timeout=25"


def test_sse_option_sends_event_stream_with_comment_keep_alives() -> None:
    reply = stream_reply(grip_stream("news", sse=True), ": open\n\n")
    assert reply.headers["Content-Type"] == "text/event-stream"
    assert reply.headers["Grip-Keep-Alive"] == ":\\n\\n; format=cstring; timeout=20"


def test_next_link_option() -> None:
    reply = stream_reply(grip_stream("news", next_link="/stream?after=0", next_link_timeout=120))
    assert reply.headers["Grip-Link"] == "</stream?after=0>; rel=next; timeout=120"


def test_bad_keep_alive_raises_when_decorating() -> None:
    with pytest.raises(ValueError, match="keep-alive timeout"):
        grip_stream("news", keep_alive="x", keep_alive_timeout=-1)


def test_grip_prefix_applies_to_grip_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_PREFIX", "app-")
    assert stream_reply(grip_stream("news")).channels == ["app-news"]


# -- @grip_longpoll --------------------------------------------------------------------------


def test_longpoll_holds_a_response_with_its_timeout() -> None:
    reply = stream_reply(grip_longpoll("news", timeout=30), "nothing new\n")
    assert (reply.hold, reply.channels) == ("response", ["news"])
    assert reply.headers["Grip-Timeout"] == "30"


def test_longpoll_timeout_response_is_what_the_handler_returned() -> None:
    result = {"statusCode": 204, "headers": {"X-Poll": "again"}}
    reply = stream_reply(grip_longpoll("news"), result)
    assert (reply.status, reply.headers["X-Poll"], reply.body) == (204, "again", b"")
    assert "Grip-Timeout" not in reply.headers


def test_longpoll_with_positional_timeout() -> None:
    assert stream_reply(grip_longpoll("news", 10)).headers["Grip-Timeout"] == "10"


def test_longpoll_refusal_is_not_held() -> None:
    reply = stream_reply(grip_longpoll("news"), {"statusCode": 401, "body": "log in\n"})
    assert (reply.status, reply.hold) == (401, None)
