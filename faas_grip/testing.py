"""Helpers for testing handlers: build the events the proxy and AWS would send, read replies back.

    from faas_grip.testing import websocket_event, read_response

    reply = read_response(handler(websocket_event(open=True), None))
    assert reply.accepted and reply.subscriptions == ["room"]

    reply = read_response(handler(websocket_event(text="/nick bob", door="http"), None))
    assert reply.meta == {"nick": "bob"} and reply.messages == ["nickname set to [bob]"]

Doors: "rest" (API Gateway REST API, with application/websocket-events as a binary media type),
"http" (HTTP API, payload 2.0), "url" (Lambda function URL), "alb" and "alb-multi" (an ALB
target group without / with multi-value headers). The event shapes follow AWS's samples
(`sam local generate-event`, the AWS docs). PyJWT loads only when an event is signed.
"""

from __future__ import annotations

import base64
import json
import struct
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import quote_plus, urlencode

from faas_grip.aws.doors.base import parse_proxy_response
from faas_grip.protocol.events import (
    BINARY,
    CLOSE,
    CONTENT_TYPE,
    DISCONNECT,
    OPEN,
    PING,
    TEXT,
    WebSocketEvent,
    decode_events,
    encode_events,
)
from faas_grip.protocol.headers import CaseInsensitiveDict
from faas_grip.protocol.websocket import parse_close
from faas_grip.request import HeadersArg

Door = Literal["rest", "http", "url", "alb", "alb-multi"]
DOORS: tuple[str, ...] = ("rest", "http", "url", "alb", "alb-multi")

ACCOUNT_ID = "123456789012"
API_ID = "1234567890"
# What payload 2.0 and ALB pass as text; other content types arrive base64.
_TEXT_TYPES = ("application/json", "application/javascript", "application/xml")


def grip_sig(
    key: str | bytes,
    iss: str = "pushpin",
    *,
    expires_in: int = 3600,
    algorithm: str = "HS256",
) -> str:
    """A Grip-Sig token as the proxy makes it: a JWT `{iss, exp}` signed with `key`."""
    import jwt

    claims = {"iss": iss, "exp": int(time.time()) + expires_in}
    return jwt.encode(claims, key, algorithm=algorithm)


def http_event(
    door: Door = "rest",
    method: str = "GET",
    path: str = "/",
    *,
    headers: HeadersArg | None = None,
    body: str | bytes | None = None,
    query: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    base64_body: bool | None = None,
    sign_key: str | bytes | None = None,
    sign_iss: str = "pushpin",
) -> dict[str, Any]:
    """The event `door` hands Lambda for one HTTP request.

    `headers` may repeat a name (give pairs). The body arrives base64 when its Content-Type is
    not text (for "rest": when it is application/websocket-events, the binary media type a
    GRIP API configures); `base64_body` forces either way. `sign_key` adds a Grip-Sig.
    """
    if door not in DOORS:
        raise ValueError(f"unknown door {door!r}; expected one of {DOORS}")
    pairs = list(headers.items() if isinstance(headers, Mapping) else headers or ())
    if sign_key is not None:
        pairs.append(("Grip-Sig", grip_sig(sign_key, sign_iss)))
    raw = body.encode("utf-8") if isinstance(body, str) else body
    content_type = next((v for k, v in pairs if k.lower() == "content-type"), "")
    if base64_body is None:
        base64_body = raw is not None and _arrives_base64(door, content_type)
    text: str | None = None
    if raw is not None:
        text = base64.b64encode(raw).decode("ascii") if base64_body else raw.decode("utf-8")
    query_pairs = list(query.items() if isinstance(query, Mapping) else query or ())
    build = {"rest": _rest, "http": _http, "url": _url, "alb": _alb, "alb-multi": _alb_multi}[door]
    event = build(method.upper(), path, pairs, query_pairs)
    event["body"] = text
    event["isBase64Encoded"] = bool(base64_body)
    return event


