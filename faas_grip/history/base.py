"""The history interface: where a channel's events are kept so clients can catch up.

Transports and decorators ask a `History`, never a database directly. Ids are the decimal
strings of a per-channel counter ("1", "2", ...), so "which events came after the one I saw"
is a comparison of integers, and "0" names the start of a channel.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from faas_grip.protocol.instruct import check_name

MAX_ID_DIGITS = 18  # DynamoDB numbers hold 38 digits; 18 keeps every id a machine integer


@dataclass(frozen=True)
class StoredEvent:
    """One event as kept in history."""

    channel: str
    id: str  # decimal string of a per-channel counter: "1", "2", ...
    data: str
    event: str | None  # optional SSE event name
    time: float  # Unix seconds when appended

    def to_json(self) -> dict[str, Any]:
        """The object clients receive: `{"id": "7", "event": None, "data": "..."}`."""
        return {"id": self.id, "event": self.event, "data": self.data}


class History(ABC):
    """A store of each channel's events, in order, with gap-free per-channel ids."""

    @abstractmethod
    def append(self, channel: str, data: str, *, event: str | None = None) -> StoredEvent:
        """Store an event on `channel` and return it with its new id (last id + 1)."""

    @abstractmethod
    def after(self, channel: str, after_id: str, *, limit: int = 1000) -> list[StoredEvent]:
        """Events with id > `after_id`, oldest first, at most `limit`; "0" = from the start.

        A non-decimal `after_id` raises ValueError (a decorator answers 400)."""

    @abstractmethod
    def last_id(self, channel: str) -> str:
        """The channel's newest id, "0" when it has no events yet."""


def check_channel(channel: str) -> str:
    """A channel name as GRIP accepts it (unprefixed: GRIP_PREFIX belongs to the transport)."""
    return check_name(channel, "channel name")


def check_event_name(event: str | None) -> str | None:
    """An SSE event name: a non-empty string without CR, LF or NUL (they would split the line)."""
    if event is None:
        return None
    if not isinstance(event, str) or not event:
        raise ValueError(f"event name must be a non-empty string or None, got {event!r}")
    if any(c in event for c in "\r\n\0"):
        raise ValueError(f"event name {event!r} must not contain CR, LF or NUL")
    return event


def check_data(data: str) -> str:
    if not isinstance(data, str):
        raise TypeError(f"event data must be str, not {type(data).__name__}")
    return data


def parse_id(value: str, what: str = "event id") -> int:
    """The integer an event id names; ValueError with a plain reason when it is not one."""
    if (
        not isinstance(value, str)
        or not value.isascii()
        or not value.isdigit()
        or len(value) > MAX_ID_DIGITS
    ):
        raise ValueError(
            f"{what} must be a decimal number of at most {MAX_ID_DIGITS} digits "
            f"(0 = from the start), got {value!r}"
        )
    return int(value)


def check_limit(limit: int) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"limit must be a positive integer, got {limit!r}")
    return limit
