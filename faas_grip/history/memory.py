"""MemoryHistory: events kept in this process (tests, the local loop).

Not for Lambda: each instance has its own memory, and it is gone when the instance is.
"""

from __future__ import annotations

import threading
import time

from faas_grip.history.base import (
    History,
    StoredEvent,
    check_channel,
    check_data,
    check_event_name,
    check_limit,
    parse_id,
)


class MemoryHistory(History):
    """A thread-safe, process-local History; event n of a channel sits at index n - 1."""

    def __init__(self) -> None:
        self._channels: dict[str, list[StoredEvent]] = {}
        self._lock = threading.Lock()

    def append(self, channel: str, data: str, *, event: str | None = None) -> StoredEvent:
        check_channel(channel)
        check_data(data)
        check_event_name(event)
        with self._lock:
            events = self._channels.setdefault(channel, [])
            stored = StoredEvent(channel, str(len(events) + 1), data, event, time.time())
            events.append(stored)
        return stored

    def after(self, channel: str, after_id: str, *, limit: int = 1000) -> list[StoredEvent]:
        check_channel(channel)
        start = parse_id(after_id, "after id")
        check_limit(limit)
        with self._lock:
            return self._channels.get(channel, [])[start : start + limit]

    def last_id(self, channel: str) -> str:
        check_channel(channel)
        with self._lock:
            return str(len(self._channels.get(channel, ())))

    def __repr__(self) -> str:
        return f"MemoryHistory({len(self._channels)} channels)"
