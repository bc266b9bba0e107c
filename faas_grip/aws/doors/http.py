"""Payload format 2.0: API Gateway HTTP APIs and Lambda function URLs.

Both lower-case header names and join repeated headers with commas, move the Cookie header into
`cookies`, give the path and query raw (`rawPath`, `rawQueryString`), base64-encode bodies that
are not text without any configuration, and always decode a base64 response. They differ only
in the request context, which tells the two apart for logs and for `FrontDoor.name`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from faas_grip.aws.doors.base import (
    FrontDoor,
    encode_body,
    event_body,
    group_headers,
    mapping_field,
    method_field,
    request_context,
    string_field,
)
from faas_grip.errors import GripProtocolError
from faas_grip.request import EventHeaders, Request


class HttpApi(FrontDoor):
    name = "http"

    @classmethod
    def infer(cls, event: Mapping[str, Any]) -> bool:
        return event.get("version") == "2.0" and "http" in request_context(event)

    def read(self) -> Request:
        event = self.event
        raw = mapping_field(event, "headers")
        cookies = event.get("cookies")
        if cookies:  # payload 2.0 moves the Cookie header here: put it back for handlers
            if not isinstance(cookies, list) or not all(c.__class__ is str for c in cookies):
                raise GripProtocolError("event field 'cookies' must be a list of strings")
            raw = {"cookie": "; ".join(cookies), **raw}
        http = event["requestContext"]["http"]  # `infer` saw the key
        if not isinstance(http, Mapping):
            raise GripProtocolError(
                "event field 'requestContext.http' must be an object, "
                f"not {'null' if http is None else type(http).__name__}"
            )
        return Request(
            method_field(http, "method", "requestContext.http.method", "GET"),
            EventHeaders(raw),
            functools.partial(event_body, event),
            path=string_field(event, "rawPath") or "/",
            query=string_field(event, "rawQueryString") or "",
            source=self.name,
        )

    def response(
        self, status: int, headers: Iterable[tuple[str, str]], body: str | bytes
    ) -> dict[str, Any]:
        return http_response(status, headers, body)


class FunctionUrl(HttpApi):
    """A Lambda function URL: payload 2.0 with a `*.lambda-url.*` domain."""

    name = "url"

    @classmethod
    def infer(cls, event: Mapping[str, Any]) -> bool:
        context = request_context(event)
        return (
            event.get("version") == "2.0"
            and "http" in context
            and ".lambda-url." in str(context.get("domainName", ""))
        )


def http_response(
    status: int, headers: Iterable[tuple[str, str]], body: str | bytes
) -> dict[str, Any]:
    """A payload 2.0 proxy response: repeated headers comma-joined, Set-Cookie in `cookies`."""
    text, is_base64 = encode_body(body)
    grouped = group_headers(headers)
    result: dict[str, Any] = {"statusCode": status, "headers": {}}
    for name, values in grouped.items():
        if name.lower() == "set-cookie":
            result["cookies"] = values
        else:
            result["headers"][name] = ", ".join(values)
    result["body"] = text
    result["isBase64Encoded"] = is_base64
    return result
