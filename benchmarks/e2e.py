"""End to end through Pushpin and the local gateway (faas_grip.dev.server.DevServer), with the
chat example (examples/chat, `app.handler`) as the function.

N real WebSocket clients (the `websockets` package, asyncio, one process) connect to /chat; the
function accepts each and subscribes it to "room". Then:

- fan-out: a publish of one item to "room" from this process (faas-grip's Publisher), timed from
  just before the publish call to each client's receipt of the message;
- round trip: client 0 sends a chat line; Pushpin turns it into a WebSocket-over-HTTP request to
  the gateway, the handler publishes it to "room", and every client (the sender too) receives it;
  timed from the send to each receipt.

Each publish or chat line is one round; the next starts when every client has the previous one
(or after a timeout, which counts the missing deliveries as lost). Latencies are per delivery, all
rounds pooled; p50/p99 are nearest-rank. The clients and their receive loop share one core-bound
process, so at N = 1,000 the tail includes the time to read 1,000 messages in turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.anchors import ROOT
from benchmarks.rounds import percentile
from faas_grip import WebSocketMessageFormat
from faas_grip.dev.server import DevServer
from faas_grip.publishing import Publisher

CHAT = ROOT / "examples" / "chat"
ROUND_TIMEOUT = 15.0
CONNECT_AT_ONCE = 50


def raise_open_files(needed: int) -> None:
    """Lift the soft RLIMIT_NOFILE to the hard limit if `needed` descriptors may not fit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = hard if hard == resource.RLIM_INFINITY else max(soft, min(hard, needed * 4))
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


class Clients:
    """N connected chat clients and what each received (receipt time, text)."""

    def __init__(self, url: str, count: int) -> None:
        self.url = url
        self.count = count
        self.connections: list[Any] = []
        self.received: list[dict[str, float]] = [{} for _ in range(count)]
        self._waiting: dict[str, tuple[asyncio.Event, set[int]]] = {}
        self._readers: list[asyncio.Task[None]] = []

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        gate = asyncio.Semaphore(CONNECT_AT_ONCE)

        async def one(index: int) -> Any:
            async with gate:
                return await connect(
                    self.url, open_timeout=60, ping_interval=None, compression=None, max_size=None
                )

        self.connections = list(await asyncio.gather(*(one(i) for i in range(self.count))))
        self._readers = [
            asyncio.create_task(self._read(index, ws)) for index, ws in enumerate(self.connections)
        ]

    async def _read(self, index: int, ws: Any) -> None:
        with contextlib.suppress(Exception):
            async for message in ws:
                now = time.perf_counter()
                tag = str(message).rsplit(" ", 1)[-1]
                self.received[index][tag] = now
                waiting = self._waiting.get(tag)
                if waiting is not None:
                    event, pending = waiting
                    pending.discard(index)
                    if not pending:
                        event.set()

    def expect(self, tag: str) -> asyncio.Event:
        """An event set once every client received a message ending with `tag`."""
        event = asyncio.Event()
        self._waiting[tag] = (event, set(range(self.count)))
        return event

    def latencies(self, tag: str, start: float) -> tuple[list[float], int]:
        """(ms from `start` to each receipt of `tag`, number of clients that did not get it)."""
        times = [got[tag] for got in self.received if tag in got]
        return [(t - start) * 1000 for t in times], self.count - len(times)

    async def close(self) -> None:
        gate = asyncio.Semaphore(CONNECT_AT_ONCE)

        async def one(ws: Any) -> None:
            async with gate:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(ws.close(), 10)

        await asyncio.gather(*(one(ws) for ws in self.connections))
        for reader in self._readers:
            reader.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)


async def _rounds(clients: Clients, rounds: int, kind: str, send: Any) -> dict[str, Any]:
    """Run `rounds` deliveries of `kind`; `send(tag)` starts one and returns its start time."""
    latencies: list[float] = []
    lost = 0
    for index in range(rounds):
        tag = f"{kind}-{index}"
        done = clients.expect(tag)
        start = await send(tag)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(done.wait(), ROUND_TIMEOUT)
        got, missing = clients.latencies(tag, start)
        latencies += got
        lost += missing
        await asyncio.sleep(0.01)
    return {
        "rounds": rounds,
        "deliveries": len(latencies),
        "lost": lost,
        "p50_ms": percentile(latencies, 0.5) if latencies else None,
        "p99_ms": percentile(latencies, 0.99) if latencies else None,
        "max_ms": max(latencies) if latencies else None,
    }


async def _measure(dev: DevServer, count: int, rounds: int) -> dict[str, Any]:
    clients = Clients(f"{dev.ws_url}/chat", count)
    start = time.perf_counter()
    await clients.connect()
    connect_s = time.perf_counter() - start
    loop = asyncio.get_running_loop()
    publisher = Publisher(dev.grip_url)
    try:

        def publish(tag: str) -> float:
            began = time.perf_counter()
            publisher.publish("room", WebSocketMessageFormat(f"fan-out {tag}"))
            return began

        async def fan_out(tag: str) -> float:
            return await loop.run_in_executor(None, publish, tag)

        async def chat_line(tag: str) -> float:
            began = time.perf_counter()
            await clients.connections[0].send(f"round trip {tag}")
            return began

        # One unmeasured round each: the first publish from here and from the function opens
        # connections and signs a JWT (the function's first publish is a cold-start cost).
        await _rounds(clients, 1, "fan-warm-up", fan_out)
        await _rounds(clients, 1, "rt-warm-up", chat_line)
        result = {
            "clients": count,
            "connect_s": connect_s,
            "fan_out": await _rounds(clients, rounds, "fan", fan_out),
            "round_trip": await _rounds(clients, rounds, "rt", chat_line),
        }
    finally:
        publisher.close()
        await clients.close()
    return result


def measure(counts: tuple[int, ...] = (100, 1000), rounds: int = 30) -> dict[str, Any]:
    """Per N in `counts`: fan-out and round-trip latency (p50/p99 ms) and deliveries lost."""
    raise_open_files(max(counts) * 3 + 256)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="faas-grip-bench-e2e-") as folder:
        log = Path(folder) / "gateway.log"
        with DevServer("app.handler", code_dir=CHAT, log=log) as dev:
            for count in counts:
                results[str(count)] = asyncio.run(_measure(dev, count, rounds))
    return results
