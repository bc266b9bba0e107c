"""examples/chat as async Lambda handlers (`async def` under the Lambda decorators, `apublish`)."""

from __future__ import annotations

from typing import Any

from faas_grip import (
    HttpResponseFormat,
    HttpStreamFormat,
    WebSocketContext,
    WebSocketMessageFormat,
    apublish,
    front_door,
    grip_longpoll,
    grip_stream,
    grip_websocket,
)

ROOM = "room"


@grip_websocket
async def chat(ws: WebSocketContext, context: Any) -> None:
    if ws.is_opening():
        ws.accept()
        ws.subscribe(ROOM)
    for message in ws:
        if not isinstance(message, str):
            continue
        if message.startswith("/nick "):
            ws.meta["nick"] = message[6:].strip()
            ws.send(f"nickname set to [{ws.meta['nick']}]")
        else:
            line = f"{ws.meta.get('nick', 'anonymous')}: {message}"
            formats = [
                WebSocketMessageFormat(line),
                HttpStreamFormat(line + "\n"),
                HttpResponseFormat(line + "\n"),
            ]
            await apublish(ROOM, formats)


@grip_stream(ROOM)
async def stream(event: Any, context: Any) -> str:
    return "[connected to the chat]\n"


@grip_longpoll(ROOM, timeout=30)
async def poll(event: Any, context: Any) -> dict[str, Any]:
    return {"statusCode": 204}


def handler(event: Any, context: Any) -> dict[str, Any]:
    request = front_door(event).request
    if request.path == "/chat":
        return chat(event, context)
    return stream(event, context) if request.path == "/stream" else poll(event, context)
