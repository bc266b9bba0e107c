"""`@grip_websocket`, `@grip_stream` and `@grip_longpoll`: Lambda handlers behind a GRIP proxy.

Each decorated function takes `(event, context)` like any Lambda handler — a proxy event from
API Gateway (REST or HTTP API), a function URL or an ALB, or a Powertools event data class when
placed under `@event_source` — and returns the proxy response for the front door the event came
through. Bad input (not an HTTP event, not WebSocket-over-HTTP, a malformed body, a missing or
invalid Grip-Sig) is answered with a plain-text 400/403 and the handler is not called.
Exceptions raised by the handler propagate to Lambda: no response is made up for them.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any, overload

from faas_grip.aws.doors import FrontDoor, front_door
from faas_grip.aws.doors.base import parse_proxy_response, plain_response
from faas_grip.dispatch import (
    HoldOptions,
    KeyArg,
    Reply,
    WebSocketHandler,
    error_reply,
    hold_reply,
    request_channels,
    run_websocket,
    verify_grip_sig,
)
from faas_grip.errors import GripError, GripProtocolError
from faas_grip.protocol.instruct import ChannelsArg, to_channels
from faas_grip.publishing.publisher import invocation_deadline

logger = logging.getLogger("faas_grip")

LambdaHandler = Callable[[Any, Any], dict[str, Any]]
HttpHandler = Callable[[Any, Any], object]
ChannelsSpec = ChannelsArg | Callable[[Any], ChannelsArg]


def _open(event: Any) -> FrontDoor | dict[str, Any]:
    """The event's front door, or the 400 response when the event is not an HTTP request."""
    try:
        return front_door(event)
    except GripProtocolError as exc:
        logger.info("refused an event: %s", exc)
        return plain_response(exc.status, f"{exc}\n")


@overload
def grip_websocket(func: WebSocketHandler) -> LambdaHandler: ...


@overload
def grip_websocket(
    func: None = None, *, verify_key: KeyArg | None = None, verify_iss: str | None = None
) -> Callable[[WebSocketHandler], LambdaHandler]: ...


def grip_websocket(
    func: WebSocketHandler | None = None,
    *,
    verify_key: KeyArg | None = None,
    verify_iss: str | None = None,
) -> LambdaHandler | Callable[[WebSocketHandler], LambdaHandler]:
    """Serve WebSocket-over-HTTP: the handler is called as `handler(ws, context)`.

    `ws` is the connection's WebSocketContext for this request (`ws.event` holds the raw event,
    `ws.headers`, `ws.path`, `ws.query`, `ws.meta`, `ws.connection_id`). The reply is a 200
    `application/websocket-events` body (base64, `isBase64Encoded: true`), or the rejection the
    handler chose with `ws.reject(...)`.

    `verify_key` / `verify_iss` override the Grip-Sig key and issuer from the settings.
    """

    def decorate(handler: WebSocketHandler) -> LambdaHandler:
        @functools.wraps(handler)
        def wrapper(event: Any, context: Any = None) -> dict[str, Any]:
            door = _open(event)
            if isinstance(door, dict):
                return door
            # Publishes in the handler stop before the invocation's time runs out.
            with invocation_deadline(context):
                reply = run_websocket(
                    handler,
                    door.request,
                    context,
                    event=door.event,
                    verify_key=verify_key,
                    verify_iss=verify_iss,
                )
            return door.reply(reply)

        return wrapper

    return decorate if func is None else decorate(func)


def grip_stream(
    channels: ChannelsSpec,
    *,
    keep_alive: str | bytes | None = None,
    keep_alive_timeout: int = 20,
    sse: bool = False,
    next_link: str | None = None,
    next_link_timeout: int | None = None,
    verify_key: KeyArg | None = None,
    verify_iss: str | None = None,
) -> Callable[[HttpHandler], LambdaHandler]:
    """Hold the request as an HTTP stream subscribed to `channels`.

    `channels` is a name, a Channel, a list of them, or a callable taking the event and
    returning those. The handler `(event, context)` returns the first body (str or bytes), a
    proxy response dict (statusCode/headers/body) to which the GRIP headers are added, or None.
    A response with status 400 or more is sent as it is, without holding the request.

    `keep_alive` is sent to the client after `keep_alive_timeout` idle seconds; `sse=True`
    answers `text/event-stream` with SSE comments as keep-alives; `next_link` is where the proxy
    goes to continue or recover the stream.
    """
    options = HoldOptions(
        "stream",
        keep_alive=keep_alive,
        keep_alive_timeout=keep_alive_timeout,
        sse=sse,
        next_link=next_link,
        next_link_timeout=next_link_timeout,
    )
    return _hold_decorator("grip_stream", channels, options, verify_key, verify_iss)


def grip_longpoll(
    channels: ChannelsSpec,
    timeout: int | None = None,
    *,
    verify_key: KeyArg | None = None,
    verify_iss: str | None = None,
) -> Callable[[HttpHandler], LambdaHandler]:
    """Hold the request as a long-poll on `channels` (as for grip_stream).

    The client gets the first item published, or after `timeout` seconds (Pushpin's default is
    55) the response the handler returned: a str or bytes body, a proxy response dict, or None
    for an empty 200. A response with status 400 or more is sent at once, without holding.
    """
    options = HoldOptions("response", timeout=timeout)
    return _hold_decorator("grip_longpoll", channels, options, verify_key, verify_iss)


def _hold_decorator(
    name: str,
    channels: ChannelsSpec,
    options: HoldOptions,
    verify_key: KeyArg | None,
    verify_iss: str | None,
) -> Callable[[HttpHandler], LambdaHandler]:
    if not callable(channels) and not to_channels(channels):
        raise ValueError(f"{name} needs at least one channel")

    def decorate(handler: HttpHandler, *misuse: Any) -> LambdaHandler:
        if misuse:
            raise TypeError(f"@{name} needs its channels: write @{name}('channel')")

        @functools.wraps(handler)
        def wrapper(event: Any, context: Any = None) -> dict[str, Any]:
            door = _open(event)
            if isinstance(door, dict):
                return door
            request = door.request
            try:
                verify_grip_sig(request, verify_key, verify_iss)
                chosen = request_channels(channels, event)
            except GripError as exc:
                return door.reply(error_reply(exc, door.name))
            with invocation_deadline(context):
                result = handler(event, context)
            status, headers, body = _result(result, name)
            try:
                reply = hold_reply(options, chosen, status, headers, body)
            except GripError as exc:  # a configuration error met reading the settings
                reply = error_reply(exc, door.name)
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "%s (%s) %s: status %d, %s",
                    name,
                    door.name,
                    request.path,
                    reply.status,
                    dict(reply.headers).get("Grip-Channel", "not held"),
                )
            return door.reply(reply)

        return wrapper

    return decorate


def _result(result: object, name: str) -> Reply:
    """A stream/long-poll handler's result as (status, headers, body)."""
    if result is None:
        return Reply(200, [], "")
    if isinstance(result, (str, bytes)):
        return Reply(200, [], result)
    if isinstance(result, Mapping):
        return parse_proxy_response(result)
    raise TypeError(
        f"a {name} handler returns str, bytes, a proxy response dict or None, "
        f"not {type(result).__name__}"
    )