def websocket_event(
    events: Iterable[WebSocketEvent] | None = None,
    *,
    door: Door = "rest",
    open: bool = False,
    text: str | Sequence[str] | None = None,
    binary: bytes | Sequence[bytes] | None = None,
    ping: bytes | None = None,
    close: int | None = None,
    close_reason: str = "",
    disconnect: bool = False,
    connection_id: str = "test-connection",
    meta: Mapping[str, str] | None = None,
    headers: HeadersArg | None = None,
    path: str = "/",
    query: Mapping[str, str] | None = None,
    sign_key: str | bytes | None = None,
    sign_iss: str = "pushpin",
) -> dict[str, Any]:
    """A WebSocket-over-HTTP request as the proxy sends it, delivered through `door`.

    Give the events in order with `events=[WebSocketEvent(...), ...]`, or with the shortcuts,
    which are added in this order: OPEN, PING, TEXT message(s), BINARY message(s),
    CLOSE (`close` code and `close_reason`), DISCONNECT. No events at all makes the empty
    keep-alive request. `headers` are the client's handshake headers (the proxy replays them);
    `meta` is the connection meta bound earlier (sent as Meta-* headers).
    """
    out = list(events or ())
    if open:
        out.append(WebSocketEvent(OPEN))
    if ping is not None:
        out.append(WebSocketEvent(PING, ping))
    out.extend(WebSocketEvent(TEXT, t) for t in ([text] if isinstance(text, str) else text or ()))
    out.extend(
        WebSocketEvent(BINARY, b)
        for b in ([binary] if isinstance(binary, (bytes, bytearray)) else binary or ())
    )
    if close is not None:
        out.append(WebSocketEvent(CLOSE, struct.pack(">H", close) + close_reason.encode("utf-8")))
    if disconnect:
        out.append(WebSocketEvent(DISCONNECT))
    pairs = list(headers.items() if isinstance(headers, Mapping) else headers or ())
    pairs += [
        ("Sec-WebSocket-Extensions", "grip"),
        ("Accept", CONTENT_TYPE),
        ("Connection-Id", connection_id),
        ("Content-Type", CONTENT_TYPE),
    ]
    pairs += [(f"Meta-{name}", value) for name, value in (meta or {}).items()]
    return http_event(
        door,
        "POST",
        path,
        headers=pairs,
        body=encode_events(out),
        query=query,
        sign_key=sign_key,
        sign_iss=sign_iss,
    )


class GripResponse:
    """A handler's reply, read back: status, headers, body, and what it tells the proxy.

    For a WebSocket-over-HTTP reply: `events` (decoded), `messages` (TEXT as str and BINARY as
    bytes, without the `m:` prefix), `controls` (the `c:` messages as dicts), `subscriptions`,
    `unsubscriptions`, `meta` (the Set-Meta-* changes; "" unbinds), `accepted`, `close_code`,
    `close_reason`, `disconnected`. For a held HTTP response: `hold` ("stream", "response" or
    None) and `channels`. `rejected` is true for any status of 400 or more.
    """

    def __init__(
        self,
        status: int,
        headers: Iterable[tuple[str, str]],
        body: str | bytes,
        message_prefix: str = "m:",
    ) -> None:
        self.status = status
        self.header_list = list(headers)
        self.headers = CaseInsensitiveDict()
        for name, value in self.header_list:
            previous = self.headers.get(name)
            self.headers[name] = value if previous is None else f"{previous}, {value}"
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.events: list[WebSocketEvent] = []
        if status == 200 and self.headers.get("Content-Type") == CONTENT_TYPE:
            self.events = decode_events(self.body)
        self.messages: list[str | bytes] = []
        self.controls: list[dict[str, Any]] = []
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self.closed = False
        prefix = message_prefix.encode("utf-8")
        for event in self.events:
            content = event.content or b""
            if event.type == TEXT and content.startswith(b"c:"):
                self.controls.append(json.loads(content[2:]))
            elif event.type in (TEXT, BINARY) and content.startswith(prefix):
                data = content[len(prefix) :]
                self.messages.append(data.decode("utf-8") if event.type == TEXT else data)
            elif event.type == CLOSE:
                self.closed = True
                self.close_code, self.close_reason = parse_close(event.content)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def accepted(self) -> bool:
        """The reply accepts the connection (it starts with OPEN)."""
        return bool(self.events) and self.events[0].type == OPEN

    @property
    def rejected(self) -> bool:
        return self.status >= 400

    @property
    def disconnected(self) -> bool:
        return any(e.type == DISCONNECT for e in self.events)

    @property
    def subscriptions(self) -> list[str]:
        return [c["channel"] for c in self.controls if c.get("type") == "subscribe"]

    @property
    def unsubscriptions(self) -> list[str]:
        return [c["channel"] for c in self.controls if c.get("type") == "unsubscribe"]

    @property
    def meta(self) -> dict[str, str]:
        """Set-Meta-* headers: meta name (lower-case) → value."""
        return {k[9:].lower(): v for k, v in self.header_list if k.lower().startswith("set-meta-")}

    @property
    def hold(self) -> str | None:
        return self.headers.get("Grip-Hold")

    @property
    def channels(self) -> list[str]:
        """Channel names of the Grip-Channel header (parameters dropped)."""
        value = self.headers.get("Grip-Channel", "")
        return [part.split(";")[0].strip() for part in value.split(",") if part.strip()]

    def __repr__(self) -> str:
        return f"GripResponse(status={self.status}, events={self.events!r})"


