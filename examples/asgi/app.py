"""examples/chat as an ASGI app (Starlette), async end to end: uvicorn serves it behind the proxy.

    uvicorn app:app --app-dir examples/asgi --port 8080
    # pushpin routes: * 127.0.0.1:8080,over_http   (GRIP_URL pointing at Pushpin's publish port)

    WS   /chat    the chat (the proxy turns it into WebSocket-over-HTTP POSTs)
    GET  /stream  every chat line, as an HTTP stream
    GET  /poll    the next chat line (long-polling; 204 after 30 s)

Each decorated handler is an ASGI app of its own, routed like any other in Starlette (or
FastAPI: `app.add_route("/chat", chat, methods=["POST"])`).
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from faas_grip import (
    HttpResponseFormat,
    HttpStreamFormat,
    WebSocketContext,
    WebSocketMessageFormat,
    apublish,
)
from faas_grip.asgi import grip_longpoll, grip_stream, grip_websocket

ROOM = "room"


@grip_websocket
async def chat(ws: WebSocketContext, scope: Any) -> None:
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
            await say(f"{ws.meta.get('nick', 'anonymous')}: {message}")


async def say(line: str) -> None:
    """One item in three formats; the publish does not block the event loop."""
    await apublish(
        ROOM,
        [
            WebSocketMessageFormat(line),
            HttpStreamFormat(line + "\n"),
            HttpResponseFormat(line + "\n"),
        ],
    )


@grip_stream(ROOM)
async def stream(scope: Any) -> str:
    return "[connected to the chat]\n"


@grip_longpoll(ROOM, timeout=30)
async def poll(scope: Any) -> Response:
    return Response(status_code=204)  # nothing was said for 30 s: poll again


app = Starlette(
    routes=[
        Route("/chat", chat, methods=["POST"]),
        Route("/stream", stream, methods=["GET"]),
        Route("/poll", poll, methods=["GET"]),
    ]
)
