"""`@grip_websocket`, `@grip_stream` and `@grip_longpoll` for Azure Functions (Python, HTTP
trigger): the decorated function takes `req: azure.functions.HttpRequest` and returns an
`azure.functions.HttpResponse`, so it goes under `@app.route(...)` (v2 model) or is `main`
(v1 model) as it is:

    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="chat", methods=["POST"])
    @grip_websocket
    def chat(ws, req): ...                       # ws: WebSocketContext, req: func.HttpRequest

Handlers get the HttpRequest where Lambda handlers get `(event, context)`. An `async def`
handler makes an async function, which the Functions worker awaits on its event loop. A stream
or long-poll handler returns the first body (str, bytes or None), an HttpResponse (its status,
headers and body are used; the GRIP headers are added) or `no_hold(...)` of one of those.
The body is the request's raw bytes (the Python worker asks the host for them), so binary
WebSocket messages arrive intact; replies are bytes as well.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, overload
from urllib.parse import urlsplit

import azure.functions as azf

from faas_grip.adapters import HoldSpec, arun_websocket, hold_decorators, websocket_options
from faas_grip.aio import is_async
from faas_grip.dispatch import Reply, run_websocket
from faas_grip.request import Request, drop_underscore_spellings

WebSocketHandler = Callable[[Any, azf.HttpRequest], Any]
HttpHandler = Callable[[azf.HttpRequest], Any]
Function = Callable[[azf.HttpRequest], Any]


def read_request(req: azf.HttpRequest) -> Request:
    """An HttpRequest as faas-grip reads it."""
    url = urlsplit(req.url)
    return Request(
        req.method,
        # The host passes header names as the client sent them, each once (a repeated header
        # joined with commas).
        dict(drop_underscore_spellings(req.headers.items())),
        req.get_body(),
        path=url.path,
        query=url.query or dict(req.params),  # the host's url carries the query string
        source="azure",
    )


def to_response(reply: Reply) -> azf.HttpResponse:
    response = azf.HttpResponse(reply.body, status_code=reply.status)
    for name, value in reply.headers:
        response.headers.add_header(name, value)
    return response


def _function(handler: Callable[..., Any], serve: Callable[..., Any]) -> Function:
    """The function the Functions worker calls: `(req)`, async when the handler is.

    Named like the handler, but without `__wrapped__`: the worker reads the function's own
    signature to bind `req` (the v2 model's default trigger name).
    """
    if is_async(handler):

        async def function(req: azf.HttpRequest) -> azf.HttpResponse:
            return to_response(await serve(req))

    else:

        def function(req: azf.HttpRequest) -> azf.HttpResponse:  # type: ignore[misc]
            return to_response(serve(req))

    functools.update_wrapper(function, handler, updated=())
    delattr(function, "__wrapped__")
    function.__annotations__ = {"req": azf.HttpRequest, "return": azf.HttpResponse}
    return function


@overload
def grip_websocket(func: WebSocketHandler) -> Function: ...


@overload
def grip_websocket(func: None = None, **options: Any) -> Callable[[WebSocketHandler], Function]: ...


def grip_websocket(
    func: WebSocketHandler | None = None, **options: Any
) -> Function | Callable[[WebSocketHandler], Function]:
    """Serve WebSocket-over-HTTP: the handler is called as `handler(ws, req)` (`ws.event` is the
    request too); the reply is the one faas_grip.grip_websocket makes, and the options are its
    options (verify_key, verify_iss, history)."""
    websocket_options(run_websocket, options)

    def decorate(handler: WebSocketHandler) -> Function:
        if is_async(handler):

            async def serve_async(req: Any) -> Reply:
                request = read_request(req)
                return await arun_websocket(handler, request, req, event=req, **options)

            return _function(handler, serve_async)

        def serve(req: Any) -> Reply:
            return run_websocket(handler, read_request(req), req, event=req, **options)

        return _function(handler, serve)

    return decorate if func is None else decorate(func)


def _hold_function(handler: HttpHandler, spec: HoldSpec) -> Function:
    if is_async(handler):

        async def serve_async(req: Any) -> Reply:
            return await spec.aserve(read_request(req), req, handler, _result)

        return _function(handler, serve_async)

    def serve(req: Any) -> Reply:
        return spec.serve(read_request(req), req, handler, _result)

    return _function(handler, serve)


grip_stream, grip_longpoll = hold_decorators(_hold_function)


def _result(result: object) -> Reply:
    """A stream/long-poll handler's result as (status, headers, body)."""
    if result is None:
        return Reply(200, [], "")
    if isinstance(result, (str, bytes)):
        return Reply(200, [], result)
    if isinstance(result, azf.HttpResponse):
        headers = list(result.headers.items())
        if not any(k.lower() == "content-type" for k, _ in headers):
            charset = f"; charset={result.charset}" if result.mimetype.startswith("text/") else ""
            headers.append(("Content-Type", result.mimetype + charset))
        return Reply(result.status_code, headers, result.get_body())
    raise TypeError(
        "a stream or long-poll handler returns str, bytes, None, no_hold(...) or an "
        f"azure.functions.HttpResponse, not {type(result).__name__}"
    )
