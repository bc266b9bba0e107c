"""The warm path of `@grip_websocket`: a REST or HTTP API event that is plainly
WebSocket-over-HTTP, served without the general path's intermediate objects.

It takes the general path's steps with the same functions (Grip-Sig check, strict decoding,
the context, the handler, the reply's rendering and shape) and gives up, returning None
before the handler runs, at anything unusual: the general path (front_door → Request →
run_websocket → door.reply) then serves the event, refusals included. Both give the same
response for the same event (tests/aws/test_fast_path.py checks it byte for byte).
"""

from __future__ import annotations

import logging
from binascii import b2a_base64
from typing import Any

from faas_grip.aws.doors.base import event_body
from faas_grip.aws.doors.http import http_response
from faas_grip.aws.doors.rest import rest_response
from faas_grip.dispatch import (
    KeyArg,
    WebSocketHandler,
    call_handler,
    check_grip_sig,
    finish_context,
)
from faas_grip.errors import GripError
from faas_grip.history.base import History
from faas_grip.protocol.events import CONTENT_TYPE, decode_events, encode_events
from faas_grip.protocol.websocket import Meta, WebSocketContext
from faas_grip.request import EventHeaders, header_values, read_query
from faas_grip.settings import get_settings

logger = logging.getLogger("faas_grip")


def serve_websocket(
    handler: WebSocketHandler,
    event: dict[str, Any],
    context: Any,
    verify_key: KeyArg | None,
    verify_iss: str | None,
    history: History | None,
) -> dict[str, Any] | None:
    """The proxy response for `event`, or None (before the handler ran) when the general path
    must serve it."""
    if logger.isEnabledFor(logging.DEBUG):
        return None  # the general path logs each request
    raw = event.get("headers")
    info = event.get("requestContext")
    if raw.__class__ is not dict or not raw or info.__class__ is not dict:
        return None
    query: Any
    if "httpMethod" in event:  # RestApi's shape, as front_door and RestApi.read take it
        if "elb" in info or event["httpMethod"] != "POST":
            return None
        multi = event.get("multiValueHeaders")
        query = event.get("queryStringParameters")
        if (multi is not None and multi.__class__ is not dict) or (
            query is not None and (query.__class__ is not dict or not _strings(query))
        ):
            return None
        multi = multi or None
        path = event.get("path")
        rest = True
    elif event.get("version") == "2.0":  # HttpApi / FunctionUrl, with no cookies to move
        http = info.get("http")
        if http.__class__ is not dict or http.get("method") != "POST" or event.get("cookies"):
            return None
        multi = None
        query = event.get("rawQueryString")
        if query is not None and query.__class__ is not str:
            return None
        path = event.get("rawPath")
        rest = False
    else:
        return None
    if path is not None and path.__class__ is not str:
        return None
    # EventHeaders.peek's two spellings, read here without building the headers yet.
    content_type = raw.get("Content-Type")
    if content_type.__class__ is not str:
        content_type = raw.get("content-type")
    connection_id = raw.get("Connection-Id")
    if connection_id.__class__ is not str:
        connection_id = raw.get("connection-id")
    if content_type != CONTENT_TYPE or not connection_id or connection_id.__class__ is not str:
        return None  # the general path reads other spellings and parameters, or refuses it
    headers = EventHeaders(raw)
    try:
        settings = get_settings()  # a GripConfigError is the general path's 500 too
        check_grip_sig(
            lambda name: header_values(headers, multi, name), verify_key, verify_iss, settings
        )
        # open_context's construction, called directly: one call less per invocation.
        ws = WebSocketContext(
            connection_id,
            Meta.from_headers(headers),
            decode_events(event_body(event)),
            prefix=settings.prefix,
            headers=headers,
            path=path or "/",
            query=read_query(query) if query else {},
            event=event,
        )
    except GripError:
        return None  # refused: the general path answers (and logs) it
    call_handler(handler, ws, context, history)
    if ws._rejection is None and not ws._accepted and ws._client_close is None:
        # The usual reply: messages and Set-Meta-* headers, whose names cannot repeat; what
        # finish_context and the door's response give for it, without their general steps.
        # (ws.to_headers() and ws.encode() for that case, inline.)
        reply_headers = {"Content-Type": CONTENT_TYPE}
        for name, value in ws.meta._changes.items():
            reply_headers["Set-Meta-" + name] = value
        return {
            "statusCode": 200,
            "headers": reply_headers,
            "body": b2a_base64(encode_events(ws._out), newline=False).decode("ascii"),
            "isBase64Encoded": True,
        }
    if rest:
        return rest_response(*finish_context(ws, "rest"))
    url = ".lambda-url." in str(info.get("domainName", ""))  # FunctionUrl, as front_door sees
    return http_response(*finish_context(ws, "url" if url else "http"))


def _strings(values: dict[Any, Any]) -> bool:
    return all(k.__class__ is str and v.__class__ is str for k, v in values.items())
