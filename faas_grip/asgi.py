"""`@grip_websocket`, `@grip_stream` and `@grip_longpoll` for ASGI: each decorated handler is an
ASGI application, async end to end.

Serve it with uvicorn (`uvicorn app:chat`), route to it from Starlette or FastAPI
(`Route("/chat", chat, methods=["POST"])`, `app.add_route(...)`), or run it on Lambda through
mangum. Handlers get the ASGI `scope` where Lambda handlers get `(event, context)`:

    @grip_websocket
    async def chat(ws, scope): ...              # ws: WebSocketContext

    @grip_stream("room")
    async def stream(scope): return "[connected]\\n"

`async def` handlers are awaited on the server's loop (publish with `await apublish(...)`);
plain `def` handlers run in a worker thread so they cannot stall it. A stream or long-poll
handler returns the first body (str or bytes), None, or a Starlette Response (its status,
headers and body are used; the GRIP headers are added), or `no_hold(...)` of one of those to
answer without holding. Nothing from Starlette is imported.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, overload

from faas_grip.adapters import HoldSpec, arun_websocket, hold_decorators, websocket_options
from faas_grip.aio import awaitable
from faas_grip.dispatch import Reply
from faas_grip.publishing.publisher import invocation_deadline
from faas_grip.request import Request, drop_underscore_spellings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
WebSocketHandler = Callable[[Any, Scope], Any]
HttpHandler = Callable[[Scope], Any]


class _App:
    """An ASGI application around one handler: HTTP requests go to `serve`; the server's
    lifespan events are acknowledged; a WebSocket handshake is refused (403), since WebSocket
    clients reach the handler through the GRIP proxy, as WebSocket-over-HTTP."""

    def __init__(self, handler: Callable[..., Any]) -> None:
        functools.update_wrapper(self, handler)
        self.handler = handler
        self.call = awaitable(handler)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            body = await _read_body(receive)
            if body is None:
                return  # the client left before the request was complete: nobody to answer
            # ASGI keeps the names as the client sent them (lower-cased).
            headers = drop_underscore_spellings(
                [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
            )
            request = Request(
                scope["method"],
                # A dict when no name repeats (the usual case: cheaper to read); else the pairs,
                # so a repeated Grip-Sig is seen.
                dict(headers) if len({k for k, _ in headers}) == len(headers) else headers,
                body,
                path=scope["path"],
                query=scope.get("query_string", b"").decode("latin-1"),
                source="asgi",
            )
            # Under mangum on Lambda, publishes stop before the invocation's time runs out.
            with invocation_deadline(scope.get("aws.context")):
                reply = await self.serve(request, scope)
            await _respond(send, reply)
        elif kind == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1008})

    async def serve(self, request: Request, scope: Scope) -> Reply:
        raise NotImplementedError


class GripWebSocketApp(_App):
    """The ASGI application `@grip_websocket` makes."""

    def __init__(self, handler: WebSocketHandler, options: dict[str, Any]) -> None:
        super().__init__(handler)
        self.options = websocket_options(arun_websocket, options)

    async def serve(self, request: Request, scope: Scope) -> Reply:
        return await arun_websocket(self.call, request, scope, event=scope, **self.options)


class GripHoldApp(_App):
    """The ASGI application `@grip_stream` / `@grip_longpoll` make."""

    def __init__(self, handler: HttpHandler, spec: HoldSpec) -> None:
        super().__init__(handler)
        self.spec = spec

    async def serve(self, request: Request, scope: Scope) -> Reply:
        return await self.spec.aserve(request, scope, self.call, self._result)

    def _result(self, result: object) -> Reply:
        """A stream/long-poll handler's result as (status, headers, body)."""
        if result is None:
            return Reply(200, [], "")
        if isinstance(result, (str, bytes)):
            return Reply(200, [], result)
        status = getattr(result, "status_code", None)
        raw_headers = getattr(result, "raw_headers", None)
        body = getattr(result, "body", None)
        if isinstance(status, int) and raw_headers is not None and isinstance(body, bytes):
            headers = [
                (k.decode("latin-1"), v.decode("latin-1"))
                for k, v in raw_headers
                if k.lower() != b"content-length"  # set again for the body actually sent
            ]
            return Reply(status, headers, body)
        raise TypeError(
            f"a {self.spec.name} handler returns str, bytes, None, no_hold(...) or a Starlette "
            f"Response, not {type(result).__name__}"
        )


@overload
def grip_websocket(func: WebSocketHandler) -> GripWebSocketApp: ...


@overload
def grip_websocket(
    func: None = None, **options: Any
) -> Callable[[WebSocketHandler], GripWebSocketApp]: ...


def grip_websocket(
    func: WebSocketHandler | None = None, **options: Any
) -> GripWebSocketApp | Callable[[WebSocketHandler], GripWebSocketApp]:
    """Serve WebSocket-over-HTTP: the handler is called as `handler(ws, scope)` (`ws.event` is
    the scope too); the reply is the one faas_grip.grip_websocket makes, and the options are
    its options (verify_key, verify_iss, history)."""
    websocket_options(arun_websocket, options)

    def decorate(handler: WebSocketHandler) -> GripWebSocketApp:
        return GripWebSocketApp(handler, options)

    return decorate if func is None else decorate(func)


grip_stream, grip_longpoll = hold_decorators(GripHoldApp)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when the client disconnected first."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _respond(send: Send, reply: Reply) -> None:
    body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
    headers = [
        (k.encode("latin-1"), v.encode("latin-1"))
        for k, v in reply.headers
        if k.lower() != "content-length"
    ]
    headers.append((b"content-length", str(len(body)).encode("ascii")))
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
