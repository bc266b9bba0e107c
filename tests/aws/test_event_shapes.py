"""Event shapes AWS never sends but a misconfigured integration or a test can: every front door
answers them with a clean 400 (or serves them), never an exception (issue 14, defect 8)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faas_grip import grip_longpoll, grip_stream, grip_websocket
from faas_grip.aws.doors import front_door
from faas_grip.errors import GripProtocolError
from faas_grip.testing import websocket_event

from .conftest import Recorder

DOORS = ("rest", "http", "url", "alb")


def base_event(door: str) -> dict[str, Any]:
    """A valid WebSocket-over-HTTP event of `door` with a TEXT message and a meta header."""
    return websocket_event(door=door, text="hi", meta={"nick": "bob"}, query={"a": "1"})


def alb_multi_value() -> dict[str, Any]:
    event = base_event("alb")
    event["multiValueHeaders"] = {k: [v] for k, v in event.pop("headers").items()}
    event["multiValueQueryStringParameters"] = {
        k: [v] for k, v in (event.pop("queryStringParameters", None) or {}).items()
    }
    return event


BASES = {door: base_event(door) for door in DOORS} | {"alb-multi": alb_multi_value()}

# Values of every JSON type, and a few that only a Python caller can pass.
junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.text(max_size=5)
    | st.sampled_from(["POST", "2.0", "elb", "http", "application/websocket-events"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
) | st.sampled_from([b"bytes", 1.5, object()])


def paths(event: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into the event's objects (and into lists of header values)."""
    found = []
    items = event.items() if isinstance(event, dict) else enumerate(event)
    for key, value in items:
        found.append((*prefix, key))
        if isinstance(value, (dict, list)) and len(prefix) < 3:
            found.extend(paths(value, (*prefix, key)))
    return found


@st.composite
def malformed_events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event with one to three fields replaced by junk, deleted, or added."""
    name = draw(st.sampled_from(sorted(BASES)))
    event = copy.deepcopy(BASES[name])
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths(event) or [("body",)]))
        parent: Any = event
        for key in where[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(("replace", "replace", "delete", "add")))
        if action == "delete" and isinstance(parent, dict):
            parent.pop(where[-1], None)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=6))] = draw(junk)
        else:
            parent[where[-1]] = draw(junk)
    return event


@st.composite
def shapes(draw: st.DrawFn) -> Any:
    return draw(malformed_events() | junk)


def _assert_clean(response: Any) -> None:
    assert isinstance(response, dict)
    assert response["statusCode"] in (200, 400), response


FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(shapes())
def test_grip_websocket_answers_every_event_shape(event: Any) -> None:
    recorder = Recorder()
    response = grip_websocket(recorder)(event, None)
    _assert_clean(response)
    if response["statusCode"] == 400:
        assert recorder.calls == []


@FUZZ
@given(shapes())
def test_hold_decorators_answer_every_event_shape(event: Any) -> None:
    called = []

    def handler(event: Any, context: Any) -> str:
        called.append(event)
        return "ok"

    for decorator in (grip_stream("room"), grip_longpoll("room")):
        response = decorator(handler)(event, None)
        _assert_clean(response)
    if response["statusCode"] == 400:
        assert called == []


@FUZZ
@given(malformed_events())
def test_a_door_reads_an_event_or_refuses_it_with_a_protocol_error(event: Any) -> None:
    try:
        request = front_door(event).request
        request.body  # noqa: B018
        request.header_values("Grip-Sig")
        request.headers.get("Meta-Nick")
    except GripProtocolError as exc:
        assert exc.status == 400


@pytest.mark.parametrize(
    ("door", "change", "problem"),
    [
        ("http", lambda e: e["requestContext"].update(http=None), "requestContext.http"),
        ("alb", lambda e: e.pop("httpMethod"), "httpMethod"),
        ("rest", lambda e: e.update(headers=["Content-Type"]), "headers"),
        ("http", lambda e: e.update(headers="oops"), "headers"),
        ("rest", lambda e: e.update(queryStringParameters=[1]), "queryStringParameters"),
        ("http", lambda e: e.update(rawQueryString=7), "rawQueryString"),
        ("rest", lambda e: e.update(path={"a": 1}), "path"),
        ("http", lambda e: e.update(cookies="a=b"), "cookies"),
    ],
)
def test_a_malformed_field_is_a_400_naming_it(door: str, change: Any, problem: str) -> None:
    event = base_event(door)
    change(event)
    recorder = Recorder()
    response = grip_websocket(recorder)(event, None)
    assert response["statusCode"] == 400
    assert problem in response["body"]
    assert recorder.calls == []


def test_a_body_of_170000_pings_is_answered_within_the_reply_limit() -> None:
    from faas_grip.testing import read_response

    event = base_event("rest")
    event["body"] = __import__("base64").b64encode(b"PING\r\n" * 170_000).decode("ascii")
    response = grip_websocket(Recorder())(event, None)
    assert response["statusCode"] == 200
    assert read_response(response).body == b"PONG\r\n"
