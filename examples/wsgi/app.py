"""examples/chat as a Flask app: any WSGI server (Flask's own, gunicorn) serves it behind the proxy.

    python examples/wsgi/app.py 8080          # or: gunicorn --chdir examples/wsgi app:app
    # pushpin routes: * 127.0.0.1:8080,over_http   (GRIP_URL pointing at Pushpin's publish port)

    WS   /chat    the chat (the proxy turns it into WebSocket-over-HTTP POSTs)
    GET  /stream  every chat line, as an HTTP stream
    GET  /poll    the next chat line (long-polling; 204 after 30 s)

faas_grip.flask's decorators turn the handlers into Flask views: they read the request, check
its Grip-Sig and answer as the Lambda decorators do.
"""

from __future__ import annotations

import sys

import flask

from faas_grip import (
    HttpResponseFormat,
    HttpStreamFormat,
    WebSocketContext,
    WebSocketMessageFormat,
    publish,
)
from faas_grip.flask import grip_longpoll, grip_stream, grip_websocket

ROOM = "room"

app = flask.Flask(__name__)


@app.post("/chat")
@grip_websocket
def chat(ws: WebSocketContext, request: flask.Request) -> None:
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


@app.get("/stream")
@grip_stream(ROOM)
def stream(request: flask.Request) -> str:
    return "[connected to the chat]\n"


@app.get("/poll")
@grip_longpoll(ROOM, timeout=30)
def poll(request: flask.Request) -> tuple[str, int]:
    return "", 204  # nothing was said for 30 s: poll again


application = app  # the name WSGI servers look for by default


if __name__ == "__main__":
    app.run("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 8080, threaded=True)
