"""examples/chat as one Google Cloud Function (functions-framework, entry point `chat`).

    functions-framework --target chat --source examples/gcf/main.py --port 8080
    # pushpin routes: * 127.0.0.1:8080,over_http   (GRIP_URL pointing at Pushpin's publish port)

    WS   /chat    the chat (the proxy turns it into WebSocket-over-HTTP POSTs)
    GET  /stream  every chat line, as an HTTP stream
    GET  /poll    the next chat line (long-polling; 204 after 30 s)

A Cloud Function has one entry point: `chat` routes by path to the decorated handlers, as
examples/chat's Lambda `handler` does.
"""

from __future__ import annotations

import flask
import functions_framework

from faas_grip import (
    HttpResponseFormat,
    HttpStreamFormat,
    WebSocketContext,
    WebSocketMessageFormat,
    publish,
)
from faas_grip.gcf import grip_longpoll, grip_stream, grip_websocket

ROOM = "room"
TEXT = "text/plain; charset=utf-8"


@grip_websocket
def talk(ws: WebSocketContext, request: flask.Request) -> None:
    if ws.is_opening():
        ws.accept()
        ws.subscribe(ROOM)
    for message in ws:
        if not isinstance(message, str):
            continue  # the chat is text only
        if message.startswith("/nick "):
            nick = message[6:].strip()
            try:
                ws.meta["nick"] = nick  # the proxy keeps it and sends it back as Meta-Nick
            except ValueError:  # meta travels in an HTTP header: printable ASCII only
                ws.send("a nickname must be printable ASCII")
                continue
            ws.send(f"nickname set to [{nick}]")
        else:
            say(f"{ws.meta.get('nick', 'anonymous')}: {message}")


def say(line: str) -> None:
    """One item in three formats: WebSocket, HTTP-stream and long-poll clients all get it."""
    publish(
        ROOM,
        [
            WebSocketMessageFormat(line),
            HttpStreamFormat(line + "\n"),
            HttpResponseFormat(line + "\n"),
        ],
    )


@grip_stream(ROOM)
def stream(request: flask.Request) -> str:
    return "[connected to the chat]\n"


@grip_longpoll(ROOM, timeout=30)
def poll(request: flask.Request) -> tuple[str, int]:
    return "", 204  # nothing was said for 30 s: poll again


@functions_framework.http
def chat(request: flask.Request) -> flask.typing.ResponseReturnValue:
    if request.method == "POST" and request.path == "/chat":
        return talk(request)
    if request.method == "GET" and request.path == "/stream":
        return stream(request)
    if request.method == "GET" and request.path == "/poll":
        return poll(request)
    return f"no route for {request.method} {request.path}\n", 404, {"Content-Type": TEXT}
