"""Choosing the front door: the first one that recognises the event, or a clear 400."""

from __future__ import annotations

import pytest

from faas_grip import GripProtocolError, grip_websocket
from faas_grip.aws.doors import DOORS, Alb, FunctionUrl, HttpApi, RestApi, front_door

from .conftest import Recorder, sample


@pytest.mark.parametrize(
    ("name", "door"),
    [
        ("rest-aws-proxy", RestApi),
        ("http-api-payload-1.0", RestApi),
        ("http-api-proxy", HttpApi),
        ("function-url", FunctionUrl),
        ("alb-request", Alb),
        ("alb-multi-value-headers", Alb),
    ],
)
def test_each_sample_is_recognised_by_exactly_its_door(name: str, door: type) -> None:
    event = sample(name)
    assert type(front_door(event)) is door
    assert [d for d in DOORS if d.infer(event) and not issubclass(door, d)] == []


def test_an_event_that_is_not_http_is_a_protocol_error() -> None:
    with pytest.raises(GripProtocolError, match="not an HTTP request") as caught:
        front_door({"Records": [{"eventSource": "aws:sqs"}]})
    assert caught.value.status == 400


def test_a_non_dict_event_is_a_protocol_error() -> None:
    with pytest.raises(GripProtocolError, match="a str"):
        front_door("hello")


def test_decorator_answers_an_unknown_event_with_400(recorder: Recorder) -> None:
    response = grip_websocket(recorder)({"source": "aws.events"}, None)
    assert response["statusCode"] == 400
    assert response["headers"]["Content-Type"] == "text/plain; charset=utf-8"
    assert "not an HTTP request" in response["body"]
    assert recorder.calls == []
