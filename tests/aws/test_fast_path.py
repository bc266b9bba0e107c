"""The warm path (faas_grip.aws.doors.fast) and the general path (front door → Request →
run_websocket → door.reply) give byte-identical responses, and call the handler the same way,
for the same events: one behaviour, two speeds."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faas_grip import WebSocketContext, WebSocketEvent, grip_websocket
from faas_grip.aws import decorators
from faas_grip.aws.doors import fast
from faas_grip.testing import http_event, websocket_event

KEY = "a-long-enough-secret-for-hs256-keys"

texts = st.sampled_from(["hi", "accept", "reject", "close", "nick", "sub", "", "é"])
messages = st.one_of(
    st.builds(WebSocketEvent, st.just("TEXT"), texts),
    st.builds(WebSocketEvent, st.just("BINARY"), st.binary(max_size=8)),
    st.builds(WebSocketEvent, st.just("PING"), st.none() | st.binary(max_size=4)),
    st.builds(WebSocketEvent, st.just("PONG")),
    st.builds(WebSocketEvent, st.just("CLOSE"), st.sampled_from([None, b"\x0f\xa1bye"])),
    st.builds(WebSocketEvent, st.just("DISCONNECT")),
)
batches = st.lists(messages, max_size=4).flatmap(
    lambda rest: st.sampled_from([rest, [WebSocketEvent("OPEN"), *rest]])
)


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    """WebSocket-over-HTTP events of every door, plus variations the warm path must refuse."""
    door = draw(st.sampled_from(["rest", "http", "url", "alb"]))
    meta = draw(st.sampled_from([None, {"nick": "bob"}, {"Nick": "amy", "room": "1"}]))
    query = draw(st.sampled_from([None, {"a": "1"}, {"do": "x", "b": ""}]))
    signed = draw(st.sampled_from([None, KEY, "another-key-of-enough-length-here"]))
    event = websocket_event(
        draw(batches), door=door, meta=meta, query=query, sign_key=signed, path="/ws"
    )
    variation = draw(
        st.sampled_from(
            [
                "none",
                "lower-case",
                "no-connection-id",
                "content-type-parameter",
                "bad-body",
                "cookies",
                "get",
                "text-body",
                "headers-null",
                "falsy-fields",
            ]
        )
    )
    headers = event.get("headers") or {}
    if variation == "lower-case" and headers:
        event["headers"] = {k.lower(): v for k, v in headers.items()}
    elif variation == "no-connection-id":
        for name in list(headers):
            if name.lower() == "connection-id":
                del headers[name]
    elif variation == "content-type-parameter":
        for name in list(headers):
            if name.lower() == "content-type":
                headers[name] += "; charset=utf-8"
    elif variation == "bad-body":
        event["body"] = "TEXT 9\r\nhel" if not event.get("isBase64Encoded") else "!!"
    elif variation == "cookies" and door in ("http", "url"):
        event["cookies"] = ["a=b"]
    elif variation == "get":
        event = http_event(door, "GET", "/ws", headers=headers)
    elif variation == "text-body" and event.get("isBase64Encoded"):
        event["isBase64Encoded"] = False
        event["body"] = "TEXT 2\r\nhi\r\n"
    elif variation == "headers-null":
        event["headers"] = None
    elif variation == "falsy-fields":
        name = draw(
            st.sampled_from(
                ["multiValueHeaders", "queryStringParameters", "path", "rawPath", "rawQueryString"]
            )
        )
        event[name] = draw(st.sampled_from([[], "", 0, False, {}]))
    return event


class Handler:
    """Does what the messages say, and records what it saw."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def __call__(self, ws: WebSocketContext, context: Any) -> None:
        self.seen.append(
            (ws.connection_id, ws.path, ws.query, dict(ws.meta), ws.events, ws.meta.get("NICK"))
        )
        if ws.is_opening() and ws.query.get("do") is not None:
            ws.accept(headers={"X-Hello": "1"})
        for message in ws:
            if message == "accept":
                ws.accept()
            elif message == "reject" and ws.is_opening() and not ws.accepted:
                ws.reject(403, "no")
                return
            elif message == "close":
                ws.close(4000, "done")
            elif message == "nick":
                ws.meta["nick"] = "zed"
            elif message == "sub":
                ws.subscribe("room")
            elif isinstance(message, str):
                ws.send(f"{ws.meta.get('nick', 'anonymous')}: {message}")
            else:
                ws.send_binary(message)


@pytest.fixture
def general_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(decorators, "serve_websocket", lambda *args: None)
    yield


def both(event: dict[str, Any], verify_key: str | None) -> tuple[Any, Any, bool]:
    """(warm path's response and calls, general path's response and calls, warm path taken)."""
    warm, general = Handler(), Handler()
    taken = fast.serve_websocket(warm, copy.deepcopy(event), None, verify_key, None, None)
    warm_response = grip_websocket(warm, verify_key=verify_key)(copy.deepcopy(event), None)
    original = decorators.serve_websocket
    decorators.serve_websocket = lambda *args: None  # type: ignore[assignment]
    try:
        general_response = grip_websocket(general, verify_key=verify_key)(
            copy.deepcopy(event), None
        )
    finally:
        decorators.serve_websocket = original
    return (warm_response, warm.seen[-1:]), (general_response, general.seen), taken is not None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events(), st.sampled_from([None, KEY]))
def test_warm_and_general_paths_answer_alike(event: dict[str, Any], verify_key: str | None) -> None:
    (warm, warm_seen), (general, general_seen), _ = both(event, verify_key)
    assert json.dumps(warm) == json.dumps(general)
    assert warm_seen == general_seen


@pytest.mark.parametrize("door", ["rest", "http", "url"])
def test_a_plain_message_takes_the_warm_path(door: str) -> None:
    event = websocket_event(door=door, text="hi", meta={"nick": "bob"})
    assert both(event, None)[2]


@pytest.mark.parametrize(
    "event",
    [
        websocket_event(door="alb", text="hi"),
        http_event("rest", "GET", "/"),
        {**websocket_event(door="http", text="hi"), "cookies": ["a=b"]},
    ],
)
def test_other_events_are_left_to_the_general_path(event: dict[str, Any]) -> None:
    assert not both(event, None)[2]


def test_a_refused_request_is_left_to_the_general_path() -> None:
    event = websocket_event(text="hi")
    assert fast.serve_websocket(Handler(), event, None, KEY, None, None) is None


@pytest.mark.parametrize("value", [[], "", 0, False, {}])
@pytest.mark.parametrize(
    ("door", "name"),
    [
        ("rest", "multiValueHeaders"),
        ("rest", "queryStringParameters"),
        ("rest", "path"),
        ("http", "rawPath"),
        ("http", "rawQueryString"),
    ],
)
def test_falsy_fields_of_the_wrong_type_are_answered_alike(
    door: str, name: str, value: Any
) -> None:
    event = websocket_event(door=door, text="hi")  # type: ignore[arg-type]
    event[name] = value
    (warm, _), (general, _), _ = both(event, None)
    assert json.dumps(warm) == json.dumps(general)
