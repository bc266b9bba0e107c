"""The one request pipeline behind every entry: Request → Grip-Sig check → context → handler →
(status, headers, body).

The Lambda decorators feed it requests read from proxy events; `handle_websocket`,
`hold_stream` and `hold_longpoll` feed it the (method, headers, body) of any Python web
framework, so the same handler code runs in both places.

Failures caused by the request (not WebSocket-over-HTTP, a malformed body, a bad Grip-Sig)
become plain-text replies with the GripError's status, and the handler is not called.
Exceptions raised by the handler itself propagate unchanged: no reply is produced for them.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from faas_grip.aio import blocking
from faas_grip.errors import (
    GripConfigError,
    GripError,
    GripProtocolError,
    GripSignatureError,
    WebSocketDisconnected,
)
from faas_grip.history.base import History
from faas_grip.protocol.events import CONTENT_TYPE, decode_events
from faas_grip.protocol.headers import check_header_name, check_header_value
from faas_grip.protocol.instruct import ChannelsArg, GripInstruct, to_channels
from faas_grip.protocol.signature import VerifyKey, load_verify_key, validate_grip_sig
from faas_grip.protocol.websocket import Meta, WebSocketContext
from faas_grip.request import EventHeaders, HeadersArg, Request, drop_underscore_spellings
from faas_grip.settings import Settings, get_settings

logger = logging.getLogger("faas_grip")

KeyArg = bytes | str | Mapping[str, Any] | VerifyKey
WebSocketHandler = Callable[[WebSocketContext, Any], object]
HeaderList = list[tuple[str, str]]

TEXT_PLAIN = "text/plain; charset=utf-8"
SSE_KEEP_ALIVE = ":\n\n"  # an SSE comment: clients ignore it, proxies see traffic

_warned_no_key = False


class Reply(NamedTuple):
    """What to answer: status, header pairs, body.

    A str body is text the front door can pass as is; bytes go base64 through AWS.
    """

    status: int
    headers: HeaderList
    body: str | bytes


# -- Grip-Sig ------------------------------------------------------------------------------


def verify_grip_sig(
    request: Request, verify_key: KeyArg | None = None, verify_iss: str | None = None
) -> None:
    """Raise GripSignatureError unless the request carries one Grip-Sig valid for a known key.

    The keys are `verify_key` if given, else those of the settings (GRIP_VERIFY_KEY, or each
    proxy's verify-key / key); `verify_iss` overrides the issuer they require. With no key at
    all every request is accepted and a warning is logged once per process.
    """
    check_grip_sig(request.header_values, verify_key, verify_iss)


def check_grip_sig(
    header_values: Callable[[str], list[str]],
    verify_key: KeyArg | None = None,
    verify_iss: str | None = None,
    settings: Settings | None = None,
) -> None:
    """verify_grip_sig, given how to read a header's values (called only when a key is known)
    and, when the caller has them, the settings."""
    if verify_key is not None:
        keys: list[tuple[KeyArg, str | None]] = [(verify_key, verify_iss)]
    else:
        if settings is None:
            settings = get_settings()
        cached, iss, keys = _keys_for
        if cached is not settings or iss != verify_iss:
            keys = _configured_keys(settings, verify_iss)
    if not keys:
        if not _warned_no_key:
            _warn_no_key()
        return
    # Payload 2.0 joins repeated headers with commas; a JWT never contains one.
    tokens = [t.strip() for value in header_values("Grip-Sig") for t in value.split(",")]
    if not tokens or not tokens[0]:
        raise GripSignatureError(
            "Grip-Sig header is missing: requests must come through the GRIP proxy"
        )
    if len(tokens) > 1:
        raise GripSignatureError(f"Grip-Sig appears {len(tokens)} times; exactly one is allowed")
    token = tokens[0]
    for key, iss in keys:
        if _valid(token, load_verify_key(key), iss):
            return
    raise GripSignatureError(
        "Grip-Sig is not valid: wrong key or algorithm, expired, or issued by another issuer"
    )


# The settings' keys with the issuer each requires, for the settings object they came from (a
# reload or reset_settings() makes a new one): built once instead of on every request.
_keys_for: tuple[object, str | None, list[tuple[KeyArg, str | None]]] = (None, None, [])


def _configured_keys(settings: Settings, verify_iss: str | None) -> list[tuple[KeyArg, str | None]]:
    global _keys_for
    keys: list[tuple[KeyArg, str | None]] = [
        (k, verify_iss or i) for k, i in settings.verify_keys()
    ]
    _keys_for = (settings, verify_iss, keys)
    return keys


# Tokens that validated, until their `exp`. The proxy signs each request with a token that stays
# the same for a second or more, so a warm function under load checks each signature once
# instead of on every request (a JWT check costs tens of microseconds).
_VALIDATED_MAX = 256
_validated: dict[tuple[str, VerifyKey, str | None], float] = {}


def _valid(token: str, key: VerifyKey, iss: str | None) -> bool:
    entry = (token, key, iss)
    expires = _validated.get(entry)
    if expires is not None:
        if expires > time.time():
            return True
        _validated.pop(entry, None)
    if not validate_grip_sig(token, key, iss):
        return False
    if len(_validated) >= _VALIDATED_MAX:
        _validated.clear()
    _validated[entry] = _expiry(token)
    return True


def _expiry(token: str) -> float:
    """The `exp` claim of a token that validated (so it has one)."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return float(claims["exp"])


def _warn_no_key() -> None:
    global _warned_no_key
    if not _warned_no_key:
        _warned_no_key = True
        logger.warning(
            "no Grip-Sig verify key is configured (GRIP_URL key/verify-key, GRIP_VERIFY_KEY or "
            "verify_key=): requests are accepted without proof that they came through the proxy"
        )


# -- replies -------------------------------------------------------------------------------


def error_reply(exc: GripError, source: str = "direct") -> Reply:
    """The plain-text reply for a GripError met while reading a request."""
    if isinstance(exc, GripConfigError):
        # A deployment fault: the details are for the logs, not for whoever sent the request.
        logger.error("faas-grip is misconfigured: %s", exc)
        text = "faas-grip is misconfigured; see the function's logs\n"
    else:
        logger.info("refused a request (%s): %d %s", source, exc.status, exc)
        text = f"{exc}\n"
    return Reply(exc.status, [("Content-Type", TEXT_PLAIN)], text)


def _merge(headers: HeaderList, extra: Mapping[str, str]) -> HeaderList:
    """`headers` with `extra` added, replacing any header of the same name."""
    names = {name.lower() for name in extra}
    return [(k, v) for k, v in headers if k.lower() not in names] + list(extra.items())


# -- WebSocket-over-HTTP -------------------------------------------------------------------


def websocket_context(request: Request, *, event: Any = None) -> WebSocketContext:
    """Build the WebSocketContext of a WebSocket-over-HTTP request; GripProtocolError if it
    is not one or its body is malformed."""
    if request.method != "POST":
        raise GripProtocolError(
            f"not a WebSocket-over-HTTP request: method is {request.method}, expected POST"
        )
    headers = request.headers
    content_type = headers.get("Content-Type")
    if content_type != CONTENT_TYPE and request.content_type != CONTENT_TYPE:
        raise GripProtocolError(
            "not a WebSocket-over-HTTP request: Content-Type is "
            f"{content_type or '(none)'!r}, expected {CONTENT_TYPE}"
        )
    connection_id = headers.get("Connection-Id")
    if not connection_id:
        raise GripProtocolError(
            "Connection-Id header is missing from a WebSocket-over-HTTP request"
        )
    return open_context(connection_id, headers, request.body, request.path, request.query, event)


def open_context(
    connection_id: str,
    headers: EventHeaders,
    body: bytes,
    path: str,
    query: dict[str, str],
    event: Any,
    prefix: str | None = None,
) -> WebSocketContext:
    """The context of a checked WebSocket-over-HTTP request: GripProtocolError if its body is
    malformed (shared by websocket_context and the Lambda warm path). `prefix` is GRIP_PREFIX
    unless given."""
    return WebSocketContext(
        connection_id,
        Meta.from_headers(headers),
        decode_events(body),
        prefix=get_settings().prefix if prefix is None else prefix,
        headers=headers,  # already case-insensitive: shared, not copied
        path=path,
        query=query,
        event=event,
    )


def websocket_reply(ws: WebSocketContext) -> Reply:
    """Render a context after its handler ran."""
    body = ws.encode()
    headers = list(ws.to_headers().items())
    if ws._rejection is not None:
        try:  # a text rejection passes through every front door as is
            return Reply(ws.status(), headers, body.decode("utf-8"))
        except UnicodeDecodeError:
            return Reply(ws.status(), headers, body)
    return Reply(200, headers, body)


def run_websocket(
    handler: WebSocketHandler,
    request: Request,
    context: Any = None,
    *,
    event: Any = None,
    verify_key: KeyArg | None = None,
    verify_iss: str | None = None,
    history: History | None = None,
) -> Reply:
    """Check, build the context, call `handler(ws, context)`, render the reply.

    `history` is what `ws.subscribe(..., after=)` replays from (default: default_history())."""
    try:
        verify_grip_sig(request, verify_key, verify_iss)
        ws = websocket_context(request, event=event)
    except GripError as exc:
        return error_reply(exc, request.source)
    return serve_context(handler, ws, context, request.source, history)


def serve_context(
    handler: WebSocketHandler,
    ws: WebSocketContext,
    context: Any,
    source: str,
    history: History | None = None,
) -> Reply:
    """Call `handler(ws, context)` on a checked request's context and render the reply (the
    part of run_websocket that the Lambda warm path, faas_grip.aws.doors.fast, shares)."""
    call_handler(handler, ws, context, history)
    return finish_context(ws, source)


def call_handler(
    handler: WebSocketHandler, ws: WebSocketContext, context: Any, history: History | None
) -> None:
    """`handler(ws, context)`, with `ws.history` set; a WebSocketDisconnected ends it quietly."""
    if history is not None:
        ws.history = history
    try:
        handler(ws, context)
    except WebSocketDisconnected:
        pass  # the client is gone; the reply is still well-formed (Pushpin ignores it)


def finish_context(ws: WebSocketContext, source: str) -> Reply:
    """The reply of a context whose handler ran (logged at debug level, rejections at info)."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "websocket (%s) connection %s: %d events in, %d out, status %d",
            source,
            ws.connection_id,
            len(ws.events),
            len(ws.outgoing_events()),
            ws.status(),
        )
    reply = websocket_reply(ws)
    if ws._rejection is not None:
        logger.info("connection %s rejected by the handler: %d", ws.connection_id, reply.status)
    return reply


def handle_websocket(
    handler: WebSocketHandler,
    method: str,
    headers: HeadersArg | None,
    body: bytes | str,
    *,
    path: str = "/",
    query: Mapping[str, str] | str | None = None,
    context: Any = None,
    verify_key: KeyArg | None = None,
    verify_iss: str | None = None,
) -> tuple[int, HeaderList, bytes]:
    """Serve one WebSocket-over-HTTP request from any web framework.

    Calls `handler(ws, context)` like `@grip_websocket` does (`ws.event` is None; an async
    handler runs on the thread's kept event loop) and returns `(status, [(name, value), ...],
    body)`, ready for the framework's response.
    """
    request = Request(method, drop_underscore_spellings(headers), body, path=path, query=query)
    status, reply_headers, reply_body = run_websocket(
        blocking(handler), request, context, verify_key=verify_key, verify_iss=verify_iss
    )
    return status, reply_headers, _bytes(reply_body)


# -- HTTP streaming and long-polling -------------------------------------------------------


class HoldOptions:
    """How to hold a plain HTTP request: validated once, when a decorator is applied."""

    __slots__ = ("keep_alive", "keep_alive_timeout", "mode", "next_link", "sse", "timeout")

    def __init__(
        self,
        mode: str,
        *,
        timeout: int | None = None,
        keep_alive: str | bytes | None = None,
        keep_alive_timeout: int = 20,
        next_link: str | None = None,
        next_link_timeout: int | None = None,
        sse: bool = False,
    ) -> None:
        self.mode = mode
        self.timeout = timeout
        self.sse = sse
        self.keep_alive = SSE_KEEP_ALIVE if sse and keep_alive is None else keep_alive
        self.keep_alive_timeout = keep_alive_timeout
        self.next_link = None if next_link is None else (next_link, next_link_timeout)
        self.instruct(None, "")  # raises ValueError now for a bad option

    def check_channels(self, channels: ChannelsArg) -> None:
        """ValueError for a stream channel with a prev-id but no next link: Pushpin closes
        such a stream at once ("specifies prev-id, but no next link found")."""
        if self.mode != "stream" or self.next_link is not None:
            return
        for channel in to_channels(channels):
            if channel.prev_id is not None:
                raise ValueError(
                    f"channel {channel.name!r} has prev_id={channel.prev_id!r} but the stream "
                    "has no next_link: the GRIP proxy would close it at once. Give next_link= "
                    "(where the proxy fetches what it missed), or use history=True"
                )

    def instruct(
        self, channels: ChannelsArg, prefix: str, next_link: tuple[str, int | None] | None = None
    ) -> GripInstruct:
        instruct = GripInstruct(channels, prefix=prefix)
        if self.mode == "stream":
            instruct.set_hold_stream()
        else:
            instruct.set_hold_longpoll(self.timeout)
        if self.keep_alive is not None:
            instruct.set_keep_alive(self.keep_alive, self.keep_alive_timeout)
        link = next_link or self.next_link
        if link is not None:
            instruct.set_next_link(*link)
        return instruct

    def content_type(self) -> str:
        return "text/event-stream" if self.sse else TEXT_PLAIN


def hold_reply(
    options: HoldOptions,
    channels: ChannelsArg,
    status: int,
    headers: HeaderList,
    body: str | bytes,
    *,
    next_link: tuple[str, int | None] | None = None,
) -> Reply:
    """Add the hold instructions to a response; a refusal (status >= 400) is left as it is.

    The handler's headers are checked (ValueError): a value with CR or LF, or a name that is
    not a token, would add headers or split the response. `next_link` (uri, timeout) replaces
    the options' link for this reply. A stream channel with a prev-id but no link is a
    GripConfigError (channels chosen per request; static ones fail at decoration time).
    """
    check_headers(headers)
    if status >= 400:
        return Reply(status, headers, body)
    if next_link is None:
        try:
            options.check_channels(channels)
        except ValueError as exc:
            raise GripConfigError(str(exc)) from exc
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers = [*headers, ("Content-Type", options.content_type())]
    instruct = options.instruct(channels, get_settings().prefix, next_link)
    return Reply(status, _merge(headers, instruct.to_headers()), body)


def check_headers(headers: HeaderList) -> None:
    """ValueError for a header that would add headers or split the response."""
    for name, value in headers:
        check_header_name(name, "response header name")
        check_header_value(value, f"response header {name}")


class NoHold:
    """A stream or long-poll handler's response to send at once, without holding: see
    `no_hold`."""

    __slots__ = ("response",)

    def __init__(self, response: str | bytes | Mapping[str, Any] | None) -> None:
        self.response = response

    def __repr__(self) -> str:
        return f"no_hold({self.response!r})"


def no_hold(response: str | bytes | Mapping[str, Any] | None = None) -> NoHold:
    """Answer a `@grip_stream` / `@grip_longpoll` request at once, without holding it.

    `response` is what the handler would return otherwise (a str or bytes body, a proxy
    response dict, or None for an empty 200); it goes to the client as it is, any status,
    with no GRIP instruction: e.g. `return no_hold({"statusCode": 204})` when the job is done.
    """
    return NoHold(response)


def no_hold_reply(reply: Reply) -> Reply:
    """A `no_hold` response as it goes out: headers checked, no GRIP instruction."""
    check_headers(reply.headers)
    return reply


def request_channels(
    channels: ChannelsArg | Callable[[Any], ChannelsArg], event: Any
) -> ChannelsArg:
    """The channels for this request; a callable's bad result is the request's fault (400)."""
    if not callable(channels):
        return channels
    try:
        chosen = to_channels(channels(event))
        if not chosen:
            raise ValueError("no channel was chosen for this request")
    except ValueError as exc:
        raise GripProtocolError(f"cannot hold this request: {exc}") from exc
    return chosen


def hold_stream(
    request_headers: HeadersArg | None,
    channels: ChannelsArg,
    body: str | bytes = "",
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    keep_alive: str | bytes | None = None,
    keep_alive_timeout: int = 20,
    sse: bool = False,
    next_link: str | None = None,
    next_link_timeout: int | None = None,
    verify_key: KeyArg | None = None,
    verify_iss: str | None = None,
) -> tuple[int, HeaderList, bytes]:
    """An HTTP-streaming response for any web framework: `body` goes to the client first,
    then whatever is published to `channels`.

    Returns `(status, [(name, value), ...], body)`; a request without a valid Grip-Sig (when a
    key is known) gets a 403 reply instead.
    """
    options = HoldOptions(
        "stream",
        keep_alive=keep_alive,
        keep_alive_timeout=keep_alive_timeout,
        next_link=next_link,
        next_link_timeout=next_link_timeout,
        sse=sse,
    )
    return _hold(options, request_headers, channels, status, headers, body, verify_key, verify_iss)


def hold_longpoll(
    request_headers: HeadersArg | None,
    channels: ChannelsArg,
    body: str | bytes = "",
    *,
    timeout: int | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    verify_key: KeyArg | None = None,
    verify_iss: str | None = None,
) -> tuple[int, HeaderList, bytes]:
    """A long-polling response for any web framework: the client gets the first item published
    to `channels`, or this response (status, headers, body) after `timeout` seconds."""
    options = HoldOptions("response", timeout=timeout)
    return _hold(options, request_headers, channels, status, headers, body, verify_key, verify_iss)


def _hold(
    options: HoldOptions,
    request_headers: HeadersArg | None,
    channels: ChannelsArg,
    status: int,
    headers: Mapping[str, str] | None,
    body: str | bytes,
    verify_key: KeyArg | None,
    verify_iss: str | None,
) -> tuple[int, HeaderList, bytes]:
    if not to_channels(channels):
        raise ValueError("a held request needs at least one channel")
    options.check_channels(channels)
    try:
        verify_grip_sig(
            Request("GET", drop_underscore_spellings(request_headers)), verify_key, verify_iss
        )
        reply = hold_reply(options, channels, status, list((headers or {}).items()), body)
    except GripError as exc:
        reply = error_reply(exc)
    return reply.status, reply.headers, _bytes(reply.body)


def _bytes(body: str | bytes) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body
