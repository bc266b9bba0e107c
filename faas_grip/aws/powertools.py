"""Powertools for AWS Lambda: answering from an Event Handler resolver route.

A faas-grip decorated handler accepts the resolver's `current_event` (a data class) and returns a
proxy response dict; `route_response` turns that dict into the `Response` a route returns, so
the resolver can add its own headers (CORS…) and shape the response for its front door:

    app = APIGatewayRestResolver()

    @grip_websocket
    def chat(ws, context): ...

    @app.post("/chat")
    def chat_route():
        return route_response(chat(app.current_event, app.lambda_context))

Powertools loads when this module is imported: `import faas_grip` never imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import Response

from faas_grip.aws.doors.base import group_headers, parse_proxy_response


def route_response(proxy_response: Mapping[str, Any]) -> Response[Any]:
    """A Powertools Event Handler Response carrying a faas-grip proxy response.

    A binary body (a WebSocket-over-HTTP reply) stays bytes, which the resolver base64-encodes;
    a text body stays text.
    """
    status, headers, body = parse_proxy_response(proxy_response)
    merged: dict[str, str | list[str]] = {
        name: values[0] if len(values) == 1 else values
        for name, values in group_headers(headers).items()
    }
    return Response(status_code=status, headers=merged, body=body)
