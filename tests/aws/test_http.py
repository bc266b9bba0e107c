"""Payload 2.0 front doors: API Gateway HTTP APIs and Lambda function URLs."""

from __future__ import annotations

from typing import Any

from faas_grip import grip_stream, grip_websocket
from faas_grip.aws.doors import FunctionUrl, HttpApi, front_door
from faas_grip.testing import read_response

from .conftest import PROXY_HEADERS, Recorder, b64, sample


def websocket(name: str, body: bytes) -> dict[str, Any]:
    """A payload 2.0 sample as Pushpin's POST: names lower-cased, body base64 (not text)."""
    event = sample(name)
    event["headers"].update({k.lower(): v for k, v in PROXY_HEADERS.items()})
    event["requestContext"]["http"]["method"] = "POST"
    event["body"] = b64(body)
    event["isBase64Encoded"] = True
    return event


def test_http_api_sample_is_recognised() -> None:
    door = front_door(sample("http-api-proxy"))
    assert isinstance(door, HttpApi) and door.name == "http"


def test_function_url_sample_is_told_apart() -> None:
    door = front_door(sample("function-url"))
    assert isinstance(door, FunctionUrl) and door.name == "url"


def test_request_reads_method_and_raw_path() -> None:
    request = front_door(sample("http-api-proxy")).request
    assert (request.method, request.path) == ("POST", "/path/to/resource")


def test_raw_query_string_gives_the_last_value() -> None:
    request = front_door(sample("http-api-proxy")).request
    assert request.query == {"parameter1": "value2", "parameter2": "value"}


def test_comma_joined_header_is_read_as_is() -> None:
    request = front_door(sample("http-api-proxy")).request
    assert request.headers["header2"] == "value1,value2"


def test_cookies_are_put_back_into_the_cookie_header() -> None:
    request = front_door(sample("http-api-proxy")).request
    assert request.headers["Cookie"] == "cookie1; cookie2"


def test_null_headers_are_handled() -> None:
    event = sample("function-url")
    event["headers"] = None
    assert dict(front_door(event).request.headers) == {}


def test_websocket_on_http_api(recorder: Recorder) -> None:
    response = grip_websocket(recorder)(
        websocket("http-api-proxy", b"OPEN\r\nTEXT 2\r\nhi\r\n"), None
    )
    reply = read_response(response)
    assert response["isBase64Encoded"] is True
    assert (reply.accepted, reply.messages) == (True, ["echo hi"])


def test_websocket_on_function_url(recorder: Recorder) -> None:
    response = grip_websocket(recorder)(websocket("function-url", b"TEXT 2\r\nhi\r\n"), None)
    assert read_response(response).messages == ["echo hi"]


def test_set_cookie_goes_to_cookies() -> None:
    door = front_door(sample("http-api-proxy"))
    response = door.response(200, [("Set-Cookie", "a=1"), ("set-cookie", "b=2")], "")
    assert response["cookies"] == ["a=1", "b=2"]
    assert "Set-Cookie" not in response["headers"]


def test_other_repeated_headers_are_comma_joined() -> None:
    door = front_door(sample("function-url"))
    response = door.response(200, [("Vary", "Accept"), ("Vary", "Origin")], "")
    assert response["headers"] == {"Vary": "Accept, Origin"}


def test_bytes_body_is_base64() -> None:
    handler = grip_stream("news")(lambda event, context: b"\x00\x01")
    response = handler(sample("function-url"), None)
    assert (response["body"], response["isBase64Encoded"]) == (b64(b"\x00\x01"), True)
