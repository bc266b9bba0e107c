"""Stored events in each transport's wire format (publishes and replays use the same text).

SSE        `id:` / `event:` / `data:` lines (multi-line data as several `data:` lines)
WebSocket  a JSON text message `{"id": "7", "event": null, "data": "..."}`
Long-poll  a JSON list of those objects, `application/json`
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from faas_grip.history.base import StoredEvent
from faas_grip.protocol.formats import (
    HttpResponseFormat,
    HttpStreamFormat,
    Item,
    WebSocketMessageFormat,
    sse_event,
)

JSON_CONTENT_TYPE = "application/json"


def sse_text(events: Iterable[StoredEvent]) -> str:
    """The events as Server-Sent Events, each with its id (and event name when set)."""
    return "".join(sse_event(e.data, event=e.event, id=e.id) for e in events)


def ws_text(event: StoredEvent) -> str:
    """The WebSocket text message for one event."""
    return json.dumps(event.to_json())


def longpoll_body(events: Iterable[StoredEvent]) -> str:
    """The long-poll response body: a JSON list of the events, oldest first."""
    return json.dumps([e.to_json() for e in events])


def event_item(event: StoredEvent, prev_id: str | None) -> Item:
    """One publish item carrying the event to streams, WebSockets and long-polls alike.

    `id` / `prev-id` let Pushpin spot a subscriber that missed the event before and ask the
    backend (the next link) to fill the gap."""
    return Item(
        [
            HttpStreamFormat(sse_text([event])),
            WebSocketMessageFormat(ws_text(event)),
            HttpResponseFormat(
                body=longpoll_body([event]), headers={"Content-Type": JSON_CONTENT_TYPE}
            ),
        ],
        id=event.id,
        prev_id=prev_id,
    )
