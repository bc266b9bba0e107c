"""`@grip_websocket`, `@grip_stream` and `@grip_longpoll` for Flask (any WSGI server) and for
Google Cloud Functions, whose HTTP functions are Flask views given the request (faas_grip.gcf).

    app = Flask(__name__)

    @app.post("/chat")
    @grip_websocket
    def chat(ws, request): ...                  # ws: WebSocketContext, request: flask.Request

    @app.get("/stream")
    @grip_stream("room")
    def stream(request): return "[connected]\\n"

Handlers get the flask.Request where Lambda handlers get `(event, context)` (route variables are
in `request.view_args`). A decorated function works as a Flask view (called with the route's
variables) and as a functions-framework function (called with the request). `async def`
handlers run on an event loop kept per thread. A stream or long-poll handler returns the first
body (str, bytes or None: faas-grip sets the Content-Type) or anything a Flask view may return
(a Response, `(body, status)`, ...); the GRIP headers are added to it. `no_hold(...)` of one
of those answers without holding.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, overload

import flask

from faas_grip.adapters import HoldSpec, hold_decorators, websocket_options
from faas_grip.aio import blocking
from faas_grip.dispatch import Reply, run_websocket
from faas_grip.request import Request, drop_underscore_spellings

WebSocketHandler = Callable[[Any, flask.Request], Any]
HttpHandler = Callable[[flask.Request], Any]
View = Callable[..., flask.Response]


def read_request(request: flask.Request) -> Request:
    """A flask.Request as faas-grip reads it (the body is read only if the handler needs it)."""
    return Request(
        request.method,
        # WSGI has folded `Meta_Nick` into `Meta-Nick` already: only the server can drop
        # underscore names (gunicorn, which functions-framework runs, and werkzeug do). Names
        # are unique in an environ (a repeated header arrives joined with commas).
        dict(drop_underscore_spellings(request.headers.items())),
        functools.partial(request.get_data, cache=True),
        path=request.path,
        query=request.query_string.decode("latin-1"),
        source="flask",
    )


def to_response(reply: Reply) -> flask.Response:
    return flask.Response(reply.body, status=reply.status, headers=reply.headers)


def _native(request: flask.Request | None) -> flask.Request:
    """The request a view serves: given (functions-framework) or Flask's current one."""
    if request is not None:
        return request
    current: flask.Request = flask.request._get_current_object()  # type: ignore[attr-defined]
    return current


@overload
def grip_websocket(func: WebSocketHandler) -> View: ...


@overload
def grip_websocket(func: None = None, **options: Any) -> Callable[[WebSocketHandler], View]: ...


def grip_websocket(
    func: WebSocketHandler | None = None, **options: Any
) -> View | Callable[[WebSocketHandler], View]:
    """Serve WebSocket-over-HTTP: the handler is called as `handler(ws, request)` (`ws.event` is
    the request too); the reply is the one faas_grip.grip_websocket makes, and the options are
    its options (verify_key, verify_iss, history)."""
    websocket_options(run_websocket, options)

    def decorate(handler: WebSocketHandler) -> View:
        call = blocking(handler)

        @functools.wraps(handler)
        def view(request: flask.Request | None = None, /, **view_args: Any) -> flask.Response:
            native = _native(request)
            reply = run_websocket(call, read_request(native), native, event=native, **options)
            return to_response(reply)

        return view

    return decorate if func is None else decorate(func)


def _hold_view(handler: HttpHandler, spec: HoldSpec) -> View:
    call = blocking(handler)

    @functools.wraps(handler)
    def view(request: flask.Request | None = None, /, **view_args: Any) -> flask.Response:
        native = _native(request)
        return to_response(spec.serve(read_request(native), native, call, _result))

    return view


grip_stream, grip_longpoll = hold_decorators(_hold_view)


def _result(result: object) -> Reply:
    """A stream/long-poll handler's result as (status, headers, body)."""
    if result is None:
        return Reply(200, [], "")
    if isinstance(result, (str, bytes)):
        return Reply(200, [], result)
    response = flask.make_response(result)
    headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
    return Reply(response.status_code, headers, response.get_data())
