"""API Gateway REST APIs (proxy integration, payload format 1.0).

Also the payload 1.0 that HTTP APIs can be set to send: the shape is the same. `headers` keep
the case the client sent and hold the last value of a repeated header; `multiValueHeaders`
holds them all. A request body arrives base64 only when its Content-Type is one of the API's
BinaryMediaTypes, and a base64 response is decoded only when the request's first Accept value
is: a REST API serving WebSockets needs `application/websocket-events` in BinaryMediaTypes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from faas_grip.aws.doors.base import (
    FrontDoor,
    encode_body,
    event_body,
    mapping_field,
    method_field,
    request_context,
    split_headers,
    string_field,
    string_map,
)
from faas_grip.request import EventHeaders, Request, join_multi


class RestApi(FrontDoor):
    name = "rest"

    @classmethod
    def infer(cls, event: Mapping[str, Any]) -> bool:
        return "httpMethod" in event and "elb" not in request_context(event)

    def read(self) -> Request:
        event = self.event
        multi = mapping_field(event, "multiValueHeaders") or None
        single = mapping_field(event, "headers")
        headers = EventHeaders(single) if single or not multi else join_multi(multi)
        return Request(
            method_field(event, "httpMethod"),
            headers,
            functools.partial(event_body, event),
            path=string_field(event, "path") or "/",
            query=string_map(event, "queryStringParameters"),
            source=self.name,
            multi=multi,
        )

    def response(
        self, status: int, headers: Iterable[tuple[str, str]], body: str | bytes
    ) -> dict[str, Any]:
        return rest_response(status, headers, body)


def rest_response(
    status: int, headers: Iterable[tuple[str, str]], body: str | bytes
) -> dict[str, Any]:
    """A payload 1.0 proxy response: names given once in `headers`, repeated ones in
    `multiValueHeaders`."""
    text, is_base64 = encode_body(body)
    single, repeated = split_headers(headers)
    result: dict[str, Any] = {"statusCode": status, "headers": single}
    if repeated:
        result["multiValueHeaders"] = repeated
    result["body"] = text
    result["isBase64Encoded"] = is_base64
    return result
