"""Application Load Balancer front door, with and without multi-value headers."""

from __future__ import annotations

from typing import Any

from faas_grip import grip_websocket
from faas_grip.aws.doors import Alb, front_door
from faas_grip.testing import read_response

from .conftest import PROXY_HEADERS, Recorder, b64, sample


def websocket(multi: bool, body: bytes) -> dict[str, Any]:
    event = sample("alb-multi-value-headers" if multi else "alb-request")
    event["httpMethod"] = "POST"
    headers = {k.lower(): v for k, v in PROXY_HEADERS.items()}
    if multi:
        event["multiValueHeaders"].update({k: [v] for k, v in headers.items()})
    else:
        event["headers"].update(headers)
    event["body"] = b64(body)
    event["isBase64Encoded"] = True
    return event


def test_single_value_sample_is_recognised() -> None:
    door = front_door(sample("alb-request"))
    assert isinstance(door, Alb) and not door.multi_value


def test_multi_value_sample_is_recognised() -> None:
    door = front_door(sample("alb-multi-value-headers"))
    assert isinstance(door, Alb) and door.multi_value


def test_query_parameters_are_percent_decoded() -> None:
    event = sample("alb-request")
    event["queryStringParameters"] = {"channel": "news%2Fsport", "q": "a+b"}
    assert front_door(event).request.query == {"channel": "news/sport", "q": "a b"}


def test_multi_value_query_gives_the_last_value() -> None:
    event = sample("alb-multi-value-headers")
    event["multiValueQueryStringParameters"] = {"channel": ["a", "b"]}
    assert front_door(event).request.query == {"channel": "b"}


def test_multi_value_headers_are_read() -> None:
    request = front_door(sample("alb-multi-value-headers")).request
    assert request.headers["User-Agent"] == "curl/7.79.1"


def test_single_value_request_gets_single_value_response(recorder: Recorder) -> None:
    response = grip_websocket(recorder)(websocket(False, b"OPEN\r\n"), None)
    assert response["headers"]["Content-Type"] == "application/websocket-events"
    assert "multiValueHeaders" not in response
    assert response["statusDescription"] == "200 OK"


def test_multi_value_request_gets_multi_value_response(recorder: Recorder) -> None:
    response = grip_websocket(recorder)(websocket(True, b"OPEN\r\n"), None)
    assert response["multiValueHeaders"]["Content-Type"] == ["application/websocket-events"]
    assert "headers" not in response


def test_websocket_messages_through_alb(recorder: Recorder) -> None:
    response = grip_websocket(recorder)(websocket(True, b"TEXT 2\r\nhi\r\n"), None)
    assert read_response(response).messages == ["echo hi"]


def test_error_status_has_its_description() -> None:
    response = front_door(sample("alb-request")).response(403, [], "no\n")
    assert response["statusDescription"] == "403 Forbidden"
