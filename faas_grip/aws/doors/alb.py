"""Application Load Balancer targets.

ALB lower-cases header names and passes query parameters still percent-encoded. When the target
group enables multi-value headers, the event carries only `multiValueHeaders` and
`multiValueQueryStringParameters`, and the response must use `multiValueHeaders` too; otherwise
both sides use single-valued `headers`. The response also carries a `statusDescription`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote_plus

from faas_grip.aws.doors.base import (
    FrontDoor,
    encode_body,
    event_body,
    group_headers,
    status_description,
)
from faas_grip.request import EventHeaders, Request, join_multi


class Alb(FrontDoor):
    name = "alb"

    @classmethod
    def infer(cls, event: Mapping[str, Any]) -> bool:
        return "elb" in (event.get("requestContext") or {})

    @property
    def multi_value(self) -> bool:
        """True when the target group has multi-value headers on (answer in the same style)."""
        return "multiValueHeaders" in self.event

    def read(self) -> Request:
        event = self.event
        if self.multi_value:
            multi = event.get("multiValueHeaders")
            headers = join_multi(multi)
            query = {
                unquote_plus(k): unquote_plus(vs[-1])
                for k, vs in (event.get("multiValueQueryStringParameters") or {}).items()
                if vs
            }
        else:
            multi = None
            headers = EventHeaders(event.get("headers"))
            query = {
                unquote_plus(k): unquote_plus(v)
                for k, v in (event.get("queryStringParameters") or {}).items()
            }
        return Request(
            str(event["httpMethod"]),
            headers,
            functools.partial(event_body, event),
            path=event.get("path") or "/",
            query=query,
            source=self.name,
            multi=multi,
        )

    def response(
        self, status: int, headers: Iterable[tuple[str, str]], body: str | bytes
    ) -> dict[str, Any]:
        text, is_base64 = encode_body(body)
        grouped = group_headers(headers)
        result: dict[str, Any] = {
            "statusCode": status,
            "statusDescription": status_description(status),
        }
        if self.multi_value:
            result["multiValueHeaders"] = grouped
        else:
            result["headers"] = {k: ", ".join(v) for k, v in grouped.items()}
        result["body"] = text
        result["isBase64Encoded"] = is_base64
        return result
