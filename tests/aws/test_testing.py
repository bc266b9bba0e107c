"""faas_grip.testing: the events it builds are what AWS sends, and it reads replies back right."""

from __future__ import annotations

import base64
import struct

import pytest

from faas_grip import WebSocketEvent, decode_events, encode_events, validate_grip_sig
from faas_grip.aws.doors import Alb, FunctionUrl, HttpApi, RestApi, front_door
from faas_grip.testing import DOORS, grip_sig, http_event, read_response, websocket_event

from .conftest import sample


def body_of(event: dict[str, object]) -> bytes:
    assert event["isBase64Encoded"] is True
    return base64.b64decode(str(event["body"]))


@pytest.mark.parametrize(
    ("door", "kind"),
    [("rest", RestApi), ("http", HttpApi), ("url", FunctionUrl), ("alb", Alb), ("alb-multi", Alb)],
)
def test_each_door_builds_an_event_of_its_kind(door: str, kind: type) -> None:
    assert type(front_door(http_event(door))) is kind  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("door", "name"),
    [
        ("rest", "rest-aws-proxy"),
        ("http", "http-api-proxy"),
        ("url", "function-url"),
        ("alb", "alb-request"),
        ("alb-multi", "alb-multi-value-headers"),
    ],
)
def test_built_events_have_the_keys_of_aws_samples(door: str, name: str) -> None:
    built, real = http_event(door, "POST", "/x", body="hi"), sample(name)  # type: ignore[arg-type]
    assert set(real) - {"multiValueQueryStringParameters"} <= set(built) | {
        "cookies",
        "pathParameters",
        "stageVariables",
        "queryStringParameters",
    }
    assert set(built) <= set(real) | {
        "multiValueHeaders",
        "multiValueQueryStringParameters",
        "body",
    }


def test_unknown_door_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown door"):
        http_event("lambda-at-edge")  # type: ignore[arg-type]


def test_shortcut_events_come_in_a_fixed_order() -> None:
    event = websocket_event(
        open=True, ping=b"p", text=["a", "b"], binary=b"\x00", close=1000, disconnect=True
    )
    assert [e.type for e in decode_events(body_of(event))] == [
        "OPEN",
        "PING",
        "TEXT",
        "TEXT",
        "BINARY",
        "CLOSE",
        "DISCONNECT",
    ]


def test_close_carries_code_and_reason() -> None:
    event = websocket_event(close=4001, close_reason="bye")
    assert decode_events(body_of(event)) == [
        WebSocketEvent("CLOSE", struct.pack(">H", 4001) + b"bye")
    ]


def test_explicit_events_come_first() -> None:
    event = websocket_event([WebSocketEvent("PONG", b"x")], text="after")
    assert [e.type for e in decode_events(body_of(event))] == ["PONG", "TEXT"]


def test_no_events_makes_the_empty_keep_alive_request() -> None:
    assert body_of(websocket_event()) == b""


def test_websocket_event_carries_the_proxy_headers() -> None:
    request = front_door(
        websocket_event(connection_id="c9", meta={"nick": "bob"}, door="http")
    ).request
    assert request.is_websocket
    assert request.headers["Connection-Id"] == "c9"
    assert request.headers["Meta-Nick"] == "bob"


@pytest.mark.parametrize("door", DOORS)
def test_websocket_body_arrives_base64_on_every_door(door: str) -> None:
    assert body_of(websocket_event(text="hi", door=door)) == b"TEXT 2\r\nhi\r\n"  # type: ignore[arg-type]


def test_rest_text_body_is_not_base64() -> None:
    event = http_event(
        "rest", "POST", headers={"Content-Type": "application/octet-stream"}, body="x"
    )
    assert event["isBase64Encoded"] is False


def test_http_api_binary_body_is_base64() -> None:
    event = http_event(
        "http", "POST", headers={"Content-Type": "application/octet-stream"}, body="x"
    )
    assert event["isBase64Encoded"] is True


def test_signed_event_carries_a_valid_grip_sig() -> None:
    key = "a-long-enough-secret-for-hs256-keys"
    request = front_door(websocket_event(open=True, sign_key=key, sign_iss="fanout")).request
    assert validate_grip_sig(request.headers["Grip-Sig"], key, "fanout")


def test_grip_sig_can_be_expired() -> None:
    key = "a-long-enough-secret-for-hs256-keys"
    assert not validate_grip_sig(grip_sig(key, expires_in=-10), key)


def test_read_response_of_a_websocket_reply() -> None:
    body = encode_events(
        [
            WebSocketEvent("OPEN"),
            WebSocketEvent("TEXT", 'c:{"type":"subscribe","channel":"room"}'),
            WebSocketEvent("TEXT", "m:hi"),
            WebSocketEvent("BINARY", b"m:\x00"),
            WebSocketEvent("TEXT", "nopfx"),
            WebSocketEvent("CLOSE", b"\x0f\xa1bye"),
        ]
    )
    reply = read_response(
        {
            "statusCode": 200,
            "headers": {"Content-Type": "application/websocket-events", "Set-Meta-Nick": "bob"},
            "body": base64.b64encode(body).decode(),
            "isBase64Encoded": True,
        }
    )
    assert reply.accepted and not reply.rejected
    assert reply.subscriptions == ["room"]
    assert reply.messages == ["hi", b"\x00"]  # the unprefixed message is not one
    assert reply.meta == {"nick": "bob"}
    assert (reply.close_code, reply.close_reason) == (4001, "bye")


def test_read_response_of_a_hold() -> None:
    reply = read_response(
        {
            "statusCode": 200,
            "multiValueHeaders": {"Grip-Hold": ["stream"], "Grip-Channel": ["a; prev-id=1, b"]},
            "body": "hi\n",
        }
    )
    assert (reply.hold, reply.channels, reply.text) == ("stream", ["a", "b"], "hi\n")


def test_read_response_of_a_framework_free_tuple() -> None:
    reply = read_response((403, [("Content-Type", "text/plain")], b"no\n"))
    assert (reply.status, reply.rejected, reply.text) == (403, True, "no\n")


def test_read_response_with_another_message_prefix() -> None:
    reply = read_response(
        (200, [("Content-Type", "application/websocket-events")], b"TEXT 2\r\nhi\r\n"),
        message_prefix="",
    )
    assert reply.messages == ["hi"]


def test_read_response_refuses_a_non_bool_is_base64_encoded() -> None:
    with pytest.raises(AssertionError, match="isBase64Encoded"):
        read_response({"statusCode": 200, "body": "", "isBase64Encoded": "true"})
