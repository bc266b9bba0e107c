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

from faas_grip.errors import (
    GripConfigError,
    GripError,
    GripProtocolError,
    GripSignatureError,
    WebSocketDisconnected,
)
from faas_grip.protocol.events import CONTENT_TYPE, decode_events
from faas_grip.protocol.headers import check_header_name, check_header_value
from faas_grip.protocol.instruct import ChannelsArg, GripInstruct, to_channels
from faas_grip.protocol.signature import VerifyKey, load_verify_key, validate_grip_sig
from faas_grip.protocol.websocket import Meta, WebSocketContext
from faas_grip.request import HeadersArg, Request
from faas_grip.settings import get_settings

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
    if verify_key is not None:
        keys: list[tuple[KeyArg, str | None]] = [(verify_key, verify_iss)]
    else:
        keys = [(k, verify_iss or iss) for k, iss in get_settings().verify_keys()]
    if not keys:
        _warn_no_key()
        return
    # Payload 2.0 joins repeated headers with commas; a JWT never contains one.
    tokens = [t.strip() for value in request.header_values("Grip-Sig") for t in value.split(",")]
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
    return WebSocketContext(
        connection_id,
        Meta.from_headers(headers),
        decode_events(request.body),
        prefix=get_settings().prefix,
        headers=headers,  # already case-insensitive: shared, not copied
        path=request.path,
        query=request.query,
        event=event,
    )


def websocket_reply(ws: WebSocketContext) -> Reply:
    """Render a context after its handler ran."""
    body = ws.encode()
    headers = list(ws.to_headers().items())
    if ws.rejected:
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
) -> Reply:
    """Check, build the context, call `handler(ws, context)`, render the reply."""
    try:
        verify_grip_sig(request, verify_key, verify_iss)
        ws = websocket_context(request, event=event)
    except GripError as exc:
        return error_reply(exc, request.source)
    try:
        handler(ws, context)
    except WebSocketDisconnected:
        pass  # the client is gone; the reply is still well-formed (Pushpin ignores it)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "websocket (%s) connection %s: %d events in, %d out, status %d",
            request.source,
            ws.connection_id,
            len(ws.events),
            len(ws.outgoing_events()),
            ws.status(),
        )
    reply = websocket_reply(ws)
    if ws.rejected:
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

    Calls `handler(ws, context)` like `@grip_websocket` does (`ws.event` is None) and returns
    `(status, [(name, value), ...], body)`, ready for the framework's response.
    """
    request = Request(method, headers, body, path=path, query=query)
    status, reply_headers, reply_body = run_websocket(
        handler, request, context, verify_key=verify_key, verify_iss=verify_iss
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

    def instruct(self, channels: ChannelsArg, prefix: str) -> GripInstruct:
        instruct = GripInstruct(channels, prefix=prefix)
        if self.mode == "stream":
            instruct.set_hold_stream()
        else:
            instruct.set_hold_longpoll(self.timeout)
        if self.keep_alive is not None:
            instruct.set_keep_alive(self.keep_alive, self.keep_alive_timeout)
        if self.next_link is not None:
            instruct.set_next_link(*self.next_link)
        return instruct

    def content_type(self) -> str:
        return "text/event-stream" if self.sse else TEXT_PLAIN


def hold_reply(
    options: HoldOptions, channels: ChannelsArg, status: int, headers: HeaderList, body: str | bytes
) -> Reply:
    """Add the hold instructions to a response; a refusal (status >= 400) is left as it is.

    The handler's headers are checked (ValueError): a value with CR or LF, or a name that is
    not a token, would add headers or split the response.
    """
    for name, value in headers:
        check_header_name(name, "response header name")
        check_header_value(value, f"response header {name}")
    if status >= 400:
        return Reply(status, headers, body)
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers = [*headers, ("Content-Type", options.content_type())]
    instruct = options.instruct(channels, get_settings().prefix)
    return Reply(status, _merge(headers, instruct.to_headers()), body)


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
    try:
        verify_grip_sig(Request("GET", request_headers), verify_key, verify_iss)
        reply = hold_reply(options, channels, status, list((headers or {}).items()), body)
    except GripError as exc:
        reply = error_reply(exc)
    return reply.status, reply.headers, _bytes(reply.body)


def _bytes(body: str | bytes) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body
