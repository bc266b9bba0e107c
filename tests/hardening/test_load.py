"""Load through Pushpin and the local gateway (DevServer) running examples/chat.

- Broadcast: many WebSocket clients on the chat, messages published to its room with Publisher:
  every client receives every message, in order (`make stress`: 1,000 clients x 100 messages).
- Chat storm: clients each send messages through the chat handler, which publishes each line:
  every client receives every line, each sender's lines in order (`make stress`: 100 x 20).

The clients are asyncio `websockets` clients in this process; throughput and latency
percentiles are recorded as figures (no timing is asserted).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect

from faas_grip.dev.server import DevServer
from faas_grip.protocol.formats import WebSocketMessageFormat
from faas_grip.publishing import Publisher
from tests.hardening.conftest import Figures, scaled

pytestmark = pytest.mark.pushpin

CHAT = Path(__file__).parents[2] / "examples" / "chat"
ROOM = "room"


@pytest.fixture(scope="module")
def chat() -> Iterator[DevServer]:
    with DevServer("app.handler", code_dir=CHAT, log=Path("/dev/null")) as dev:
        yield dev


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99/max of latencies in seconds, as milliseconds."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50 ms": round(cuts[49] * 1000, 1),
        "p95 ms": round(cuts[94] * 1000, 1),
        "p99 ms": round(cuts[98] * 1000, 1),
        "max ms": round(max(samples) * 1000, 1),
    }


class Client:
    """One chat client: what it received, with the time each message arrived."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.received: list[tuple[str, float]] = []
        self.changed = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            self.received.append((str(message), time.monotonic()))
            self.changed.set()

    def lines(self, prefix: str) -> list[tuple[str, float]]:
        return [(m, t) for m, t in self.received if m.startswith(prefix)]


async def open_clients(dev: DevServer, count: int) -> list[Client]:
    """`count` clients connected to the chat (a few handshakes at a time)."""
    gate = asyncio.Semaphore(64)

    async def one() -> Client:
        async with gate:
            ws = await connect(
                f"{dev.ws_url}/chat",
                open_timeout=120,
                ping_interval=None,  # each ping would be an invocation: not what is measured
                compression=None,
                max_queue=None,
            )
            return Client(ws)

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def wait_for(clients: list[Client], prefix: str, count: int, timeout: float) -> None:
    """Until every client has `count` lines starting with `prefix` (or the timeout)."""
    deadline = time.monotonic() + timeout
    for client in clients:
        while len(client.lines(prefix)) < count and time.monotonic() < deadline:
            client.changed.clear()
            try:
                await asyncio.wait_for(
                    client.changed.wait(), max(0.01, deadline - time.monotonic())
                )
            except TimeoutError:
                break


async def subscribed(clients: list[Client], publisher: Publisher, timeout: float = 60) -> None:
    """Publish probes until every client has received one: all subscriptions are live."""
    deadline = time.monotonic() + timeout
    while not all(c.lines("probe") for c in clients):
        assert time.monotonic() < deadline, "clients not subscribed in time"
        await asyncio.to_thread(publisher.publish, ROOM, WebSocketMessageFormat("probe"))
        await asyncio.sleep(0.2)


async def close(clients: list[Client]) -> None:
    # A few at a time: Pushpin 1.36 drops (1006) part of a burst of hundreds of simultaneous
    # closes without telling the backend, and fails handshakes made meanwhile with 502.
    gate = asyncio.Semaphore(64)

    async def one(client: Client) -> None:
        async with gate:
            await client.ws.close()

    await asyncio.gather(*(one(c) for c in clients), return_exceptions=True)
    await asyncio.gather(*(c.reader for c in clients), return_exceptions=True)


async def broadcast(dev: DevServer, clients_n: int, messages: int, figures: Figures) -> None:
    publisher = Publisher(dev.grip_url)
    started = time.monotonic()
    clients = await open_clients(dev, clients_n)
    try:
        figures["seconds to open the connections"] = round(time.monotonic() - started, 1)
        await subscribed(clients, publisher)
        sent: dict[int, float] = {}
        first = time.monotonic()
        for index in range(messages):
            sent[index] = time.monotonic()
            await asyncio.to_thread(publisher.publish, ROOM, WebSocketMessageFormat(f"msg {index}"))
        published = time.monotonic()
        await wait_for(clients, "msg ", messages, timeout=120)
        latencies = []
        last = first
        for client in clients:
            lines = client.lines("msg ")
            assert [int(m.split()[1]) for m, _ in lines] == list(range(messages))
            latencies += [t - sent[int(m.split()[1])] for m, t in lines]
            last = max(last, lines[-1][1])
    finally:
        await close(clients)
        publisher.close()
    deliveries = clients_n * messages
    figures["clients"] = clients_n
    figures["messages published"] = messages
    figures["deliveries, all in order"] = deliveries
    figures["publishes per second"] = round(messages / (published - first))
    figures["deliveries per second"] = round(deliveries / (last - first))
    figures.update(percentiles(latencies))


def test_broadcast_reaches_every_client_in_order(chat: DevServer, figures: Figures) -> None:
    clients, messages = scaled(100, 1000), scaled(20, 100)
    asyncio.run(broadcast(chat, clients, messages, figures))


async def storm(dev: DevServer, clients_n: int, per_client: int, figures: Figures) -> None:
    publisher = Publisher(dev.grip_url)
    clients = await open_clients(dev, clients_n)
    try:
        await subscribed(clients, publisher)
        for index, client in enumerate(clients):
            await client.ws.send(f"/nick c{index}")
        await wait_for(clients, "nickname set", 1, timeout=60)
        sent: dict[str, float] = {}
        first = time.monotonic()

        async def talk(index: int, client: Client) -> None:
            for number in range(per_client):
                line = f"c{index}: s{number}"
                sent[line] = time.monotonic()
                await client.ws.send(f"s{number}")

        await asyncio.gather(*(talk(i, c) for i, c in enumerate(clients)))
        total = clients_n * per_client
        await wait_for(clients, "c", total, timeout=300)
        latencies = []
        last = first
        for client in clients:
            lines = client.lines("c")
            assert sorted(m for m, _ in lines) == sorted(sent), "a line was lost or repeated"
            for index in range(clients_n):
                own = [int(m.rpartition("s")[2]) for m, _ in lines if m.startswith(f"c{index}:")]
                assert own == list(range(per_client)), f"c{index}'s lines out of order"
            latencies += [t - sent[m] for m, t in lines]
            last = max(last, lines[-1][1])
    finally:
        await close(clients)
        publisher.close()
    figures["clients"] = clients_n
    figures["messages sent through the handler"] = total
    figures["deliveries, each sender's lines in order"] = total * clients_n
    figures["handler messages per second"] = round(total / (last - first))
    figures["deliveries per second"] = round(total * clients_n / (last - first))
    figures.update(percentiles(latencies))


def test_chat_storm_every_line_reaches_every_client(chat: DevServer, figures: Figures) -> None:
    clients, per_client = scaled(20, 100), scaled(5, 20)
    asyncio.run(storm(chat, clients, per_client, figures))
