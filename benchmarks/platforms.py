"""Per-request overhead of each platform adapter beside a bare handler of the same framework.

In the driver's process, no network: each side is called the way its server calls it (an ASGI
app with scope/receive/send on one event loop, a Flask or functions-framework app through its
WSGI callable, an Azure function with the HttpRequest the worker builds). Two requests: a
WebSocket-over-HTTP POST with one TEXT message that the handler echoes, and a GET that
`@grip_stream` holds. The bare side of each framework answers the same request with a reply of
the same size, without faas-grip (its handler does no GRIP work). No Grip-Sig key is set.

    .venv/bin/python -m benchmarks --only platforms
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from typing import Any

from benchmarks.rounds import alternate, summarise
from faas_grip import WebSocketContext, encode_events
from faas_grip.protocol.events import CONTENT_TYPE, WebSocketEvent

BODY = encode_events([WebSocketEvent("TEXT", "hello")])
WS_HEADERS = {"Content-Type": CONTENT_TYPE, "Connection-Id": "c1", "Meta-Nick": "bob"}
FIRST = "[connected]\n"


def echo(ws: WebSocketContext, context: Any) -> None:
    for message in ws:
        if isinstance(message, str):
            ws.send(message)


def stream_body(*args: Any) -> str:
    return FIRST


# -- one pair of callables (bare, adapter) per platform and request ----------------------------


def _asgi() -> dict[str, tuple[Callable[[], None], Callable[[], None]]]:
    from faas_grip.asgi import grip_stream, grip_websocket

    loop = asyncio.new_event_loop()

    async def bare(scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        data = body if scope["method"] == "POST" else FIRST.encode()
        headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    async def ws_handler(ws: WebSocketContext, scope: Any) -> None:
        echo(ws, scope)

    async def stream_handler(scope: Any) -> str:
        return FIRST

    adapter_ws = grip_websocket(ws_handler)
    adapter_stream = grip_stream("news")(stream_handler)

    def caller(app: Any, method: str) -> Callable[[], None]:
        headers = [(k.lower().encode(), v.encode()) for k, v in WS_HEADERS.items()]
        scope = {
            "type": "http",
            "method": method,
            "path": "/",
            "query_string": b"",
            "headers": headers if method == "POST" else [],
        }
        request = {"type": "http.request", "body": BODY if method == "POST" else b""}

        async def receive() -> dict[str, Any]:
            return request

        async def send(message: dict[str, Any]) -> None:
            pass

        return lambda: loop.run_until_complete(app(scope, receive, send))

    return {
        "websocket": (caller(bare, "POST"), caller(adapter_ws, "POST")),
        "stream": (caller(bare, "GET"), caller(adapter_stream, "GET")),
    }


def _wsgi_caller(app: Any, method: str, path: str) -> Callable[[], None]:
    from werkzeug.test import EnvironBuilder

    headers = WS_HEADERS if method == "POST" else {}
    data = BODY if method == "POST" else b""
    environ = EnvironBuilder(path=path, method=method, headers=headers, data=data).get_environ()

    def call() -> None:
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(data)
        for _ in app(env, lambda status, headers, exc_info=None: None):
            pass

    return call


def _flask() -> dict[str, tuple[Callable[[], None], Callable[[], None]]]:
    import flask

    from faas_grip.flask import grip_stream, grip_websocket

    app = flask.Flask("bench")

    @app.post("/bare/ws")
    def bare_ws() -> flask.Response:
        return flask.Response(flask.request.get_data(), content_type="text/plain")

    @app.get("/bare/stream")
    def bare_stream() -> str:
        return FIRST

    app.add_url_rule("/ws", "ws", grip_websocket(echo), methods=["POST"])
    app.add_url_rule("/stream", "stream", grip_stream("news")(stream_body))
    return {
        "websocket": (_wsgi_caller(app, "POST", "/bare/ws"), _wsgi_caller(app, "POST", "/ws")),
        "stream": (_wsgi_caller(app, "GET", "/bare/stream"), _wsgi_caller(app, "GET", "/stream")),
    }


def _gcf() -> dict[str, tuple[Callable[[], None], Callable[[], None]]]:
    import tempfile
    from pathlib import Path

    import functions_framework

    source = Path(tempfile.mkdtemp(prefix="faas-grip-bench-")) / "main.py"
    source.write_text(
        "import flask\n"
        "from faas_grip.gcf import grip_stream, grip_websocket\n"
        "from benchmarks.platforms import FIRST, echo, stream_body\n"
        "def bare(request):\n"
        "    if request.method == 'POST':\n"
        "        return flask.Response(request.get_data(), content_type='text/plain')\n"
        "    return FIRST\n"
        "ws = grip_websocket(echo)\n"
        "stream = grip_stream('news')(stream_body)\n"
    )
    apps = {
        name: functions_framework.create_app(name, str(source)) for name in ("bare", "ws", "stream")
    }
    return {
        "websocket": (
            _wsgi_caller(apps["bare"], "POST", "/"),
            _wsgi_caller(apps["ws"], "POST", "/"),
        ),
        "stream": (
            _wsgi_caller(apps["bare"], "GET", "/"),
            _wsgi_caller(apps["stream"], "GET", "/"),
        ),
    }


def _azure() -> dict[str, tuple[Callable[[], None], Callable[[], None]]]:
    import azure.functions as func
    from azure.functions.http import HttpRequestConverter

    from faas_grip.azure import grip_stream, grip_websocket
    from tests.support.azure_host import to_datum

    def request(method: str) -> Any:
        headers = list(WS_HEADERS.items()) if method == "POST" else []
        datum = to_datum(method, "http://localhost/x", headers, BODY if method == "POST" else b"")
        return HttpRequestConverter.decode(datum, trigger_metadata=None)

    def bare(req: func.HttpRequest) -> func.HttpResponse:
        if req.method == "POST":
            return func.HttpResponse(req.get_body(), mimetype="text/plain")
        return func.HttpResponse(FIRST)

    ws_function = grip_websocket(echo)
    stream_function = grip_stream("news")(stream_body)
    post, get = request("POST"), request("GET")
    return {
        "websocket": (lambda: bare(post), lambda: ws_function(post)),
        "stream": (lambda: bare(get), lambda: stream_function(get)),
    }


PLATFORMS = {"ASGI": _asgi, "Flask (WSGI)": _flask, "GCF": _gcf, "Azure": _azure}


def _per_call(call: Callable[[], None], n: int) -> Callable[[], float]:
    def sample() -> float:
        started = time.perf_counter()
        for _ in range(n):
            call()
        return (time.perf_counter() - started) / n * 1e6

    return sample


def measure(n: int = 2000, rounds: int = 7) -> dict[str, Any]:
    """Per platform and request: µs per request, bare and through the adapter (medians)."""
    results: dict[str, Any] = {"n": n, "rounds": rounds, "us": {}}
    for platform, make in PLATFORMS.items():
        for request, (bare, adapter) in make().items():
            bare(), adapter()  # warm: first-use imports, caches
            samples = alternate(
                rounds, {"bare": _per_call(bare, n), "faas-grip": _per_call(adapter, n)}
            )
            results["us"][f"{platform} / {request}"] = summarise(samples)
    return results


def render(data: dict[str, Any]) -> str:
    """The section's table (docs/benchmarks.md, docs/platforms.md)."""
    from benchmarks.report import table

    rows = []
    for case, sides in data["us"].items():
        bare, ours = sides["bare"]["median"], sides["faas-grip"]["median"]
        rows.append(
            [case, f"{bare:.1f}", f"{ours:.1f}", f"{ours - bare:+.1f}", f"{ours / bare:.2f}x"]
        )
    return (
        f"µs per request ({data['n']} requests per sample, median of {data['rounds']}):\n\n"
        + table(["platform / request", "bare", "faas-grip", "overhead", "ratio"], rows)
    )


if __name__ == "__main__":
    import sys

    results = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
    print(render(results))
