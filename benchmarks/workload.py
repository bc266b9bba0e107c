"""What every side runs: the handlers, written as that side's users write them, and codec mixes.

Sides: "faas-grip" (this project, `@grip_websocket`), "gripcontrol" (faas-grip 1.0.1's
`lambda_get_websocket` / `to_response` on gripcontrol 4.4 + pubcontrol 3.5) and "faas-grip-1.0.1"
(the same module on its own pins, gripcontrol 3.3 + pubcontrol 2.4); behind an HTTP API the
anchors run 1.0.1's code after `rest_shape`, the shim its users would need. Only the standard library is
imported at the top: this module is loaded by cold-start children and by workers in the anchor
virtualenvs, where the repository's faas_grip must not be importable.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

SIDES = ("faas-grip", "gripcontrol", "faas-grip-1.0.1")
CHANNEL = "room"

Handler = Callable[[Any, Any], Any]


def echo_handler(side: str) -> Handler:
    """Answer every message in the request: TEXT with `nick: text`, BINARY with its size (an
    echo of 1 MB would be over the proxy's 1,000,000-byte reply limit)."""
    if side == "faas-grip":
        from faas_grip import grip_websocket

        @grip_websocket
        def ours(ws: Any, context: Any) -> None:
            nick = ws.meta.get("nick", "anonymous")
            for message in ws:
                if isinstance(message, str):
                    ws.send(f"{nick}: {message}")
                else:
                    ws.send(f"{nick} sent {len(message)} bytes")

        return ours

    import faas_grip  # 1.0.1's single module, from the anchor virtualenv

    def legacy(event: Any, context: Any) -> Any:
        ws = faas_grip.lambda_get_websocket(rest_shape(event))
        nick = ws.meta.get("nick", "anonymous")
        while ws.can_recv():
            message = ws.recv()
            if message is None:
                ws.close()
                break
            if isinstance(message, str):
                ws.send(f"{nick}: {message}")
            else:
                ws.send(f"{nick} sent {len(message)} bytes")
        return ws.to_response()

    return legacy


def rest_shape(event: Any) -> Any:
    """What a 1.0.1 user puts in front of `lambda_get_websocket` behind an HTTP API: it reads
    `event['httpMethod']`, which payload 2.0 events do not have, so map the fields it reads."""
    if "httpMethod" in event:
        return event
    return {
        "httpMethod": event["requestContext"]["http"]["method"],
        "headers": event.get("headers") or {},
        "body": event.get("body"),
        "isBase64Encoded": event.get("isBase64Encoded", False),
    }


def chat_handler(side: str) -> Handler:
    """The cold-start handler: accept and subscribe on OPEN, publish every message once."""
    if side == "faas-grip":
        from faas_grip import WebSocketMessageFormat, grip_websocket
        from faas_grip.publishing import publish

        @grip_websocket
        def ours(ws: Any, context: Any) -> None:
            if ws.is_opening():
                ws.accept()
                ws.subscribe(CHANNEL)
            for message in ws:
                publish(CHANNEL, WebSocketMessageFormat(message))

        return ours

    from gripcontrol import WebSocketMessageFormat as LegacyFormat

    import faas_grip

    def legacy(event: Any, context: Any) -> Any:
        ws = faas_grip.lambda_get_websocket(event)
        if ws.is_opening():
            ws.accept()
            ws.subscribe(CHANNEL)
        while ws.can_recv():
            message = ws.recv()
            if message is None:
                ws.close()
                break
            faas_grip.publish(CHANNEL, LegacyFormat(message))
        return ws.to_response()

    return legacy


MIXES = ("small-text", "mixed", "binary-1mb")


def binary_message(size: int) -> bytes:
    """`size` pseudo-random bytes (as images or compressed data are), the same every run."""
    return random.Random(size).randbytes(size)


def mix_events(mix: str, scale: float = 1.0) -> list[tuple[str, bytes]]:
    """(type, content) pairs of a codec mix; `scale` < 1 shrinks it (smoke tests)."""
    if mix == "small-text":
        return [("TEXT", b"x" * 64)] * max(1, int(10_000 * scale))
    if mix == "mixed":
        sizes = (16, 256, 4096)
        return [
            ("TEXT" if i % 2 == 0 else "BINARY", bytes([97 + i % 26]) * sizes[i % 3])
            for i in range(max(3, int(1_000 * scale)))
        ]
    if mix == "binary-1mb":
        return [("BINARY", binary_message(max(1, int(1_000_000 * scale))))]
    raise ValueError(f"unknown codec mix {mix!r}; expected one of {MIXES}")
