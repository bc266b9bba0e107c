"""Reads tests/data/wire-capture.txt, a byte-exact capture of Pushpin talking to a backend.

The capture is a series of blocks `----- DIRECTION CONN t=TIME N bytes -----\\n` each followed by
exactly N raw bytes (one TCP read) and a `\\n`. An HTTP message can span blocks (Pushpin sends a
WebSocket-over-HTTP body in a separate read from its headers), so the blocks of each direction of
each connection are joined into a stream and the HTTP messages are cut out of it by
Content-Length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CAPTURE = Path(__file__).resolve().parent.parent / "data" / "wire-capture.txt"
_BLOCK = re.compile(rb"^----- (\S+) (\S+) t=[\d.]+ (\d+) bytes -----\n", re.MULTILINE)


@dataclass(frozen=True)
class Message:
    direction: str  # "PUSHPIN->BACKEND" or "BACKEND->PUSHPIN"
    connection: str
    start_line: str
    headers: dict[str, str]  # names lower-cased
    body: bytes


def read_blocks(data: bytes) -> list[tuple[str, str, bytes]]:
    """(direction, connection, raw bytes) of every block, checking each block's byte count."""
    blocks = []
    for match in _BLOCK.finditer(data):
        size = int(match.group(3))
        raw = data[match.end() : match.end() + size]
        after = data[match.end() + size : match.end() + size + 1]
        if len(raw) != size or after not in (b"\n", b""):
            raise ValueError(f"block at offset {match.start()} does not hold {size} bytes")
        blocks.append((match.group(1).decode(), match.group(2).decode(), raw))
    return blocks


def read_messages(path: Path = CAPTURE) -> list[Message]:
    """Every HTTP message of the capture, in the order each stream carried them."""
    streams: dict[tuple[str, str], bytes] = {}
    for direction, connection, raw in read_blocks(path.read_bytes()):
        streams[direction, connection] = streams.get((direction, connection), b"") + raw
    messages = []
    for (direction, connection), stream in streams.items():
        pos = 0
        while pos < len(stream):
            head_end = stream.index(b"\r\n\r\n", pos)
            start_line, *lines = stream[pos:head_end].decode("latin-1").split("\r\n")
            headers = {}
            for line in lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            body = stream[head_end + 4 : head_end + 4 + length]
            if len(body) != length:
                raise ValueError(f"{direction} {connection}: body shorter than Content-Length")
            messages.append(Message(direction, connection, start_line, headers, body))
            pos = head_end + 4 + length
    return messages


def websocket_bodies(direction: str) -> list[bytes]:
    """The application/websocket-events bodies sent in one direction, in order."""
    return [
        m.body
        for m in read_messages()
        if m.direction == direction
        and m.headers.get("content-type") == "application/websocket-events"
    ]
