"""API Gateway REST API front door (payload 1.0), from AWS's own sample events."""

from __future__ import annotations

from typing import Any

from faas_grip import grip_stream, grip_websocket
from faas_grip.aws.doors import RestApi, front_door
from faas_grip.testing import read_response

from .conftest import PROXY_HEADERS, Recorder, b64, sample


def websocket(body: bytes, **extra: str) -> dict[str, Any]:
    """The REST sample as Pushpin's WebSocket-over-HTTP POST, through BinaryMediaTypes."""
    event = sample("rest-aws-proxy")
    headers = {**PROXY_HEADERS, **extra}
    event["headers"].update(headers)
    event["multiValueHeaders"].update({k: [v] for k, v in headers.items()})
    event["body"] = b64(body)
    event["isBase64Encoded"] = True
    return event


def test_rest_sample_is_recognised() -> None:
    assert isinstance(front_door(sample("rest-aws-proxy")), RestApi)


def test_http_api_payload_1_0_goes_through_the_rest_door() -> None:
    door = front_door(sample("http-api-payload-1.0"))
    assert door.name == "rest"


def test_request_keeps_method_path_and_query() -> None:
    request = front_door(sample("rest-aws-proxy")).request
    assert (request.method, request.path, request.query) == (
        "POST",
        "/path/to/resource",
        {"foo": "bar"},
    )


def test_header_names_are_case_insensitive() -> None:
    request = front_door(sample("rest-aws-proxy")).request
    assert request.headers["user-agent"] == "Custom User Agent String"
    assert request.headers["USER-AGENT"] == "Custom User Agent String"


def test_every_value_of_a_repeated_header_is_kept() -> None:
    request = front_door(sample("http-api-payload-1.0")).request
    assert request.header_values("Header2") == ["value1", "value2"]


def test_base64_body_is_decoded() -> None:
    assert front_door(sample("rest-aws-proxy")).request.body == b'{"test":"body"}'


def test_text_body_is_read_as_utf8() -> None:
    assert front_door(sample("http-api-payload-1.0")).request.body == b"Hello from Lambda!"


def test_null_headers_fall_back_to_multi_value_headers() -> None:
    event = sample("http-api-payload-1.0")
    event["headers"] = None
    assert front_door(event).request.headers["header2"] == "value1, value2"


def test_null_headers_and_multi_value_headers_mean_no_headers() -> None:
    event = sample("rest-aws-proxy")
    event["headers"] = event["multiValueHeaders"] = None
    assert dict(front_door(event).request.headers) == {}


def test_websocket_reply_is_base64_events() -> None:
    response = grip_websocket(Recorder())(websocket(b"OPEN\r\n"), None)
    assert response["statusCode"] == 200
    assert response["isBase64Encoded"] is True
    assert response["headers"]["Content-Type"] == "application/websocket-events"
    assert read_response(response).accepted


def test_binary_frame_survives_both_ways() -> None:
    response = grip_websocket(Recorder())(websocket(b"BINARY 2\r\n\x00\xff\r\n"), None)
    assert read_response(response).messages == [b"echo \x00\xff"]


def test_text_response_is_not_base64() -> None:
    response = grip_stream("news")(lambda event, context: "hello\n")(sample("rest-aws-proxy"), None)
    assert (response["body"], response["isBase64Encoded"]) == ("hello\n", False)


def test_repeated_response_headers_use_multi_value_headers() -> None:
    door = front_door(sample("rest-aws-proxy"))
    response = door.response(
        200, [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-One", "1")], ""
    )
    assert response["headers"] == {"X-One": "1"}
    assert response["multiValueHeaders"] == {"Set-Cookie": ["a=1", "b=2"]}
