"""What every front door does: recognise its events, read them into a Request, and shape the
proxy response the way that front door expects it."""

from __future__ import annotations

import base64
import binascii
import sys
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any, ClassVar

from faas_grip.dispatch import HeaderList, Reply
from faas_grip.errors import GripProtocolError
from faas_grip.request import Request


class FrontDoor:
    """One kind of HTTP event source. Subclasses set `name` and implement `infer`, `read` and
    `response`; `request` reads the event once, on first use."""

    name: ClassVar[str]

    def __init__(self, event: Mapping[str, Any]) -> None:
        self.event = event
        self._request: Request | None = None

    @classmethod
    def infer(cls, event: Mapping[str, Any]) -> bool:
        """True when `event` has this front door's shape."""
        raise NotImplementedError

    @property
    def request(self) -> Request:
        """The event as a Request (read once); GripProtocolError (400) when the event's shape
        or its body cannot be read."""
        if self._request is None:
            self._request = self.read()
        return self._request

    def read(self) -> Request:
        raise NotImplementedError

    def response(
        self, status: int, headers: Iterable[tuple[str, str]], body: str | bytes
    ) -> dict[str, Any]:
        """The proxy response dict: a str body is sent as text, bytes as base64."""
        raise NotImplementedError

    def reply(self, reply: Reply) -> dict[str, Any]:
        return self.response(reply.status, reply.headers, reply.body)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} door {self.name!r}>"


# Event shapes AWS never sends but a misconfigured integration or a test can: each reader below
# answers them with a GripProtocolError (400) naming the field, never a TypeError or KeyError.


def _shape_error(name: str, expected: str, value: object) -> GripProtocolError:
    found = "null" if value is None else type(value).__name__
    return GripProtocolError(f"event field {name!r} must be {expected}, not {found}")


def request_context(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """`event["requestContext"]`, or {} when it is absent or not an object (for `infer`, which
    must not raise)."""
    context = event.get("requestContext")
    return context if isinstance(context, Mapping) else {}


def mapping_field(event: Mapping[str, Any], name: str, label: str = "") -> Mapping[str, Any]:
    """`event[name]` when it is an object, {} when absent or null; else GripProtocolError."""
    value = event.get(name)
    if value.__class__ is dict or isinstance(value, Mapping):
        return value
    if value is None:
        return {}
    raise _shape_error(label or name, "an object", value)


def string_field(event: Mapping[str, Any], name: str, label: str = "") -> str | None:
    """`event[name]` when it is a string, None when absent or null; else GripProtocolError."""
    value = event.get(name)
    if value is None or value.__class__ is str:
        return value
    raise _shape_error(label or name, "a string", value)


def method_field(
    event: Mapping[str, Any], name: str, label: str = "", default: str | None = None
) -> str:
    """The HTTP method, which must be a non-empty string (`default` when absent)."""
    method = string_field(event, name, label)
    if method is None and default is not None and name not in event:
        return default
    if not method:
        raise _shape_error(label or name, "an HTTP method", method)
    return method


def string_map(event: Mapping[str, Any], name: str) -> dict[str, str]:
    """A name → string object (query parameters), {} when absent or null."""
    values = mapping_field(event, name)
    for key, value in values.items():
        if key.__class__ is not str or value.__class__ is not str:
            raise _shape_error(f"{name}[{key!r}]", "a string", value)
    return dict(values)


def event_body(event: Mapping[str, Any]) -> bytes:
    """The request body as bytes, base64-decoded when the event says so."""
    body = event.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise GripProtocolError(f"event body must be a string, not {type(body).__name__}")
    try:
        if event.get("isBase64Encoded"):
            if sys.version_info >= (3, 11):  # b64decode(validate=True) without its Python layer
                return binascii.a2b_base64(body, strict_mode=True)
            return base64.b64decode(body, validate=True)
        return body.encode("utf-8")
    except (binascii.Error, ValueError) as exc:
        raise GripProtocolError(
            "event body is marked isBase64Encoded but is not valid base64"
            if event.get("isBase64Encoded")
            else "event body is not valid text"
        ) from exc


def encode_body(body: str | bytes) -> tuple[str, bool]:
    """(body, isBase64Encoded) for a proxy response."""
    if isinstance(body, str):
        return body, False
    return binascii.b2a_base64(body, newline=False).decode("ascii"), True


def group_headers(headers: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Header values grouped by case-insensitive name (the first spelling is kept)."""
    grouped: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for name, value in headers:
        key = spelling.setdefault(name.lower(), name)
        grouped.setdefault(key, []).append(value)
    return grouped


def split_headers(
    headers: Iterable[tuple[str, str]],
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(names given once → value, names repeated → values), names compared case-insensitively."""
    pairs = list(headers)
    single = dict(pairs)
    count = len(pairs)
    if len(single) == count and (count < 2 or len({k.lower() for k in single}) == count):
        return single, {}  # the usual case: no name repeats
    grouped = group_headers(pairs)
    return (
        {k: v[0] for k, v in grouped.items() if len(v) == 1},
        {k: v for k, v in grouped.items() if len(v) > 1},
    )


def status_description(status: int) -> str:
    """`200 OK`: the status line ALB wants in statusDescription."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def parse_proxy_response(result: Mapping[str, Any]) -> Reply:
    """Read a proxy response dict (any front door's style) back into status, headers, body."""
    status = result.get("statusCode", 200)
    if not isinstance(status, int) or isinstance(status, bool):
        raise TypeError(f"statusCode must be an int, not {status!r}")
    headers: HeaderList = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(v)) for v in values or ())
    headers.extend(("Set-Cookie", str(c)) for c in result.get("cookies") or ())
    body = result.get("body")
    if body is None:
        return Reply(status, headers, "")
    if not isinstance(body, str):
        raise TypeError(
            f"body must be a str (base64 text with isBase64Encoded for bytes), not {type(body).__name__}"
        )
    if result.get("isBase64Encoded"):
        try:
            return Reply(status, headers, base64.b64decode(body, validate=True))
        except (binascii.Error, ValueError) as exc:
            raise ValueError("body is marked isBase64Encoded but is not valid base64") from exc
    return Reply(status, headers, body)


def plain_response(status: int, text: str) -> dict[str, Any]:
    """A text response for an event no front door recognised (every door accepts this shape)."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "text/plain; charset=utf-8"},
        "body": text,
        "isBase64Encoded": False,
    }
