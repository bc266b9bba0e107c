"""examples/chat as an Azure Functions app (Python v2 programming model), async end to end.

    func start                      # Azure Functions Core Tools, in this folder (port 7071)
    # pushpin routes: * 127.0.0.1:7071,over_http   (GRIP_URL in local.settings.json's Values)

    WS   /chat    the chat (the proxy turns it into WebSocket-over-HTTP POSTs)
    GET  /stream  every chat line, as an HTTP stream
    GET  /poll    the next chat line (long-polling; 204 after 30 s)

host.json sets an empty routePrefix, so the routes are /chat, not /api/chat.
"""

from __future__ import annotations

import azure.functions as func

from faas_grip import (
    HttpResponseFormat,
    HttpStreamFormat,
    WebSocketContext,
    WebSocketMessageFormat,
    apublish,
)
from faas_grip.azure import grip_longpoll, grip_stream, grip_websocket

ROOM = "room"

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="chat", methods=["POST"])
@grip_websocket
async def chat(ws: WebSocketContext, req: func.HttpRequest) -> None:
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
    """One item in three formats; the publish does not block the worker's event loop."""
    await apublish(
        ROOM,
        [
            WebSocketMessageFormat(line),
            HttpStreamFormat(line + "\n"),
            HttpResponseFormat(line + "\n"),
        ],
    )


@app.route(route="stream", methods=["GET"])
@grip_stream(ROOM)
async def stream(req: func.HttpRequest) -> str:
    return "[connected to the chat]\n"


@app.route(route="poll", methods=["GET"])
@grip_longpoll(ROOM, timeout=30)
async def poll(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(status_code=204)  # nothing was said for 30 s: poll again