def read_response(
    response: Mapping[str, Any] | tuple[int, Iterable[tuple[str, str]], bytes],
    *,
    message_prefix: str = "m:",
) -> GripResponse:
    """Read a decorated handler's proxy response dict, or the `(status, headers, body)` of
    `handle_websocket` / `hold_stream` / `hold_longpoll`, into a GripResponse."""
    if isinstance(response, Mapping):
        if not isinstance(response.get("isBase64Encoded", False), bool):
            raise AssertionError("isBase64Encoded must be a bool")
        return GripResponse(*parse_proxy_response(response), message_prefix)
    status, headers, body = response
    return GripResponse(status, headers, body, message_prefix)


# -- event shapes (after AWS's samples) ----------------------------------------------------


def _arrives_base64(door: str, content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    if door == "rest":
        return media == CONTENT_TYPE
    return not (media.startswith("text/") or media in _TEXT_TYPES or media.endswith("+json"))


def _grouped(pairs: list[tuple[str, str]], lower: bool = False) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name.lower() if lower else name, []).append(value)
    return grouped


def _request_id() -> str:
    return str(uuid.uuid4())


def _rest(
    method: str, path: str, headers: list[tuple[str, str]], query: list[tuple[str, str]]
) -> dict[str, Any]:
    now = time.time()
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": dict(headers) or None,  # the last value of a repeated header
        "multiValueHeaders": _grouped(headers) or None,
        "queryStringParameters": dict(query) or None,
        "multiValueQueryStringParameters": _grouped(query) or None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "resourceId": "123456",
            "stage": "prod",
            "requestId": _request_id(),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": None},
            "path": "/prod" + path,
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "apiId": API_ID,
            "domainName": f"{API_ID}.execute-api.us-east-1.amazonaws.com",
            "protocol": "HTTP/1.1",
        },
    }


def _v2(
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    query: list[tuple[str, str]],
    domain: str,
) -> dict[str, Any]:
    now = time.time()
    cookies = [
        c.strip() for k, v in headers if k.lower() == "cookie" for c in v.split(";") if c.strip()
    ]
    joined = {k: ",".join(v) for k, v in _grouped(headers, lower=True).items() if k != "cookie"}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": urlencode(query),
        "headers": joined,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": domain.split(".")[0],
            "domainName": domain,
            "domainPrefix": domain.split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": _request_id(),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in _grouped(query).items()}
    return event


def _http(
    method: str, path: str, headers: list[tuple[str, str]], query: list[tuple[str, str]]
) -> dict[str, Any]:
    return _v2(method, path, headers, query, f"{API_ID}.execute-api.us-east-1.amazonaws.com")


def _url(
    method: str, path: str, headers: list[tuple[str, str]], query: list[tuple[str, str]]
) -> dict[str, Any]:
    return _v2(
        method, path, headers, query, "abcdefghij0123456789klmnopqrstuv.lambda-url.us-east-1.on.aws"
    )


def _target_group() -> dict[str, Any]:
    arn = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT_ID}:targetgroup/faas-grip/49e9d65c45c6791a"
    return {"elb": {"targetGroupArn": arn}}


def _alb(
    method: str, path: str, headers: list[tuple[str, str]], query: list[tuple[str, str]]
) -> dict[str, Any]:
    # ALB lower-cases header names, keeps the last of repeated ones, and leaves the query
    # percent-encoded as the client sent it.
    return {
        "requestContext": _target_group(),
        "httpMethod": method,
        "path": path,
        "queryStringParameters": {quote_plus(k): quote_plus(v) for k, v in query},
        "headers": {k.lower(): v for k, v in headers},
    }


def _alb_multi(
    method: str, path: str, headers: list[tuple[str, str]], query: list[tuple[str, str]]
) -> dict[str, Any]:
    return {
        "requestContext": _target_group(),
        "httpMethod": method,
        "path": path,
        "multiValueQueryStringParameters": {
            quote_plus(k): [quote_plus(v) for v in vs] for k, vs in _grouped(query).items()
        },
        "multiValueHeaders": _grouped(headers, lower=True),
    }
