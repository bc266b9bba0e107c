"""`@grip_websocket`, `@grip_stream` and `@grip_longpoll`: Lambda handlers behind a GRIP proxy.

Each decorated function takes `(event, context)` like any Lambda handler — a proxy event from
API Gateway (REST or HTTP API), a function URL or an ALB, or a Powertools event data class when
placed under `@event_source` — and returns the proxy response for the front door the event came
through. Bad input (not an HTTP event, not WebSocket-over-HTTP, a malformed body, a missing or
invalid Grip-Sig) is answered with a plain-text 400/403 and the handler is not called.
Exceptions raised by the handler propagate to Lambda: no response is made up for them.
A handler may be `async def`: it runs to completion on an event loop the process keeps, so warm
invocations reuse it (faas_grip.aio). Other platforms: faas_grip.asgi, .flask, .gcf, .azure.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any, overload

from faas_grip.adapters import HoldSpec
from faas_grip.aio import blocking
from faas_grip.aws.doors import FrontDoor, front_door
from faas_grip.aws.doors.base import parse_proxy_response, plain_response
from faas_grip.aws.doors.fast import serve_websocket
from faas_grip.aws.websocket_api.events import is_websocket_api_event
from faas_grip.dispatch import (
    KeyArg,
    Reply,
    WebSocketHandler,
    error_reply,
    run_websocket,
)
from faas_grip.errors import GripProtocolError
from faas_grip.history.base import History
from faas_grip.protocol.instruct import ChannelsArg
from faas_grip.publishing.publisher import invocation_deadline
from faas_grip.recovery import DEFAULT_LIMIT, HistoryArg

logger = logging.getLogger("faas_grip")

LambdaHandler = Callable[[Any, Any], dict[str, Any]]
HttpHandler = Callable[[Any, Any], object]
ChannelsSpec = ChannelsArg | Callable[[Any], ChannelsArg]


def _open(event: Any) -> FrontDoor | dict[str, Any]:
    """The event's front door with its request read, or the 400 response when the event is not
    an HTTP request or has a shape AWS never sends (`requestContext.http: null`, ...)."""
    try:
        door = front_door(event)
    except GripProtocolError as exc:
        if not is_websocket_api_event(event):  # grip_websocket serves those itself
            logger.info("refused an event: %s", exc)
        return plain_response(exc.status, f"{exc}\n")
    try:
        door.request  # noqa: B018 - read now: a malformed event is a 400, not an exception
    except GripProtocolError as exc:
        return door.reply(error_reply(exc, door.name))
    return door


@overload
def grip_websocket(func: WebSocketHandler) -> LambdaHandler: ...


@overload
def grip_websocket(
    func: None = None,
    *,
    history: History | None = None,
    verify_key: KeyArg | None = None,
    verify_iss: str | None = None,
) -> Callable[[WebSocketHandler], LambdaHandler]: ...


def grip_websocket(
    func: WebSocketHandler | None = None,
    *,
    history: History | None = None,
    verify_key: KeyArg | None = None,
    verify_iss: str | None = None,
) -> LambdaHandler | Callable[[WebSocketHandler], LambdaHandler]:
    """Serve WebSocket-over-HTTP: the handler is called as `handler(ws, context)`.

    `ws` is the connection's WebSocketContext for this request (`ws.event` holds the raw event,
    `ws.headers`, `ws.path`, `ws.query`, `ws.meta`, `ws.connection_id`). The reply is a 200
    `application/websocket-events` body (base64, `isBase64Encoded: true`), or the rejection the
    handler chose with `ws.reject(...)`.

    `history` is the store `ws.subscribe(channel, after=ID)` replays from (default: the one
    GRIP_HISTORY_TABLE names). `verify_key` / `verify_iss` override the Grip-Sig key and
    issuer from the settings.
    """
    if history is not None and not isinstance(history, History):
        raise TypeError(f"history must be a History or None, not {type(history).__name__}")

    def decorate(handler: WebSocketHandler) -> LambdaHandler:
        call = blocking(handler)  # an async handler runs on the event loop kept per process

        @functools.wraps(handler)
        def wrapper(event: Any, context: Any = None) -> dict[str, Any]:
            if event.__class__ is dict:  # the warm path; None leaves the event to the doors
                if context is None:  # no Lambda context, no deadline to keep
                    fast = serve_websocket(call, event, None, verify_key, verify_iss, history)
                else:
                    with invocation_deadline(context):
                        fast = serve_websocket(
                            call, event, context, verify_key, verify_iss, history
                        )
                if fast is not None:
                    return fast
            door = _open(event)
            if isinstance(door, dict):
                if is_websocket_api_event(event):  # API Gateway holds the connection
                    from faas_grip.aws.websocket_api.handler import run_websocket_api

                    with invocation_deadline(context):
                        return run_websocket_api(call, event, context, history=history)
                return door
            # Publishes in the handler stop before the invocation's time runs out.
            with invocation_deadline(context):
                reply = run_websocket(
                    call,
                    door.request,
                    context,
                    event=door.event,
                    verify_key=verify_key,
                    verify_iss=verify_iss,
                    history=history,
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
    history: HistoryArg = None,
    replay_limit: int = DEFAULT_LIMIT,
    verify_key: KeyArg | None = None,
    verify_iss: str | None = None,
) -> Callable[[HttpHandler], LambdaHandler]:
    """Hold the request as an HTTP stream subscribed to `channels`.

    `channels` is a name, a Channel, a list of them, or a callable taking the event and
    returning those. The handler `(event, context)` returns the first body (str or bytes), a
    proxy response dict (statusCode/headers/body) to which the GRIP headers are added, or None.
    A response with status 400 or more, or one wrapped in `no_hold(...)`, is sent as it is,
    without holding the request.

    `keep_alive` is sent to the client after `keep_alive_timeout` idle seconds; `sse=True`
    answers `text/event-stream` with SSE comments as keep-alives; `next_link` is where the proxy
    goes to continue or recover the stream (required when a channel has a prev_id).

    `history=True` (the store GRIP_HISTORY_TABLE names) or a History, with `sse=True` and one
    channel: a client that sends Last-Event-ID (or `?lastEventId=`) first gets the stored events
    after it, at most `replay_limit` per response (the proxy fetches the rest), then live ones;
    the next link is made for it (`next_link_timeout` defaults to an hour). See
    faas_grip.recovery.
    """
    options: dict[str, Any] = {
        "keep_alive": keep_alive,
        "keep_alive_timeout": keep_alive_timeout,
        "sse": sse,
        "next_link": next_link,
        "next_link_timeout": next_link_timeout,
        "history": history,
        "replay_limit": replay_limit,
    }
    return _hold_decorator(
        HoldSpec("grip_stream", "stream", channels, verify_key, verify_iss, options)
    )


def grip_longpoll(
    channels: ChannelsSpec,
    timeout: int | None = None,
    *,
    history: HistoryArg = None,
    replay_limit: int = DEFAULT_LIMIT,
    verify_key: KeyArg | None = None,
    verify_iss: str | None = None,
) -> Callable[[HttpHandler], LambdaHandler]:
    """Hold the request as a long-poll on `channels` (as for grip_stream).

    The client gets the first item published, or after `timeout` seconds (Pushpin's default is
    55) the response the handler returned: a str or bytes body, a proxy response dict, or None
    for an empty 200. A response with status 400 or more, or one wrapped in `no_hold(...)`, is
    sent at once, without holding.

    `history=True` (the store GRIP_HISTORY_TABLE names) or a History, with one channel: a
    request with `?after=ID` is answered at once with the stored events after ID (a JSON list,
    at most `replay_limit`) when there are any, else held for the next one; the timeout answer
    of a handler that returns None is then `[]`. See faas_grip.recovery.
    """
    options: dict[str, Any] = {"timeout": timeout, "history": history, "replay_limit": replay_limit}
    return _hold_decorator(
        HoldSpec("grip_longpoll", "response", channels, verify_key, verify_iss, options)
    )


def _hold_decorator(spec: HoldSpec) -> Callable[[HttpHandler], LambdaHandler]:
    name = spec.name

    def decorate(handler: HttpHandler, *misuse: Any) -> LambdaHandler:
        if misuse:
            raise TypeError(f"@{name} needs its channels: write @{name}('channel')")
        call = blocking(handler)  # an async handler runs on the event loop kept per process

        def read(result: object) -> Reply:
            return _result(result, name)

        @functools.wraps(handler)
        def wrapper(event: Any, context: Any = None) -> dict[str, Any]:
            door = _open(event)
            if isinstance(door, dict):
                return door
            request = door.request
            held = spec.open(request, event)
            if isinstance(held, Reply):
                return door.reply(held)
            result: object = None
            if not held.recovering:
                # (The proxy's own next-link request skips the handler: it carries none of the
                # client's headers, and the handler's first body went out already.)
                with invocation_deadline(context):
                    result = call(event, context)
            reply = spec.close(held, request, result, read)
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
