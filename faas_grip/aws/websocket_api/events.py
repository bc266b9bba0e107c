"""API Gateway WebSocket API events: recognise them and read them into WebSocket events.

API Gateway invokes the function once per `$connect`, per message (`$default` or a custom
route) and per `$disconnect`, with `requestContext.eventType` CONNECT / MESSAGE / DISCONNECT and
the `connectionId`. Each becomes the one-event batch the handler would see behind a GRIP proxy:
OPEN, TEXT or BINARY, and CLOSE (when API Gateway reports a close code) or DISCONNECT.
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from faas_grip.errors import GripProtocolError
from faas_grip.protocol.events import BINARY, CLOSE, DISCONNECT, OPEN, TEXT, WebSocketEvent
from faas_grip.protocol.headers import CaseInsensitiveDict

EVENT_TYPES = frozenset(("CONNECT", "MESSAGE", "DISCONNECT"))
_NO_CLOSE_FRAME = (1005, 1006)  # "no status" / "abnormal": the client sent no close frame


def is_websocket_api_event(event: Any) -> bool:
    """True when `event` comes from an API Gateway WebSocket API (a dict or a Powertools data
    class wrapping one)."""
    raw = getattr(event, "raw_event", event)
    if not isinstance(raw, Mapping):
        return False
    context = raw.get("requestContext")
    return (
        isinstance(context, Mapping)
        and context.get("eventType") in EVENT_TYPES
        and isinstance(context.get("connectionId"), str)
    )


@dataclass
class ApiEvent:
    """What one WebSocket API invocation says."""

    kind: str  # CONNECT, MESSAGE or DISCONNECT
    connection_id: str
    endpoint: str  # the Management API endpoint serving this connection
    connected_at: int  # epoch milliseconds
    events: list[WebSocketEvent]
    headers: CaseInsensitiveDict = field(default_factory=CaseInsensitiveDict)
    query: dict[str, str] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)


def event_endpoint(context: Mapping[str, Any]) -> str:
    """`https://{domainName}/{stage}`: the Management API of the API that sent the event."""
    domain, stage = context.get("domainName"), context.get("stage")
    if not domain or not stage:
        raise GripProtocolError(
            "the WebSocket API event has no requestContext.domainName/stage: set "
            "GRIP_WS_ENDPOINT to the API's Management API endpoint"
        )
    return f"https://{domain}/{stage}"


def read_event(event: Any, endpoint: str | None = None) -> ApiEvent:
    """Read a WebSocket API event; `endpoint` (GRIP_WS_ENDPOINT) wins over the event's own."""
    raw: Mapping[str, Any] = getattr(event, "raw_event", event)
    context = raw["requestContext"]
    kind = context["eventType"]
    connected_at = context.get("connectedAt")
    api_event = ApiEvent(
        kind=kind,
        connection_id=context["connectionId"],
        endpoint=endpoint or event_endpoint(context),
        connected_at=connected_at if isinstance(connected_at, int) else int(time_ms()),
        events=[],
        raw=raw,
    )
    if kind == "CONNECT":
        api_event.events.append(WebSocketEvent(OPEN))
        api_event.headers = _headers(raw)
        query = raw.get("queryStringParameters") or {}
        api_event.query = {k: v for k, v in query.items() if isinstance(v, str)}
    elif kind == "MESSAGE":
        api_event.events.append(_message(raw))
    else:
        api_event.events.append(_close(context))
    return api_event


def _headers(raw: Mapping[str, Any]) -> CaseInsensitiveDict:
    multi = raw.get("multiValueHeaders")
    if isinstance(multi, Mapping) and multi:
        return CaseInsensitiveDict(
            {k: ", ".join(v) for k, v in multi.items() if isinstance(v, list)}
        )
    single = raw.get("headers") or {}
    return CaseInsensitiveDict({k: v for k, v in single.items() if isinstance(v, str)})


def _message(raw: Mapping[str, Any]) -> WebSocketEvent:
    body = raw.get("body") or ""
    if not isinstance(body, str):
        raise GripProtocolError("the WebSocket API event's body is not a string")
    if raw.get("isBase64Encoded"):
        try:
            return WebSocketEvent(BINARY, base64.b64decode(body, validate=True))
        except (binascii.Error, ValueError) as exc:
            raise GripProtocolError("the message is marked base64 but is not base64") from exc
    return WebSocketEvent(TEXT, body.encode("utf-8"))


def _close(context: Mapping[str, Any]) -> WebSocketEvent:
    """CLOSE with the client's code when API Gateway reports one, else DISCONNECT."""
    code = context.get("disconnectStatusCode")
    if not isinstance(code, int) or code in _NO_CLOSE_FRAME or not 1000 <= code <= 4999:
        return WebSocketEvent(DISCONNECT)
    reason = str(context.get("disconnectReason") or "").encode("utf-8")[:123]
    return WebSocketEvent(
        CLOSE, struct.pack(">H", code) + reason.decode("utf-8", "ignore").encode()
    )


def time_ms() -> float:
    import time

    return time.time() * 1000
