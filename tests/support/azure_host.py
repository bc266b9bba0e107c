"""A stand-in for the Azure Functions host, for HTTP triggers of a v2-model FunctionApp.

The real host (Core Tools, .NET) cannot be installed here. This serves HTTP the way the host and
the Python worker hand requests to a function: the request becomes the `http` Datum the host
sends (headers as one string each, repeated ones joined with ",", the body as raw bytes: the
worker announces RawHttpBodyBytes), azure.functions' own HttpRequestConverter turns it into the
HttpRequest, async functions are awaited on one event loop (as the worker does) and plain ones
run in the request's thread, and HttpResponseConverter turns the HttpResponse into the Datum
the host sends back.

    python -m tests.support.azure_host examples/azure/function_app.py 7071
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import azure.functions as func
from azure.functions.http import HttpRequestConverter, HttpResponseConverter
from azure.functions.meta import Datum


def load_app(path: Path) -> func.FunctionApp:
    sys.path.insert(0, str(path.parent))  # as the worker imports function_app.py
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app: func.FunctionApp = module.app
    return app


def routes(app: func.FunctionApp, prefix: str = "") -> dict[tuple[str, str], Any]:
    """(method, path) → the user function, from the app's HTTP triggers."""
    found = {}
    for function in app.get_functions():
        trigger = function.get_trigger()
        methods = trigger.methods or ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]
        for method in methods:
            name = getattr(method, "value", method)
            found[(str(name).upper(), f"{prefix}/{trigger.route}")] = function.get_user_function()
    return found


def to_datum(method: str, url: str, headers: list[tuple[str, str]], body: bytes) -> Datum:
    joined: dict[str, str] = {}
    for name, value in headers:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    return Datum(
        type="http",
        value={
            "method": Datum(type="string", value=method),
            "url": Datum(type="string", value=url),
            "headers": {k: Datum(type="string", value=v) for k, v in joined.items()},
            "query": {k: Datum(type="string", value=v) for k, v in query.items()},
            "params": {},
            "body": Datum(type="bytes", value=body),
        },
    )


def serve(app: func.FunctionApp, port: int) -> None:
    table = routes(app)
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urlsplit(self.path).path
            function = table.get((self.command, path))
            if function is None:
                self._send(404, {"Content-Type": "text/plain"}, b"no function here\n")
                return
            url = f"http://127.0.0.1:{port}{self.path}"
            datum = to_datum(self.command, url, list(self.headers.items()), body)
            req = HttpRequestConverter.decode(datum, trigger_metadata=None)
            if inspect.iscoroutinefunction(function):
                response = asyncio.run_coroutine_threadsafe(function(req), loop).result()
            else:
                response = function(req)
            out = HttpResponseConverter.encode(response, expected_type=None).value
            headers = {k: d.value for k, d in out["headers"].items()}
            self._send(int(out["status_code"].value), headers, out["body"].value)

        do_GET = do_POST = _handle

        def _send(self, status: int, headers: dict[str, str], data: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    serve(load_app(Path(sys.argv[1]).resolve()), int(sys.argv[2]))
