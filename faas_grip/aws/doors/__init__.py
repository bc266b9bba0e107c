"""The front doors an HTTP request can reach a Lambda function through, one module each.

`front_door(event)` is the only place that chooses: the first door whose `infer` recognises the
event wins. Adding a front door is adding a module and a line to `DOORS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faas_grip.aws.doors.alb import Alb
from faas_grip.aws.doors.base import FrontDoor
from faas_grip.aws.doors.http import FunctionUrl, HttpApi
from faas_grip.aws.doors.rest import RestApi
from faas_grip.errors import GripProtocolError

# REST first (the usual WebSocket front door: one test decides); a function URL event is also a
# valid HTTP API event, so FunctionUrl comes before HttpApi. Each `infer` excludes the others'
# shapes (REST's refuses ALB events, which also carry an httpMethod).
DOORS: tuple[type[FrontDoor], ...] = (RestApi, FunctionUrl, HttpApi, Alb)


def raw_event(event: Any) -> Any:
    """The event dict, also when a Powertools data class wraps it (`@event_source`)."""
    return getattr(event, "raw_event", event)


def front_door(event: Any) -> FrontDoor:
    """The front door `event` came through (a dict or a Powertools event data class).

    Raise GripProtocolError (400) when it is not an HTTP event from API Gateway, a Lambda
    function URL or an ALB.
    """
    raw = event if event.__class__ is dict else raw_event(event)
    if raw.__class__ is dict or isinstance(raw, Mapping):
        for door in DOORS:
            if door.infer(raw):
                return door(raw)
        found = ", ".join(sorted(map(str, raw))[:8]) or "none"
    else:
        found = f"a {type(raw).__name__}"
    raise GripProtocolError(
        "the event is not an HTTP request from API Gateway (REST or HTTP API), a Lambda "
        f"function URL or an ALB (keys: {found})"
    )


__all__ = ["DOORS", "Alb", "FrontDoor", "FunctionUrl", "HttpApi", "RestApi", "front_door"]
