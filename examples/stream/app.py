"""HTTP streaming, shown with curl alone (handler: `app.handler`).

    curl -N 'http://localhost:7999/?channel=news'                     # listen: one line per publish
    curl -N -H 'Accept: text/event-stream' http://localhost:7999/     # listen as Server-Sent Events
    curl -d 'hello' 'http://localhost:7999/?channel=news'             # publish a line to listeners

GET holds the request open on the channel named in `?channel=` (default "news"); POST publishes
its body to that channel, to plain and SSE listeners alike. The POST route is open to anyone:
a real application checks who may publish.
"""

from __future__ import annotations

from typing import Any

from faas_grip import HttpStreamFormat, Item, front_door, grip_stream, publish_many, sse_event

TEXT = "text/plain; charset=utf-8"


def channel(event: Any) -> str:
    return front_door(event).request.query.get("channel") or "news"


def sse_channel(event: Any) -> str:
    # SSE listeners need each line framed as an event: they get their own copy of the channel.
    return channel(event) + ".sse"


@grip_stream(channel, keep_alive="\n", keep_alive_timeout=20)
def listen(event: Any, context: Any) -> str:
    return f"[listening on {channel(event)}]\n"


@grip_stream(sse_channel, sse=True)
def listen_sse(event: Any, context: Any) -> str:
    return sse_event(f"listening on {channel(event)}", event="ready")


def handler(event: Any, context: Any) -> dict[str, Any]:
    door = front_door(event)
    request = door.request
    if request.method == "GET":
        wants_sse = "text/event-stream" in request.headers.get("Accept", "")
        return (listen_sse if wants_sse else listen)(event, context)
    if request.method == "POST":
        try:
            line = request.body.decode("utf-8").rstrip("\n")
        except UnicodeDecodeError:
            return door.response(400, [("Content-Type", TEXT)], "the body must be UTF-8 text\n")
        name = channel(event)
        publish_many(
            [
                (name, Item(HttpStreamFormat(line + "\n"))),
                (name + ".sse", Item(HttpStreamFormat(sse_event(line)))),
            ]
        )
        return door.response(202, [("Content-Type", TEXT)], f"published to {name}\n")
    return door.response(405, [("Content-Type", TEXT), ("Allow", "GET, POST")], "use GET or POST\n")
