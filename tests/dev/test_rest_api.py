"""The REST API door (payload 1.0), through real HTTP to the local gateway."""

from __future__ import annotations

import base64
import json
from typing import Any

from faas_grip.dev.server import Gateway
from tests.dev.conftest import Reply, send

EVENTS = "application/websocket-events"


def event_of(gateway: Gateway, target: str = "/event", **kwargs: Any) -> dict[str, Any]:
    reply = send(gateway.url, kwargs.pop("method", "POST"), target, **kwargs)
    assert reply.status == 200, reply.body
    return json.loads(reply.body)  # type: ignore[no-any-return]


def respond(gateway: Gateway, result: Any, accept: list[str] | None = None) -> Reply:
    headers = [("Content-Type", "application/json")]
    headers += [("Accept", value) for value in accept or []]
    return send(gateway.url, "POST", "/respond", headers, json.dumps(result).encode())


def test_headers_keep_their_case_and_the_last_value_wins(rest: Gateway) -> None:
    event = event_of(rest, headers=[("X-Custom", "one"), ("X-Custom", "two")])
    assert event["headers"]["X-Custom"] == "two"
    assert event["multiValueHeaders"]["X-Custom"] == ["one", "two"]


def test_gateway_adds_forwarding_headers(rest: Gateway) -> None:
    event = event_of(rest)
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["headers"]["X-Amzn-Trace-Id"].startswith("Root=1-")


def test_query_string_gives_last_and_all_values(rest: Gateway) -> None:
    event = event_of(rest, "/event?a=1&a=2&b=x%20y")
    assert event["queryStringParameters"] == {"a": "2", "b": "x y"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x y"]}


def test_event_without_query_has_null_parameters(rest: Gateway) -> None:
    event = event_of(rest)
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None


def test_proxy_resource_and_path_parameters(rest: Gateway) -> None:
    event = event_of(rest, "/event/room/1")
    assert event["resource"] == "/{proxy+}"
    assert event["path"] == "/event/room/1"
    assert event["pathParameters"] == {"proxy": "event/room/1"}
    assert event["requestContext"]["stage"] == "dev"


def test_root_path_has_root_resource(rest: Gateway) -> None:
    event = event_of(rest, "/", method="GET")
    assert event["resource"] == "/"
    assert event["pathParameters"] is None
    assert event["body"] is None


def test_request_context_carries_method_ids_and_source(rest: Gateway) -> None:
    context = event_of(rest)["requestContext"]
    assert context["httpMethod"] == "POST"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["requestId"]
    assert context["domainName"] == f"127.0.0.1:{rest.port}"


def test_binary_media_type_body_arrives_base64(rest: Gateway) -> None:
    body = b"BINARY 2\r\n\x00\xff\r\n"
    event = event_of(rest, headers=[("Content-Type", EVENTS)], body=body)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body


def test_other_body_arrives_as_text(rest: Gateway) -> None:
    event = event_of(rest, headers=[("Content-Type", "text/plain")], body="héllo".encode())
    assert event["isBase64Encoded"] is False
    assert event["body"] == "héllo"


def test_binary_body_of_a_text_type_is_corrupted_as_on_aws(rest: Gateway) -> None:
    event = event_of(rest, headers=[("Content-Type", "text/plain")], body=b"\x00\xff")
    assert event["body"] == "\x00\ufffd"


def test_base64_response_is_decoded_when_the_first_accept_is_binary(rest: Gateway) -> None:
    result = {
        "statusCode": 200,
        "body": base64.b64encode(b"\x00\xff").decode(),
        "isBase64Encoded": True,
        "headers": {"Content-Type": EVENTS},
    }
    assert respond(rest, result, accept=[EVENTS]).body == b"\x00\xff"


def test_base64_response_stays_text_when_a_client_accept_comes_first(rest: Gateway) -> None:
    # A WebSocket client that sends its own Accept gets it placed before Pushpin's.
    encoded = base64.b64encode(b"\x00\xff").decode()
    result = {"statusCode": 200, "body": encoded, "isBase64Encoded": True}
    reply = respond(rest, result, accept=["text/html", EVENTS])
    assert reply.body == encoded.encode()


def test_base64_response_stays_text_without_accept(rest: Gateway) -> None:
    encoded = base64.b64encode(b"\x01").decode()
    result = {"statusCode": 200, "body": encoded, "isBase64Encoded": True}
    assert respond(rest, result).body == encoded.encode()


def test_wildcard_binary_media_type_decodes_for_any_accept(gateway_factory: Any) -> None:
    gateway = gateway_factory(api="rest", binary_media_types=["*~1*"])
    result = {
        "statusCode": 200,
        "body": base64.b64encode(b"\xff").decode(),
        "isBase64Encoded": True,
    }
    assert respond(gateway, result, accept=["text/html"]).body == b"\xff"


def test_status_headers_and_multi_value_headers_are_sent(rest: Gateway) -> None:
    result = {
        "statusCode": 201,
        "headers": {"X-One": "1"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": "made",
    }
    reply = respond(rest, result)
    assert (reply.status, reply.body, reply.header("X-One")) == (201, b"made", "1")
    assert reply.header_values("Set-Cookie") == ["a=1", "b=2"]


def test_response_without_content_type_gets_json(rest: Gateway) -> None:
    assert respond(rest, {"statusCode": 200, "body": "{}"}).header("Content-Type") == (
        "application/json"
    )


def test_response_with_an_unknown_field_is_a_502(rest: Gateway) -> None:
    reply = respond(rest, {"statusCode": 200, "body": "", "cookies": ["a=1"]})
    assert reply.status == 502
    assert json.loads(reply.body) == {"message": "Internal server error"}


def test_response_without_status_code_is_a_502(rest: Gateway) -> None:
    assert respond(rest, {"body": "hi"}).status == 502


def test_function_error_is_a_502(rest: Gateway) -> None:
    reply = send(rest.url, "GET", "/raise")
    assert reply.status == 502
    assert json.loads(reply.body) == {"message": "Internal server error"}


def test_event_over_the_payload_limit_is_a_413(rest: Gateway) -> None:
    reply = send(rest.url, "POST", "/event", [("Content-Type", EVENTS)], b"x" * 5_000_000)
    assert reply.status == 413


def test_response_over_the_payload_limit_is_a_502(rest: Gateway) -> None:
    assert send(rest.url, "GET", "/big").status == 502


def test_chunked_request_body_is_read_whole(rest: Gateway) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", rest.port, timeout=10)
    try:
        conn.request(
            "POST",
            "/event",
            body=iter([b"hel", b"lo"]),
            headers={"Content-Type": "text/plain"},
            encode_chunked=True,
        )
        event = json.loads(conn.getresponse().read())
    finally:
        conn.close()
    assert event["body"] == "hello"
