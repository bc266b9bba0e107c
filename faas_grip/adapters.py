"""What the platform adapters (faas_grip.asgi, .flask, .gcf, .azure) share: the steps of the
pipeline in faas_grip.dispatch, split where a platform calls the handler its own way (awaited,
or in a thread), and the options of a held request.

An adapter only reads its platform's request into a Request and writes a Reply back as its
platform's response; the checks (Grip-Sig before the handler, 400/403 answers) are these.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

from faas_grip.dispatch import (
    HoldOptions,
    KeyArg,
    NoHold,
    Reply,
    error_reply,
    finish_context,
    hold_reply,
    no_hold_reply,
    request_channels,
    verify_grip_sig,
    websocket_context,
)
from faas_grip.errors import GripError, WebSocketDisconnected
from faas_grip.history.base import History
from faas_grip.protocol.instruct import Channel, ChannelsArg, to_channels
from faas_grip.protocol.websocket import WebSocketContext
from faas_grip.recovery import DEFAULT_LIMIT, Recovery, check_history_channels
from faas_grip.request import Request

ChannelsSpec = ChannelsArg | Callable[[Any], ChannelsArg]
T = TypeVar("T")
HoldDecorator = Callable[..., Callable[[Callable[..., Any]], T]]  # grip_stream(...) -> decorate


class Held:
    """A request the hold pipeline accepted: its channels, and its one history channel."""

    __slots__ = ("channel", "chosen", "recovering")

    def __init__(self, chosen: ChannelsArg, channel: Channel | None, recovering: bool) -> None:
        self.chosen = chosen
        self.channel = channel
        self.recovering = recovering  # the proxy's own next-link request: skip the handler


class HoldSpec:
    """A decorated stream or long-poll handler's settings, checked when the decorator is applied,
    and the steps the Lambda decorators take around the handler (faas_grip.aws.decorators).

    `options` are the Lambda decorator's keyword options as they are: `history` and
    `replay_limit` go to Recovery, the rest to HoldOptions (keep_alive, sse, next_link,
    timeout, ...), so each platform's grip_stream / grip_longpoll takes the same ones.
    """

    __slots__ = ("channels", "name", "options", "recovery", "verify_iss", "verify_key")

    def __init__(
        self,
        name: str,
        mode: Literal["stream", "response"],
        channels: ChannelsSpec,
        verify_key: KeyArg | None,
        verify_iss: str | None,
        options: dict[str, Any],
    ) -> None:
        history = options.pop("history", None)
        limit = options.pop("replay_limit", DEFAULT_LIMIT)
        # `is not`: a store may well be falsy (an empty one with a __len__)
        history = None if history is False else history
        if history is not None and mode == "stream" and not options.get("sse"):
            raise ValueError(f"{name}(history=...) replays Server-Sent Events: add sse=True")
        self.name = name
        self.channels = channels
        self.options = HoldOptions(mode, **options)
        self.recovery = None
        if history is not None:
            timeout = options.get("next_link_timeout")
            self.recovery = Recovery(name, mode, history, limit=limit, link_timeout=timeout)
        if not callable(channels):
            if not to_channels(channels):
                raise ValueError(f"{name} needs at least one channel")
            if self.recovery is not None:
                check_history_channels(name, to_channels(channels))
            else:
                self.options.check_channels(channels)
        self.verify_key = verify_key
        self.verify_iss = verify_iss

    def open(self, request: Request, native: Any) -> Held | Reply:
        """Check the request and choose its channels (a callable gets the platform's request),
        or the refusal to send without calling the handler."""
        try:
            verify_grip_sig(request, self.verify_key, self.verify_iss)
            chosen = request_channels(self.channels, native)
            recovery = self.recovery
            if recovery is None:
                return Held(chosen, None, False)
            channel = recovery.channel(chosen)
            return Held(chosen, channel, recovery.is_recovery(request, channel))
        except GripError as exc:
            return error_reply(exc, request.source)

    def close(
        self, held: Held, request: Request, result: object, read: Callable[[object], Reply]
    ) -> Reply:
        """The handler's `result` (None when it was skipped) as it goes out: `read` turns the
        platform's response into a Reply; a `no_hold(...)` one is sent as it is, any other
        with the hold instructions (and the replay, with history)."""
        if isinstance(result, NoHold):
            return no_hold_reply(read(result.response))
        status, headers, body = read(result)
        try:
            if held.channel is not None and self.recovery is not None:
                return self.recovery.reply(
                    self.options, held.channel, request, status, headers, body
                )
            return hold_reply(self.options, held.chosen, status, headers, body)
        except GripError as exc:  # a configuration error, or the history store failing
            return error_reply(exc, request.source)

    def serve(
        self,
        request: Request,
        native: Any,
        handler: Callable[[Any], object],
        read: Callable[[object], Reply],
    ) -> Reply:
        """The whole of a held request: open, `handler(native)` unless skipped, close."""
        held = self.open(request, native)
        if isinstance(held, Reply):
            return held
        result = None if held.recovering else handler(native)
        return self.close(held, request, result, read)

    async def aserve(
        self,
        request: Request,
        native: Any,
        handler: Callable[[Any], Awaitable[object]],
        read: Callable[[object], Reply],
    ) -> Reply:
        """`serve` with the handler awaited."""
        held = self.open(request, native)
        if isinstance(held, Reply):
            return held
        result = None if held.recovering else await handler(native)
        return self.close(held, request, result, read)


def hold_decorators(
    build: Callable[[Callable[..., Any], HoldSpec], T],
) -> tuple[HoldDecorator[T], HoldDecorator[T]]:
    """A platform's `grip_stream` and `grip_longpoll`: the Lambda decorators' parameters, the
    handler and its HoldSpec given to `build`, which makes what the platform calls."""

    def decorator(spec: HoldSpec) -> Callable[[Callable[..., Any]], T]:
        def decorate(handler: Callable[..., Any], *misuse: Any) -> T:
            if misuse:
                raise TypeError(f"@{spec.name} needs its channels: write @{spec.name}('channel')")
            return build(handler, spec)

        return decorate

    def grip_stream(
        channels: ChannelsSpec,
        *,
        verify_key: KeyArg | None = None,
        verify_iss: str | None = None,
        **options: Any,
    ) -> Callable[[Callable[..., Any]], T]:
        """Hold the request as an HTTP stream on `channels` (a name, a Channel, a list, or a
        callable given the platform's request); the options are faas_grip.grip_stream's
        (keep_alive, sse, next_link, history, ...)."""
        return decorator(
            HoldSpec("grip_stream", "stream", channels, verify_key, verify_iss, options)
        )

    def grip_longpoll(
        channels: ChannelsSpec,
        timeout: int | None = None,
        *,
        verify_key: KeyArg | None = None,
        verify_iss: str | None = None,
        **options: Any,
    ) -> Callable[[Callable[..., Any]], T]:
        """Hold the request as a long-poll on `channels`; after `timeout` seconds the client
        gets the handler's response (as faas_grip.grip_longpoll, whose options these are)."""
        options["timeout"] = timeout
        return decorator(
            HoldSpec("grip_longpoll", "response", channels, verify_key, verify_iss, options)
        )

    return grip_stream, grip_longpoll


def websocket_options(run: Callable[..., Any], options: dict[str, Any]) -> dict[str, Any]:
    """`options` once checked against the keyword options of `run` (run_websocket or
    arun_websocket): a misspelt one is a TypeError when the decorator is applied."""
    for name in options:
        parameter = inspect.signature(run).parameters.get(name)
        if name == "event" or parameter is None or parameter.kind is not parameter.KEYWORD_ONLY:
            raise TypeError(f"grip_websocket got an unexpected option {name!r}")
    return options


def open_websocket(
    request: Request, event: Any, verify_key: KeyArg | None, verify_iss: str | None
) -> WebSocketContext | Reply:
    """The request's WebSocketContext, or the refusal to send without calling the handler."""
    try:
        verify_grip_sig(request, verify_key, verify_iss)
        return websocket_context(request, event=event)
    except GripError as exc:
        return error_reply(exc, request.source)


async def arun_websocket(
    handler: Callable[[WebSocketContext, Any], Awaitable[object]],
    request: Request,
    context: Any,
    *,
    event: Any = None,
    verify_key: KeyArg | None = None,
    verify_iss: str | None = None,
    history: History | None = None,
) -> Reply:
    """dispatch.run_websocket for async code (the same options; a test keeps them in step):
    check, build the context, await `handler(ws, context)`, render the reply."""
    ws = open_websocket(request, event, verify_key, verify_iss)
    if isinstance(ws, Reply):
        return ws
    if history is not None:
        ws.history = history
    try:
        await handler(ws, context)
    except WebSocketDisconnected:
        pass  # the client is gone; the reply is still well-formed (Pushpin ignores it)
    return finish_context(ws, request.source)
