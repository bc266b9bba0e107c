"""AWS's answers the local gateway reproduces when things go wrong: unusable function output,
header injection, API Gateway's payload limits and integration timeout, Lambda's function timeout,
a handler that cannot load at start, and secrets kept out of the access log.

The figures are AWS's documented ones (docs/local.md cites them), written out here rather than
read from faas_grip, so a wrong constant fails.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from faas_grip.dev import HandlerError
from faas_grip.dev.gateway import redact_target
from faas_grip.dev.pushpin import free_port
from faas_grip.dev.server import Gateway
from faas_grip.dev.template import function_timeout
from tests.dev.conftest import HANDLERS, Reply, send

MB = 1024 * 1024
REST_ERROR = {"message": "Internal server error"}  # 502
HTTP_API_ERROR = {"message": "Internal Server Error"}  # 500


def respond(gateway: Gateway, result: Any) -> Reply:
    body = json.dumps(result).encode()
    return send(gateway.url, "POST", "/respond", [("Content-Type", "application/json")], body)


def announce_length(gateway: Gateway, length: int) -> Reply:
    """Announce a body of `length` bytes and send none: a limit must be applied unread."""
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=30)
    try:
        conn.putrequest("POST", "/event")
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(length))
        conn.endheaders()
        response = conn.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        conn.close()


# -- unusable function output ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": 200, "headers": "oops"},
        {"statusCode": 200, "multiValueHeaders": "oops"},
        {"statusCode": 200, "headers": ["X-A", "1"]},
        {"statusCode": 200, "multiValueHeaders": {"X-A": "not a list"}},
    ],
)
def test_rest_api_answers_bad_handler_output_with_502(rest: Gateway, result: Any) -> None:
    reply = respond(rest, result)
    assert (reply.status, json.loads(reply.body)) == (502, REST_ERROR)
    assert send(rest.url, "GET", "/version").status == 200


@pytest.mark.parametrize(
    "result",
    [{"statusCode": 200, "headers": "oops"}, {"statusCode": 200, "cookies": "a=1"}],
)
def test_http_api_answers_bad_handler_output_with_500(http_api: Gateway, result: Any) -> None:
    reply = respond(http_api, result)
    assert (reply.status, json.loads(reply.body)) == (500, HTTP_API_ERROR)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-A": "a\r\nInjected: yes"},
        {"X-A": "a\nInjected: yes"},
        {"X-A\r\nInjected": "yes"},
        {"X-A": "a\rb"},
    ],
)
def test_rest_api_never_writes_cr_or_lf_in_a_header(rest: Gateway, headers: Any) -> None:
    reply = respond(rest, {"statusCode": 200, "headers": headers, "body": "hi"})
    assert (reply.status, json.loads(reply.body)) == (502, REST_ERROR)
    assert reply.header("Injected") is None


def test_rest_api_never_writes_cr_or_lf_in_a_multi_value_header(rest: Gateway) -> None:
    result = {"statusCode": 200, "multiValueHeaders": {"X-A": ["ok", "b\r\nInjected: yes"]}}
    reply = respond(rest, result)
    assert reply.status == 502
    assert reply.header("Injected") is None


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": 200, "headers": {"X-A": "a\r\nInjected: yes"}},
        {"statusCode": 200, "cookies": ["a=1\r\nInjected: yes"]},
    ],
)
def test_http_api_never_writes_cr_or_lf_in_a_header(http_api: Gateway, result: Any) -> None:
    reply = respond(http_api, result)
    assert reply.status == 500
    assert reply.header("Injected") is None


# -- payload limits ------------------------------------------------------------------------------


def test_rest_api_refuses_a_request_over_10_mb_with_413_unread(rest: Gateway) -> None:
    reply = announce_length(rest, 10 * MB + 1)
    assert reply.status == 413
    assert json.loads(reply.body) == {"message": "Request Too Long"}


def test_chunked_request_over_10_mb_gets_413_before_the_chunk_is_read(rest: Gateway) -> None:
    with socket.create_connection(("127.0.0.1", rest.port), timeout=30) as sock:
        sock.sendall(
            b"POST /event HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + f"{10 * MB + 1:x}\r\n".encode()
        )
        assert sock.recv(65536).startswith(b"HTTP/1.1 413 ")


def test_http_api_refuses_a_request_over_10_mb_with_413_unread(http_api: Gateway) -> None:
    assert announce_length(http_api, 10 * MB + 1).status == 413


def test_function_url_refuses_a_request_over_6_mb_with_413_unread(function_url: Gateway) -> None:
    assert announce_length(function_url, 6 * MB + 1).status == 413


def test_response_over_lambdas_6_mb_is_a_function_error(http_api: Gateway) -> None:
    reply = send(http_api.url, "GET", "/big")  # a 7 MB result
    assert (reply.status, json.loads(reply.body)) == (500, HTTP_API_ERROR)


# -- timeouts --------------------------------------------------------------------------------------


@pytest.fixture(params=["inprocess", "ric"])
def runtime(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_function_timeout_is_a_502_on_a_rest_api(
    gateway_factory: Callable[..., Gateway], runtime: str
) -> None:
    gateway = gateway_factory(runtime=runtime, timeout=1)
    reply = send(gateway.url, "GET", "/sleep?s=5")
    assert (reply.status, json.loads(reply.body)) == (502, REST_ERROR)


def test_function_timeout_is_a_500_on_an_http_api(gateway_factory: Callable[..., Gateway]) -> None:
    reply = send(gateway_factory(api="http", timeout=1).url, "GET", "/sleep?s=5")
    assert (reply.status, json.loads(reply.body)) == (500, HTTP_API_ERROR)


def test_integration_timeout_is_a_504_on_a_rest_api(
    gateway_factory: Callable[..., Gateway],
) -> None:
    gateway = gateway_factory(timeout=20, integration_timeout=1)
    reply = send(gateway.url, "GET", "/sleep?s=4")
    assert (reply.status, json.loads(reply.body)) == (
        504,
        {"message": "Endpoint request timed out"},
    )


def test_integration_timeout_is_a_503_on_an_http_api(
    gateway_factory: Callable[..., Gateway],
) -> None:
    gateway = gateway_factory(api="http", timeout=20, integration_timeout=1)
    reply = send(gateway.url, "GET", "/sleep?s=4")
    assert (reply.status, json.loads(reply.body)) == (503, {"message": "Service Unavailable"})


def test_rest_api_waits_29_seconds_and_an_http_api_30() -> None:
    from faas_grip.dev.doors import make_door

    assert make_door("rest").integration_timeout == 29
    assert make_door("http").integration_timeout == 30
    assert make_door("url").integration_timeout is None  # the function's own timeout


def test_function_timeout_comes_from_the_functions_template_entry(tmp_path: Path) -> None:
    (tmp_path / "src" / "chat").mkdir(parents=True)
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Globals:\n  Function:\n    Handler: app.handler\n    Timeout: 10\n"
        "Resources:\n"
        "  Chat:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: src/chat/\n      Timeout: 25\n"
        "      Layers: [!Ref Layer, !Sub '${Arn}']\n"
        "  Other:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: src/other/\n"
    )
    assert function_timeout("app.handler", tmp_path / "src" / "chat")[0] == 25


def test_function_timeout_falls_back_to_the_templates_globals(tmp_path: Path) -> None:
    (tmp_path / "fn").mkdir()
    (tmp_path / "template.yaml").write_text(
        "Globals:\n  Function:\n    Timeout: 12\n"
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: fn\n      Handler: main.run\n"
    )
    assert function_timeout("main.run", tmp_path / "fn")[0] == 12


def test_function_timeout_without_a_matching_function_is_lambdas_3_seconds(
    tmp_path: Path,
) -> None:
    assert function_timeout("app.handler", tmp_path)[0] == 3
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: elsewhere\n      Handler: app.handler\n      Timeout: 9\n"
    )
    assert function_timeout("app.handler", tmp_path)[0] == 3


# -- a handler that cannot load ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "error_type"),
    [
        ("nosuch.handler", "Runtime.ImportModuleError"),
        ("echo.no_such_function", "Runtime.HandlerNotFound"),
    ],
)
def test_handler_that_cannot_load_fails_the_start(
    gateway_factory: Callable[..., Gateway], runtime: str, handler: str, error_type: str
) -> None:
    with pytest.raises(HandlerError) as caught:
        gateway_factory(handler, runtime=runtime)
    assert caught.value.error["errorType"] == error_type
    assert handler.rpartition(".")[0 if "nosuch" in handler else 2] in str(caught.value)


def test_cli_with_a_handler_that_cannot_load_exits_1_before_the_banner() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "faas_grip.dev.cli",
            "dev",
            "nosuch.handler",
            "--code-dir",
            str(HANDLERS),
            "--port",
            str(free_port()),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "cannot load handler nosuch.handler" in result.stderr
    assert "No module named 'nosuch'" in result.stderr
    assert "Ctrl-C" not in result.stdout


# -- secrets in the access log --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "logged"),
    [
        ("/chat?token=abc&room=1", "/chat?token=***&room=1"),
        ("/x?api_key=k&X-Amz-Signature=s&sig=t", "/x?api_key=***&X-Amz-Signature=***&sig=***"),
        (
            "/x?Authorization=a&password=p&client_secret=c",
            "/x?Authorization=***&password=***&client_secret=***",
        ),
        ("/x?access%5Ftoken=t&name=bob", "/x?access%5Ftoken=***&name=bob"),
        ("/x?room=1&flag&token=", "/x?room=1&flag&token="),
        ("/plain", "/plain"),
    ],
)
def test_log_target_redacts_likely_secrets(target: str, logged: str) -> None:
    assert redact_target(target) == logged


def test_gateway_log_keeps_query_secrets_out(
    gateway_factory: Callable[..., Gateway], tmp_path: Path
) -> None:
    log = tmp_path / "gateway.log"
    gateway = gateway_factory(log=log)
    assert send(gateway.url, "GET", "/version?room=lobby&token=s3cr3t-value").status == 200
    gateway.stop()
    text = log.read_text()
    assert "GET /version?room=lobby&token=*** 200" in text
    assert "s3cr3t-value" not in text
