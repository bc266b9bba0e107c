"""The chat: WebSocket clients talk; HTTP-stream and long-poll clients of the same function listen.

One Lambda function behind the GRIP proxy serves every route (handler: `app.handler`):

    GET  /        the chat page (index.html)
    WS   /chat    the chat itself (the proxy turns it into WebSocket-over-HTTP POSTs)
    GET  /stream  every chat line, as an HTTP stream
    GET  /poll    the next chat line (long-polling)

A WebSocket client is subscribed to "room" when it connects. `/nick <name>` sets its nickname,
kept by the proxy in the connection's meta; any other message goes to everyone as `nick: message`.

`app.chat` alone is also the handler of an API Gateway WebSocket API ($connect, $default and
$disconnect routed to it, GRIP_CONNECTIONS_TABLE set): no proxy then, the same code
(docs/websocket-api.md; `make demo-aws`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from faas_grip import (
    HttpResponseFormat,
    HttpStreamFormat,
    WebSocketContext,
    WebSocketMessageFormat,
    front_door,
    grip_longpoll,
    grip_stream,
    grip_websocket,
    publish,
)

ROOM = "room"
PAGE = (Path(__file__).parent / "index.html").read_text(encoding="utf-8")
TEXT = "text/plain; charset=utf-8"


@grip_websocket
def chat(ws: WebSocketContext, context: Any) -> None:
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
def stream(event: Any, context: Any) -> str:
    return "[connected to the chat]\n"


@grip_longpoll(ROOM, timeout=30)
def poll(event: Any, context: Any) -> dict[str, Any]:
    return {"statusCode": 204}  # nothing was said for 30 s: poll again


def handler(event: Any, context: Any) -> dict[str, Any]:
    door = front_door(event)
    request = door.request
    if request.is_websocket and request.path == "/chat":
        return chat(event, context)
    if request.method == "GET" and request.path == "/stream":
        return stream(event, context)
    if request.method == "GET" and request.path == "/poll":
        return poll(event, context)
    if request.method == "GET" and request.path == "/":
        return door.response(200, [("Content-Type", "text/html; charset=utf-8")], PAGE)
    return door.response(
        404, [("Content-Type", TEXT)], f"no route for {request.method} {request.path}\n"
    )
