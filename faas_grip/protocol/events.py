"""The WebSocket-over-HTTP event codec (`application/websocket-events`).

A body is a sequence of events, each `TYPE[ SP hexlen]\\r\\n` followed, when a length is given,
by exactly `hexlen` bytes of content and `\\r\\n`. Decoding is strict: anything else is a
GripProtocolError naming the event and the fault, never a silently shortened message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from faas_grip.errors import GripProtocolError

OPEN = "OPEN"
TEXT = "TEXT"
BINARY = "BINARY"
PING = "PING"
PONG = "PONG"
CLOSE = "CLOSE"
DISCONNECT = "DISCONNECT"
EVENT_TYPES = frozenset((OPEN, TEXT, BINARY, PING, PONG, CLOSE, DISCONNECT))

CONTENT_TYPE = "application/websocket-events"

_BYTE_TYPES = {t.encode("ascii"): t for t in EVENT_TYPES}
_HEX_DIGITS = b"0123456789abcdefABCDEF"
# Longer than any length that fits in a Lambda payload; refusing early keeps int() cheap.
_MAX_HEX_DIGITS = 16
_MAX_LINE = len("DISCONNECT ") + _MAX_HEX_DIGITS + 2
# How decode_events chooses its reading: CRLFs in the first _SAMPLE bytes, at least one per
# _SPLIT_MAX_PIECE bytes on average, mean small events, which splitting reads fastest.
_SAMPLE = 1024
_SPLIT_MAX_PIECE = 128


class _Event(NamedTuple):
    type: str
    content: bytes | None = None


class WebSocketEvent(_Event):
    """One WebSocket-over-HTTP event: an immutable (type, content) pair.

    `content` is bytes or None (an event written without a length). A str is stored as UTF-8.
    """

    __slots__ = ()

    def __new__(
        cls, type: str, content: bytes | bytearray | memoryview | str | None = None
    ) -> WebSocketEvent:
        if type not in EVENT_TYPES:
            raise ValueError(
                f"unknown WebSocket event type {type!r}; expected one of {sorted(EVENT_TYPES)}"
            )
        if isinstance(content, str):
            content = content.encode("utf-8")
        elif content is not None:
            if not isinstance(content, (bytes, bytearray, memoryview)):
                raise TypeError(
                    f"event content must be bytes, str or None, not {content.__class__.__name__}"
                )
            content = bytes(content)
        return super().__new__(cls, type, content)

    @classmethod
    def _make(cls, iterable: Iterable[Any]) -> WebSocketEvent:  # type: ignore[override]
        # NamedTuple's _make (and _replace, which uses it) would bypass the checks above.
        return cls(*iterable)

    def __repr__(self) -> str:
        return f"WebSocketEvent({self.type!r}, {self.content!r})"


def decode_events(body: bytes | bytearray | memoryview) -> list[WebSocketEvent]:
    """Decode a WebSocket-over-HTTP body into events; raise GripProtocolError if malformed."""
    data = body if body.__class__ is bytes else bytes(body)
    # One event whose line was seen before (the usual warm request): exactly its line, CRLF,
    # the declared length of content and CRLF, or the general reading below decides.
    eol = data.find(b"\r\n", 0, _MAX_LINE)
    parsed = _LINES.get(data[:eol]) if eol > 0 else None
    if parsed is not None:
        size = len(data)
        type_, length = parsed
        if length < 0:
            if size == eol + 2:
                return [tuple.__new__(WebSocketEvent, (type_, None))]
        elif size == eol + length + 4 and data.endswith(b"\r\n"):
            return [tuple.__new__(WebSocketEvent, (type_, data[eol + 2 : size - 2]))]
    # Many small events: splitting at every CRLF (in C) beats reading them one by one. Larger
    # messages: reading event by event never looks inside them, while splitting searches every
    # byte for CRLF (about 1 GB/s here). A sample of the body's start tells them apart; a
    # body of a few events is read one by one, at no cost to sample.
    size = len(data)
    if size > _SPLIT_MAX_PIECE and (
        data.count(b"\r\n", 0, _SAMPLE) * _SPLIT_MAX_PIECE >= min(size, _SAMPLE)
    ):
        return _decode_split(data)
    return _decode_walk(data)


def _decode_split(data: bytes) -> list[WebSocketEvent]:
    # When no content holds a CRLF, the pieces alternate `TYPE[ hexlen]` lines and contents,
    # and a content piece of exactly the declared length is exactly what the sequential reading
    # takes (followed by CRLF, as the split proves). Anything else (a CRLF inside a message, or
    # a fault) goes to `_decode_sequential` from that event on, which decodes such bodies and
    # names the faulty event.
    pieces = data.split(b"\r\n")
    if pieces.pop():  # the body must end with CRLF
        return _decode_sequential(data)
    events: list[WebSocketEvent] = []
    append = events.append
    new = tuple.__new__
    lines: dict[bytes, tuple[str, int]] = {}  # bodies repeat a handful of distinct lines
    contents = iter(pieces)
    for line in contents:
        parsed = lines.get(line)
        if parsed is None:
            try:
                parsed = lines[line] = _parse_line(line)
            except ValueError:
                return _resume(data, pieces, events)
        type_, length = parsed
        if length < 0:
            append(new(WebSocketEvent, (type_, None)))
            continue
        content = next(contents, None)
        if content is None or len(content) != length:
            return _resume(data, pieces, events)
        # Both fields are valid already: skip __new__'s checks on the hot path.
        append(new(WebSocketEvent, (type_, content)))
    return events


def _resume(data: bytes, pieces: list[bytes], events: list[WebSocketEvent]) -> list[WebSocketEvent]:
    """Go on reading event by event after the events the split already gave."""
    used = sum(1 if event.content is None else 2 for event in events)  # pieces they took
    return _decode_sequential(data, sum(map(len, pieces[:used])) + 2 * used, events)


# Event lines already parsed, kept across calls: a warm function sees the same few lines
# (`TEXT 5`, `PING`...) again and again. Bounded: cleared when full.
_LINES: dict[bytes, tuple[str, int]] = {}
_LINES_MAX = 4096


def _decode_walk(data: bytes) -> list[WebSocketEvent]:
    # `_decode_sequential` with each distinct line parsed once and the CRLF looked for only
    # where a line can end; anything unusual is left to `_decode_sequential` from that event.
    events: list[WebSocketEvent] = []
    append = events.append
    new = tuple.__new__
    find = data.find
    size = len(data)
    lines = _LINES
    if len(lines) >= _LINES_MAX:
        lines.clear()
    pos = 0
    while pos < size:
        eol = find(b"\r\n", pos, pos + _MAX_LINE)
        if eol < 0:
            return _decode_sequential(data, pos, events)
        line = data[pos:eol]
        parsed = lines.get(line)
        if parsed is None:
            try:
                parsed = lines[line] = _parse_line(line)
            except ValueError:
                return _decode_sequential(data, pos, events)
        type_, length = parsed
        if length < 0:
            append(new(WebSocketEvent, (type_, None)))
            pos = eol + 2
            continue
        end = eol + 2 + length
        if data[end : end + 2] != b"\r\n":
            return _decode_sequential(data, pos, events)
        append(new(WebSocketEvent, (type_, data[eol + 2 : end])))
        pos = end + 2
    return events


def _parse_line(line: bytes) -> tuple[str, int]:
    """(type, content length) of an event's first line, length -1 when it has none.

    Raise ValueError describing the fault.
    """
    name, space, digits = line.partition(b" ")
    type_ = _BYTE_TYPES.get(name)
    if type_ is None:
        raise ValueError(f"unknown event type {name[:40]!r}")
    if not space:
        return type_, -1
    if not digits or digits.translate(None, _HEX_DIGITS) or len(digits) > _MAX_HEX_DIGITS:
        raise ValueError(f"{type_} has an invalid length {digits[:40]!r} (expected hex digits)")
    return type_, int(digits, 16)


def _decode_sequential(
    data: bytes, pos: int = 0, events: list[WebSocketEvent] | None = None
) -> list[WebSocketEvent]:
    """Read events one by one from `pos`, as the format defines them, after `events` (read
    before); raise on the first fault."""
    events = [] if events is None else events
    find = data.find
    size = len(data)
    while pos < size:
        index = len(events)
        eol = find(b"\r\n", pos)
        if eol < 0:
            raise _error(index, f"line {data[pos : pos + 40]!r} has no CRLF terminator")
        try:
            type_, length = _parse_line(data[pos:eol])
        except ValueError as exc:
            raise _error(index, str(exc)) from None
        pos = eol + 2
        if length < 0:
            events.append(tuple.__new__(WebSocketEvent, (type_, None)))
            continue
        end = pos + length
        if end > size:
            raise _error(index, f"{type_} declares {length} bytes but {size - pos} remain")
        if data[end : end + 2] != b"\r\n":
            raise _error(index, f"{type_} content of {length} bytes is not followed by CRLF")
        events.append(tuple.__new__(WebSocketEvent, (type_, data[pos:end])))
        pos = end + 2
    return events


def encode_events(events: Iterable[WebSocketEvent]) -> bytes:
    """Encode events as a WebSocket-over-HTTP body (lower-case hex lengths, as Pushpin writes)."""
    if events.__class__ is list and len(events) == 1:
        # The usual warm reply: one message, formatted in one step (content copied once).
        type_, content = events[0]
        if content is not None:
            return b"%s %x\r\n%s\r\n" % (_TYPE_BYTES[type_], len(content), content)
    parts: list[bytes] = []
    append = parts.append
    for type_, content in events:
        if content is None:
            append(_LINE_ENDS[type_])
        else:
            append(b"%s %x\r\n" % (_TYPE_BYTES[type_], len(content)))
            append(content)
            append(b"\r\n")
    return b"".join(parts)


_TYPE_BYTES = {t: t.encode("ascii") for t in EVENT_TYPES}
_LINE_ENDS = {t: t.encode("ascii") + b"\r\n" for t in EVENT_TYPES}


def _error(index: int, problem: str) -> GripProtocolError:
    return GripProtocolError(f"body is not valid websocket-events: event {index}: {problem}")
