"""Count the function invocations each held request costs behind Pushpin (docs/reliable-delivery.md).

    .venv/bin/python -m tools.measure_rerequests

Runs tests/e2e/handlers/reliable.py under `faas-grip dev --history memory`, opens each kind of
client on a fresh channel, waits 4 s with nothing published, and prints how many times the
function was invoked for it (and how many of those were Pushpin's own requests, Grip-Last).
"""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from faas_grip.dev.server import DevServer
from tests.e2e.clients import HttpStream, send

HANDLERS = Path(__file__).resolve().parents[1] / "tests" / "e2e" / "handlers"
QUIET = 4.0  # seconds watched after the clients connect


def calls(dev: DevServer) -> dict[str, int]:
    return json.loads(send(dev.gateway_url, "GET", "/calls").body)  # type: ignore[no-any-return]


def delta(before: dict[str, int], after: dict[str, int], path: str) -> tuple[int, int]:
    grip_last = f"{path} grip-last"
    return (
        after.get(path, 0) - before.get(path, 0),
        after.get(grip_last, 0) - before.get(grip_last, 0),
    )


def streams(dev: DevServer, count: int) -> tuple[int, int]:
    channel = "m" + uuid.uuid4().hex[:10]
    before = calls(dev)
    opened = [HttpStream(dev.http_url, f"/sse?channel={channel}") for _ in range(count)]
    for stream in opened:
        stream.wait_for(b": open\n\n")
    time.sleep(QUIET)
    result = delta(before, calls(dev), "/sse")
    for stream in opened:
        stream.close()
    return result


def polls(dev: DevServer, count: int) -> tuple[int, int]:
    channel = "m" + uuid.uuid4().hex[:10]
    before = calls(dev)
    with ThreadPoolExecutor(count) as pool:
        pending = [
            pool.submit(send, dev.http_url, "GET", f"/poll?channel={channel}&after=0", (), b"", 30)
            for _ in range(count)
        ]
        time.sleep(QUIET)
        result = delta(before, calls(dev), "/poll")
        for future in pending:
            future.result()  # each times out after 5 s with []
    return result


def main() -> None:
    with DevServer("reliable.handler", code_dir=HANDLERS, history="memory") as dev:
        rows = [
            ("SSE, 1 client on a new channel", streams(dev, 1)),
            ("SSE, 10 clients on a new channel", streams(dev, 10)),
            ("long-poll, 1 client on a new channel", polls(dev, 1)),
            ("long-poll, 10 clients on a new channel", polls(dev, 10)),
        ]
    print(f"invocations in the first {QUIET:.0f} s, nothing published")
    print(f"{'clients':40} {'invocations':>12} {'of them Grip-Last':>18}")
    for name, (total, grip_last) in rows:
        print(f"{name:40} {total:>12} {grip_last:>18}")


if __name__ == "__main__":
    main()
