"""@grip_websocket on API Gateway WebSocket API events: the handshake, messages, send, meta,
subscriptions and close, against moto's DynamoDB and Management API."""

from __future__ import annotations

from typing import Any

import pytest

from faas_grip import WebSocketContext, grip_websocket, publish
from faas_grip.aws.websocket_api import ApiGatewayWebSocketContext, is_websocket_api_event
from faas_grip.protocol.formats import WebSocketMessageFormat
from tests.websocket_api.conftest import connect, event, is_open, posted, sample, table_rows

pytestmark = pytest.mark.usefixtures("aws")


@grip_websocket
def chat(ws: WebSocketContext, context: Any) -> None:
    """The examples/chat handler's shape: subscribe on open, nick in meta, echo the rest."""
    if ws.is_opening():
        ws.accept()
        ws.subscribe("room")
    for message in ws:
        if isinstance(message, str) and message.startswith("/nick "):
            ws.meta["nick"] = message[6:]
            ws.send(f"nickname set to [{message[6:]}]")
        elif isinstance(message, str):
            ws.send(f"{ws.meta.get('nick', 'anonymous')}: {message}")
        else:
            ws.send(f"{len(message)} bytes")


def test_the_three_kinds_of_websocket_api_event_are_recognised() -> None:
    assert all(is_websocket_api_event(sample(k)) for k in ("connect", "message", "disconnect"))


def test_an_http_event_is_not_taken_for_a_websocket_api_event() -> None:
    from tests.aws.conftest import sample as http_sample

    assert not is_websocket_api_event(http_sample("rest-aws-proxy"))


def test_the_handler_gets_a_websocket_context_that_is_opening_on_connect() -> None:
    seen: list[WebSocketContext] = []

    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        seen.append(ws)
        ws.accept()

    handler(event("connect", "c1"), None)

    assert isinstance(seen[0], WebSocketContext) and seen[0].is_opening()
    assert seen[0].connection_id == "c1"


def test_accept_answers_200_without_a_subprotocol_header_when_none_was_chosen() -> None:
    assert chat(event("connect", "c1"), None) == {"statusCode": 200}


def test_accept_with_a_subprotocol_answers_it_in_sec_websocket_protocol() -> None:
    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        ws.accept("v2")

    opening = event("connect", "c1")
    opening["multiValueHeaders"]["Sec-WebSocket-Protocol"] = ["v1, v2"]

    reply = handler(opening, None)

    assert reply == {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "v2"}}


def test_reject_refuses_the_connection_with_its_status_and_body() -> None:
    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        ws.reject(401, "who are you?")

    reply = handler(event("connect", "c1"), None)

    assert (reply["statusCode"], reply["body"]) == (401, "who are you?")


def test_a_connection_neither_accepted_nor_rejected_is_refused() -> None:
    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        pass

    assert handler(event("connect", "c1"), None)["statusCode"] == 403


def test_a_text_message_reaches_the_handler_as_str_and_send_posts_to_the_connection() -> None:
    connect(chat, "c1")

    reply = chat(event("message", "c1", "hello"), None)

    assert reply == {"statusCode": 200}
    assert posted("c1") == b"anonymous: hello"


def test_a_base64_message_reaches_the_handler_as_bytes() -> None:
    connect(chat, "c1")

    chat(event("message", "c1", b"\x00\x01\x02"), None)

    assert posted("c1") == b"3 bytes"


def test_meta_set_in_one_invocation_is_read_in_the_next() -> None:
    connect(chat, "c1")
    chat(event("message", "c1", "/nick ann"), None)

    chat(event("message", "c1", "hi"), None)

    assert posted("c1") == b"nickname set to [ann]ann: hi"


def test_a_subscription_made_on_connect_receives_publishes() -> None:
    connect(chat, "c1", "c2")

    publish("room", WebSocketMessageFormat("news"))

    assert (posted("c1"), posted("c2")) == (b"news", b"news")


def test_unsubscribe_stops_publishes_reaching_the_connection() -> None:
    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        if ws.is_opening():
            ws.accept()
            ws.subscribe("room")
        for _ in ws:
            ws.unsubscribe("room")

    connect(handler, "c1")
    handler(event("message", "c1", "leave"), None)

    publish("room", WebSocketMessageFormat("news"))

    assert posted("c1") == b""


def test_disconnect_removes_the_connection_and_its_subscriptions() -> None:
    connect(chat, "c1")
    chat(event("message", "c1", "/nick ann"), None)

    chat(event("disconnect", "c1"), None)

    assert table_rows() == []


def test_the_handler_sees_a_client_close_with_its_code_on_disconnect() -> None:
    seen: list[tuple[int | None, str]] = []

    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        for _ in ws:
            pass
        seen.append((ws.close_code, ws.close_reason))

    handler(event("disconnect", "c1", disconnectStatusCode=1001, disconnectReason="bye"), None)

    assert seen == [(1001, "bye")]


def test_the_handler_sees_a_disconnect_when_the_client_sent_no_close_frame() -> None:
    seen: list[bool] = []

    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        for _ in ws:
            pass
        seen.append(ws.disconnected)

    handler(event("disconnect", "c1"), None)  # AWS's sample: status 1005, no close frame

    assert seen == [True]


