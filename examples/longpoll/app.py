"""Long-polling, shown with curl alone (handler: `app.handler`).

    curl 'http://localhost:7999/?channel=news'              # waits for the next item (or 20 s)
    curl -d 'hello' 'http://localhost:7999/?channel=news'   # completes every waiting request

GET holds the request on the channel named in `?channel=` (default "news"): the client gets the
first response published there, or "no news" after 20 seconds. POST publishes its body as that
response. The POST route is open to anyone: a real application checks who may publish.
"""

from __future__ import annotations

from typing import Any

from faas_grip import HttpResponseFormat, front_door, grip_longpoll, publish

TEXT = "text/plain; charset=utf-8"


def channel(event: Any) -> str:
    return front_door(event).request.query.get("channel") or "news"


@grip_longpoll(channel, timeout=20)
def wait(event: Any, context: Any) -> dict[str, Any]:
    # What the client gets when nothing was published before the timeout.
    return {"statusCode": 200, "headers": {"Content-Type": TEXT}, "body": "no news\n"}


def handler(event: Any, context: Any) -> dict[str, Any]:
    door = front_door(event)
    request = door.request
    if request.method == "GET":
        return wait(event, context)
    if request.method == "POST":
        name = channel(event)
        publish(name, HttpResponseFormat(request.body, headers={"Content-Type": TEXT}))
        return door.response(202, [("Content-Type", TEXT)], f"published to {name}\n")
    return door.response(405, [("Content-Type", TEXT), ("Allow", "GET, POST")], "use GET or POST\n")
