"""The HTTP API and function URL doors (payload 2.0), through real HTTP to the local gateway."""

from __future__ import annotations

import base64
import json
from typing import Any

from faas_grip.dev.server import Gateway
from tests.dev.conftest import send
from tests.dev.test_rest_api import EVENTS, event_of, respond


def test_headers_are_lower_cased_and_duplicates_comma_joined(http_api: Gateway) -> None:
    event = event_of(http_api, headers=[("X-Custom", "one"), ("x-custom", "two")])
    assert event["headers"]["x-custom"] == "one,two"
    assert "multiValueHeaders" not in event


def test_cookies_move_to_the_cookies_field(http_api: Gateway) -> None:
    event = event_of(http_api, headers=[("Cookie", "a=1; b=2"), ("Cookie", "c=3")])
    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in event["headers"]


def test_raw_path_and_query_are_kept_and_parameters_joined(http_api: Gateway) -> None:
    event = event_of(http_api, "/event?a=1&a=2&b=x%20y")
    assert (event["rawPath"], event["rawQueryString"]) == ("/event", "a=1&a=2&b=x%20y")
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x y"}


def test_version_route_and_request_context(http_api: Gateway) -> None:
    event = event_of(http_api)
    assert (event["version"], event["routeKey"]) == ("2.0", "$default")
    context = event["requestContext"]
    assert context["http"]["method"] == "POST"
    assert context["http"]["sourceIp"] == "127.0.0.1"
    assert context["stage"] == "$default"


def test_binary_body_arrives_base64_without_configuration(http_api: Gateway) -> None:
    body = b"BINARY 1\r\n\xff\r\n"
    event = event_of(http_api, headers=[("Content-Type", EVENTS)], body=body)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body


def test_text_body_arrives_as_text(http_api: Gateway) -> None:
    event = event_of(http_api, headers=[("Content-Type", "application/json")], body=b'{"a":1}')
    assert (event["body"], event["isBase64Encoded"]) == ('{"a":1}', False)


def test_base64_response_is_always_decoded(http_api: Gateway) -> None:
    result = {
        "statusCode": 200,
        "body": base64.b64encode(b"\x00\xff").decode(),
        "isBase64Encoded": True,
    }
    assert respond(http_api, result, accept=["text/html"]).body == b"\x00\xff"


def test_response_cookies_become_set_cookie_headers(http_api: Gateway) -> None:
    reply = respond(http_api, {"statusCode": 200, "body": "", "cookies": ["a=1", "b=2"]})
    assert reply.header_values("Set-Cookie") == ["a=1", "b=2"]


def test_result_without_status_code_is_sent_as_json(http_api: Gateway) -> None:
    reply = respond(http_api, {"hello": "world"})
    assert reply.status == 200
    assert reply.header("Content-Type") == "application/json"
    assert json.loads(reply.body) == {"hello": "world"}


def test_function_error_is_a_500(http_api: Gateway) -> None:
    reply = send(http_api.url, "GET", "/raise")
    assert reply.status == 500
    assert json.loads(reply.body) == {"message": "Internal Server Error"}


def test_function_url_event_is_payload_2(function_url: Gateway) -> None:
    event: dict[str, Any] = event_of(function_url, headers=[("X-A", "1"), ("X-A", "2")])
    assert event["version"] == "2.0"
    assert event["headers"]["x-a"] == "1,2"


def test_function_url_function_error_is_a_502(function_url: Gateway) -> None:
    assert send(function_url.url, "GET", "/raise").status == 502