def test_the_handler_can_read_meta_while_the_connection_disconnects() -> None:
    said: list[str] = []

    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        if ws.is_opening():
            ws.accept()
            ws.meta["nick"] = "ann"
        for _ in ws:
            pass
        if ws.disconnected:
            said.append(f"{ws.meta['nick']} left")

    connect(handler, "c1")
    handler(event("disconnect", "c1"), None)

    assert said == ["ann left"]


def test_close_deletes_the_connection_after_the_handler_returns() -> None:
    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        for _ in ws:
            ws.send("bye")
            ws.close(4000, "done")

    handler(event("message", "c1", "x"), None)

    assert posted("c1") == b"" and not is_open("c1")


def test_sending_while_the_connection_opens_raises_a_clear_error() -> None:
    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        ws.accept()
        ws.send("welcome")

    with pytest.raises(RuntimeError, match=r"only after \$connect returns"):
        handler(event("connect", "c1"), None)


def test_a_message_larger_than_api_gateway_carries_is_refused_before_posting() -> None:
    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        ws.send("x" * (128 * 1024 + 1))

    with pytest.raises(ValueError, match="at most 131072 bytes"):
        handler(event("message", "c1", "x"), None)


def test_binary_that_is_not_utf8_cannot_be_sent_through_api_gateway() -> None:
    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        ws.send_binary(b"\xff\xfe")

    with pytest.raises(ValueError, match="text frame"):
        handler(event("message", "c1", "x"), None)


def test_a_filter_api_gateway_cannot_apply_is_refused_at_subscribe() -> None:
    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        ws.accept()
        ws.subscribe("room", filters=["var-subst"])

    with pytest.raises(ValueError, match="var-subst"):
        handler(event("connect", "c1"), None)


def test_subscribe_needs_the_connections_table(monkeypatch: pytest.MonkeyPatch) -> None:
    from faas_grip import reset_settings
    from faas_grip.errors import GripConfigError

    monkeypatch.delenv("GRIP_CONNECTIONS_TABLE")
    reset_settings()

    with pytest.raises(GripConfigError, match="GRIP_CONNECTIONS_TABLE"):
        chat(event("connect", "c1"), None)


def test_grip_ws_endpoint_wins_over_the_endpoint_of_the_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from faas_grip import reset_settings
    from faas_grip.aws.websocket_api import websocket_api_context

    monkeypatch.setenv("GRIP_WS_ENDPOINT", "https://ws.example.com/chat/")
    reset_settings()

    ws = websocket_api_context(event("message", "c1", "x"))

    assert isinstance(ws, ApiGatewayWebSocketContext)
    assert ws.endpoint == "https://ws.example.com/chat"


def test_the_endpoint_comes_from_the_events_domain_and_stage() -> None:
    from faas_grip.aws.websocket_api import websocket_api_context

    ws = websocket_api_context(event("message", "c1", "x"))

    assert ws.endpoint == "https://asasasas.execute-api.us-east-1.amazonaws.com/prod"


def test_subscribe_after_an_id_replays_the_stored_events_then_receives_publishes() -> None:
    from faas_grip.history import MemoryHistory, publish_event

    history = MemoryHistory()
    for text in ("one", "two", "three"):
        history.append("room", text)

    @grip_websocket(history=history)
    def handler(ws: WebSocketContext, context: Any) -> None:
        if ws.is_opening():
            ws.accept()
        for message in ws:
            ws.subscribe("room", after=str(message))

    connect(handler, "c1")
    handler(event("message", "c1", "1"), None)
    publish_event("room", "four", history=history)

    assert posted("c1") == (
        b'{"id": "2", "event": null, "data": "two"}'
        b'{"id": "3", "event": null, "data": "three"}'
        b'{"id": "4", "event": null, "data": "four"}'
    )


def test_subscribe_after_an_id_while_opening_raises_a_clear_error() -> None:
    from faas_grip.history import MemoryHistory

    @grip_websocket(history=MemoryHistory())
    def handler(ws: WebSocketContext, context: Any) -> None:
        ws.accept()
        ws.subscribe("room", after="0")

    with pytest.raises(RuntimeError, match="cannot be replayed while the connection opens"):
        handler(event("connect", "c1"), None)


def test_every_row_expires_once_api_gateway_has_surely_closed_the_connection() -> None:
    connect(chat, "c1", connectedAt=1_731_324_924_553)

    expiries = {int(row["expires"]["N"]) for row in table_rows()}

    assert expiries == {1_731_324_924 + 2 * 3600 + 600}  # the 2-hour limit and a margin


def test_a_message_marked_base64_that_is_not_is_refused_before_the_handler_runs() -> None:
    calls: list[WebSocketContext] = []

    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        calls.append(ws)

    broken = event("message", "c1", "not base64!")
    broken["isBase64Encoded"] = True

    reply = handler(broken, None)

    assert (reply["statusCode"], calls) == (400, [])
    assert "base64" in reply["body"]
