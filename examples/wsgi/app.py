"""The chat's WebSocket handler behind a plain WSGI server: no Lambda, no framework.

    python examples/wsgi/app.py 8080    # then route the proxy to it: `* 127.0.0.1:8080,over_http`

`handle_websocket`, `hold_stream` and `hold_longpoll` take the request's method, headers and body
and return (status, headers, body): any Python web framework can serve the same handler code the
Lambda functions use. The routes match examples/chat (WS /chat, GET /stream, GET /poll).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIServer, make_server

from faas_grip import (
    HttpResponseFormat,
    HttpStreamFormat,
    WebSocketContext,
    WebSocketMessageFormat,
    handle_websocket,
    hold_longpoll,
    hold_stream,
    publish,
)

ROOM = "room"
TEXT = "text/plain; charset=utf-8"


def chat(ws: WebSocketContext, context: Any) -> None:
    """The same handler as examples/chat, undecorated."""
    if ws.is_opening():
        ws.accept()
        ws.subscribe(ROOM)
    for message in ws:
        if not isinstance(message, str):
            continue
        if message.startswith("/nick "):
            nick = message[6:].strip()
            try:
                ws.meta["nick"] = nick
            except ValueError:
                ws.send("a nickname must be printable ASCII")
                continue
            ws.send(f"nickname set to [{nick}]")
        else:
            line = f"{ws.meta.get('nick', 'anonymous')}: {message}"
            publish(
                ROOM,
                [
                    WebSocketMessageFormat(line),
                    HttpStreamFormat(line + "\n"),
                    HttpResponseFormat(line + "\n"),
                ],
            )


def request_headers(environ: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The request's headers from a WSGI environ (HTTP_GRIP_SIG → Grip-Sig)."""
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            yield key[5:].replace("_", "-").title(), value
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            yield key.replace("_", "-").title(), environ[key]


StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    method = environ["REQUEST_METHOD"]
    path = environ.get("PATH_INFO") or "/"
    headers = list(request_headers(environ))
    if path == "/chat":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        query = environ.get("QUERY_STRING", "")
        status, out, data = handle_websocket(chat, method, headers, body, path=path, query=query)
    elif path == "/stream" and method == "GET":
        status, out, data = hold_stream(headers, ROOM, "[connected to the chat]\n")
    elif path == "/poll" and method == "GET":
        status, out, data = hold_longpoll(headers, ROOM, timeout=30, status=204)
    else:
        status, out, data = (
            404,
            [("Content-Type", TEXT)],
            f"no route for {method} {path}\n".encode(),
        )
    start_response(f"{status} {HTTPStatus(status).phrase}", out)
    return [data]


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # the proxy keeps several requests in flight


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    port = int(args[0]) if args else 8080
    with make_server("127.0.0.1", port, application, server_class=ThreadingWSGIServer) as server:
        print(f"serving on http://127.0.0.1:{port} (route the GRIP proxy here, over_http)")
        server.serve_forever()


if __name__ == "__main__":
    main()
