"""Powertools for AWS Lambda: @event_source data classes, Event Handler routes, Logger routing."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import (
    ALBResolver,
    APIGatewayHttpResolver,
    APIGatewayRestResolver,
    LambdaFunctionUrlResolver,
)
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.utilities.data_classes import (
    ALBEvent,
    APIGatewayProxyEvent,
    APIGatewayProxyEventV2,
    LambdaFunctionUrlEvent,
    event_source,
)

from faas_grip import WebSocketContext, grip_longpoll, grip_stream, grip_websocket
from faas_grip.aws.powertools import route_response
from faas_grip.testing import http_event, read_response, websocket_event

from .conftest import Recorder

DATA_CLASSES = [
    ("rest", APIGatewayProxyEvent),
    ("http", APIGatewayProxyEventV2),
    ("url", LambdaFunctionUrlEvent),
    ("alb", ALBEvent),
]


@pytest.mark.parametrize(("door", "data_class"), DATA_CLASSES)
def test_websocket_under_event_source(door: str, data_class: Any, recorder: Recorder) -> None:
    handler = event_source(data_class=data_class)(grip_websocket(recorder))
    event = websocket_event(open=True, text="hi", door=door)  # type: ignore[arg-type]
    reply = read_response(handler(event, None))
    assert (reply.accepted, reply.messages) == (True, ["echo hi"])
    assert recorder.calls[0].event == event  # the raw dict, not the data class


def test_binary_frame_survives_event_source(recorder: Recorder) -> None:
    # Powertools' decoded_body would decode UTF-8 and fail on this frame: faas-grip does not use it.
    handler = event_source(data_class=APIGatewayProxyEvent)(grip_websocket(recorder))
    reply = read_response(handler(websocket_event(binary=b"\xff\x00\xfe"), None))
    assert reply.messages == [b"echo \xff\x00\xfe"]


def test_stream_under_event_source() -> None:
    @event_source(data_class=APIGatewayProxyEventV2)
    @grip_stream(lambda event: event.query_string_parameters["channel"])
    def handler(event: APIGatewayProxyEventV2, context: Any) -> str:
        return f"hello from {event.raw_path}\n"

    reply = read_response(
        handler(http_event("http", "GET", "/feed", query={"channel": "news"}), None)
    )
    assert (reply.hold, reply.channels, reply.text) == ("stream", ["news"], "hello from /feed\n")


# -- Event Handler ---------------------------------------------------------------------------


@grip_websocket
def chat(ws: WebSocketContext, context: Any) -> None:
    if ws.is_opening():
        ws.accept()
        ws.subscribe("room")
    for message in ws:
        ws.send(f"echo {message!s}")


@grip_stream("room")
def feed(event: Any, context: Any) -> str:
    return "welcome\n"


@grip_longpoll("room", timeout=25)
def poll(event: Any, context: Any) -> dict[str, Any]:
    return {"statusCode": 204}


def resolver(kind: Any) -> Any:
    app = kind()

    @app.post("/chat")
    def chat_route() -> Any:
        return route_response(chat(app.current_event, app.lambda_context))

    @app.get("/feed")
    def feed_route() -> Any:
        return route_response(feed(app.current_event, app.lambda_context))

    @app.get("/poll")
    def poll_route() -> Any:
        return route_response(poll(app.current_event, app.lambda_context))

    return app


RESOLVERS = [
    ("rest", APIGatewayRestResolver),
    ("http", APIGatewayHttpResolver),
    ("url", LambdaFunctionUrlResolver),
    ("alb", ALBResolver),
]


@pytest.mark.parametrize(("door", "kind"), RESOLVERS)
def test_event_handler_route_serves_websocket_over_http(door: str, kind: Any) -> None:
    event = websocket_event(open=True, text="hi", door=door, path="/chat")  # type: ignore[arg-type]
    reply = read_response(resolver(kind).resolve(event, None))
    assert reply.headers["Content-Type"] == "application/websocket-events"
    assert (reply.accepted, reply.subscriptions, reply.messages) == (True, ["room"], ["echo hi"])


@pytest.mark.parametrize(("door", "kind"), RESOLVERS)
def test_event_handler_route_answers_with_a_stream(door: str, kind: Any) -> None:
    reply = read_response(resolver(kind).resolve(http_event(door, "GET", "/feed"), None))  # type: ignore[arg-type]
    assert (reply.hold, reply.channels, reply.text) == ("stream", ["room"], "welcome\n")


def test_event_handler_route_answers_with_a_long_poll() -> None:
    reply = read_response(
        resolver(APIGatewayRestResolver).resolve(http_event("rest", "GET", "/poll"), None)
    )
    assert (reply.status, reply.hold, reply.headers["Grip-Timeout"]) == (204, "response", "25")


def test_event_handler_route_passes_a_refusal_through() -> None:
    event = http_event("rest", "POST", "/chat", headers={"Content-Type": "text/plain"}, body="hi")
    reply = read_response(resolver(APIGatewayRestResolver).resolve(event, None))
    assert (reply.status, reply.headers["Content-Type"]) == (400, "text/plain; charset=utf-8")


# -- Logger ----------------------------------------------------------------------------------


@pytest.fixture
def faas_grip_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("faas_grip")
    saved = (logger.level, list(logger.handlers), logger.propagate)
    yield logger
    logger.setLevel(saved[0])
    logger.handlers[:] = saved[1]
    logger.propagate = saved[2]


def test_powertools_logger_routes_faas_grip_logs(
    faas_grip_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIP_VERIFY_KEY", "a-long-enough-secret-for-hs256-keys")
    out = io.StringIO()
    logger = Logger(service="chat", level="INFO", logger_handler=logging.StreamHandler(out))
    copy_config_to_registered_loggers(source_logger=logger, include={"faas_grip"})

    grip_websocket(Recorder())(websocket_event(open=True), None)

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert any(line["service"] == "chat" and "403" in line["message"] for line in lines)
