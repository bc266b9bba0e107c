"""An independent reader of `application/websocket-events` bodies: the test oracle.

Written from the format's description (Pushpin's WebSocket-over-HTTP: `TYPE\\r\\n`, or
`TYPE HEXSIZE\\r\\nCONTENT\\r\\n`), sharing no code with faas_grip, so a bug in faas_grip's decoder
cannot hide a bug in the replies it reads back (tests/conftest.py checks every `GripResponse`).
"""

from __future__ import annotations

TYPES = frozenset(("OPEN", "TEXT", "BINARY", "PING", "PONG", "CLOSE", "DISCONNECT"))


def parse_events(body: bytes) -> list[tuple[str, bytes | None]]:
    """(type, content) for each event; content is None when the event has no size."""
    events: list[tuple[str, bytes | None]] = []
    at = 0
    while at < len(body):
        end = body.find(b"\r\n", at)
        if end < 0:
            raise ValueError(f"event line without CRLF at byte {at}")
        kind, space, size = body[at:end].decode("ascii").partition(" ")
        if kind not in TYPES:
            raise ValueError(f"unknown event type {kind!r}")
        at = end + 2
        if not space:
            events.append((kind, None))
            continue
        length = int(size, 16)
        content = body[at : at + length]
        if len(content) != length or body[at + length : at + length + 2] != b"\r\n":
            raise ValueError(f"{kind} content of {length} bytes is cut short or not CRLF-ended")
        events.append((kind, content))
        at += length + 2
    return events
