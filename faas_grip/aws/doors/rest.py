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

from faas_grip.aws.doors.base import FrontDoor, encode_body, event_body, split_headers
from faas_grip.request import EventHeaders, Request, join_multi


class RestApi(FrontDoor):
    name = "rest"

    @classmethod
    def infer(cls, event: Mapping[str, Any]) -> bool:
        return "httpMethod" in event and "elb" not in (event.get("requestContext") or ())

    def read(self) -> Request:
        event = self.event
        multi = event.get("multiValueHeaders")
        single = event.get("headers")
        headers = EventHeaders(single) if single or not multi else join_multi(multi)
        return Request(
            str(event["httpMethod"]),
            headers,
            functools.partial(event_body, event),
            path=event.get("path") or "/",
            query=event.get("queryStringParameters"),
            source=self.name,
            multi=multi,
        )

    def response(
        self, status: int, headers: Iterable[tuple[str, str]], body: str | bytes
    ) -> dict[str, Any]:
        text, is_base64 = encode_body(body)
        single, repeated = split_headers(headers)
        result: dict[str, Any] = {"statusCode": status, "headers": single}
        if repeated:
            result["multiValueHeaders"] = repeated
        result["body"] = text
        result["isBase64Encoded"] = is_base64
        return result
