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
    mapping_field,
    method_field,
    request_context,
    status_description,
    string_field,
    string_map,
)
from faas_grip.errors import GripProtocolError
from faas_grip.request import EventHeaders, Request, join_multi


def join_multi_query(event: Mapping[str, Any]) -> dict[str, list[str]]:
    """`multiValueQueryStringParameters`, each value checked to be a list of strings."""
    values = mapping_field(event, "multiValueQueryStringParameters")
    for key, items in values.items():
        if not isinstance(key, str) or not (
            items is None or (isinstance(items, list) and all(v.__class__ is str for v in items))
        ):
            raise GripProtocolError(
                f"event field 'multiValueQueryStringParameters[{key!r}]' must be a list of strings"
            )
    return dict(values)


class Alb(FrontDoor):
    name = "alb"

    @classmethod
    def infer(cls, event: Mapping[str, Any]) -> bool:
        return "elb" in request_context(event)

    @property
    def multi_value(self) -> bool:
        """True when the target group has multi-value headers on (answer in the same style)."""
        return "multiValueHeaders" in self.event

    def read(self) -> Request:
        event = self.event
        if self.multi_value:
            multi = mapping_field(event, "multiValueHeaders")
            headers = join_multi(multi)
            query = {
                unquote_plus(k): unquote_plus(vs[-1])
                for k, vs in join_multi_query(event).items()
                if vs
            }
        else:
            multi = None
            headers = EventHeaders(mapping_field(event, "headers"))
            query = {
                unquote_plus(k): unquote_plus(v)
                for k, v in string_map(event, "queryStringParameters").items()
            }
        return Request(
            method_field(event, "httpMethod"),
            headers,
            functools.partial(event_body, event),
            path=string_field(event, "path") or "/",
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
