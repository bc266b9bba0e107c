"""Nothing lost across reconnects: N events published while clients drop and Pushpin restarts.

A publisher sends N events with publish_event (through the function, `--history memory`),
one every few milliseconds. Three SSE clients drop their connection every 20-40 events and
reconnect with Last-Event-ID; a long-poll client loops with after=; a WebSocket client drops
too and reconnects with after=, following the client rule (drop ids seen, ask again on a gap
and once a second after connecting). Pushpin is restarted once halfway. Every client must end
with every id 1..N, in order; SSE and long-poll clients must not see any id twice.

N is 200 in `make test`, with the history in the function's memory. FAAS_GRIP_STRESS=1
(`make stress`) runs 600 with the history in a DynamoDB table on MiniStack (`--history dynamodb`)
and prints the figures docs/reliability.md quotes.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

from faas_grip.dev.server import DevServer
from tests.e2e.clients import send
from tests.e2e.conftest import HANDLERS, require_pushpin

pytestmark = pytest.mark.pushpin

STRESS = os.environ.get("FAAS_GRIP_STRESS") == "1"
N = 600 if STRESS else 200
HISTORY = "dynamodb" if STRESS else "memory"
INTERVAL = 0.02  # seconds between publishes
CHANNEL = "chaos"
FINISH = 90 if STRESS else 45  # seconds for every client to catch up once publishing ends


@pytest.fixture(scope="module")
def dev() -> Iterator[DevServer]:
    require_pushpin()
    with DevServer(
        "reliable.handler",
        code_dir=HANDLERS,
        history=HISTORY,
        pushpin_options={"message_wait_ms": 1000},
    ) as server:
        yield server


class Client(threading.Thread):
    """A client in its own thread: `received` lists every id as it arrived, duplicates too."""

    def __init__(self, name: str, dev: DevServer) -> None:
        super().__init__(name=name, daemon=True)
        self.dev = dev
        self.received: list[int] = []
        self.last = 0
        self.requests = 0  # connections opened, or polls sent
        self.stop = threading.Event()
        self.random = random.Random(name)

    def take(self, event_id: int) -> None:
        self.received.append(event_id)
        self.last = max(self.last, event_id)

    @property
    def done(self) -> bool:
        return self.last >= N

    def pause(self) -> None:
        self.stop.wait(0.1)


class SseClient(Client):
    """Reads the stream and drops it every 20-40 events; reconnects with Last-Event-ID."""

    def run(self) -> None:
        while not self.stop.is_set() and not self.done:
            self.requests += 1
            try:
                self.read_once(self.random.randint(20, 40))
            except (OSError, http.client.HTTPException):
                self.pause()  # Pushpin restarting: try again, as EventSource does

    def read_once(self, drop_after: int) -> None:
        parts = urlsplit(self.dev.http_url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        try:
            # The first connection asks from the start (lastEventId=0), the others say where
            # they stopped with Last-Event-ID, as EventSource does.
            first = self.requests == 1
            target = f"/sse?channel={CHANNEL}" + ("&lastEventId=0" if first else "")
            headers = {} if first else {"Last-Event-ID": str(self.last)}
            conn.request("GET", target, headers=headers)
            response = conn.getresponse()
            if response.status != 200:
                response.read()
                raise OSError(f"status {response.status}")
            buffer, count = b"", 0
            while not self.stop.is_set() and not self.done:
                chunk = response.read1(65536)
                if not chunk:
                    return
                buffer += chunk
                *blocks, buffer = buffer.split(b"\n\n")
                for block in blocks:
                    for line in block.split(b"\n"):
                        if line.startswith(b"id: "):
                            self.take(int(line[4:]))
                            count += 1
                if count >= drop_after:
                    return  # drop the connection mid-stream
        finally:
            conn.close()


class LongPollClient(Client):
    """Polls with after=<last id>, again and again."""

    def run(self) -> None:
        while not self.stop.is_set() and not self.done:
            self.requests += 1
            try:
                reply = send(self.dev.http_url, "GET", f"/poll?channel={CHANNEL}&after={self.last}")
            except (OSError, http.client.HTTPException):
                self.pause()
                continue
            if reply.status != 200:
                self.pause()  # 5xx while Pushpin restarts
                continue
            for event in json.loads(reply.body):
                self.take(int(event["id"]))


class WebSocketClient(Client):
    """Subscribes with after=<last id>, drops every 20-40 events, follows the client rule."""

    def __init__(self, name: str, dev: DevServer) -> None:
        super().__init__(name, dev)
        self.shown: list[int] = []

    def run(self) -> None:
        while not self.stop.is_set() and not self.done:
            self.requests += 1
            try:
                self.read_once(self.random.randint(20, 40))
            except (OSError, WebSocketException):
                self.pause()

    def read_once(self, drop_after: int) -> None:
        url = f"{self.dev.ws_url}/ws?channel={CHANNEL}&after={self.last}"
        with connect(url, open_timeout=5, close_timeout=1) as ws:
            opened, asked = time.monotonic(), 0.0
            count = 0
            while not self.stop.is_set() and not self.done:
                if not asked and time.monotonic() - opened > 1:
                    asked = self.ask(ws)  # once, after the subscription took effect
                try:
                    message = ws.recv(timeout=0.25)
                except TimeoutError:
                    continue
                event_id = int(json.loads(message)["id"])
                self.received.append(event_id)
                if event_id == self.last + 1:
                    self.last = event_id
                    self.shown.append(event_id)
                    count += 1
                    if count >= drop_after:
                        return
                elif event_id > self.last and time.monotonic() - asked > 0.5:
                    asked = self.ask(ws)  # a gap: ask for what is missing
                # (an id already seen is dropped)

    def ask(self, ws: ClientConnection) -> float:
        ws.send(f"after {self.last}")
        return time.monotonic()


def publish(dev: DevServer, number: int) -> bool:
    """publish_event in the function; False when Pushpin was down (the event is only stored)."""
    reply = send(dev.gateway_url, "GET", f"/publish?channel={CHANNEL}&data=event+{number}")
    assert reply.status in (200, 202), reply.body
    assert reply.body == str(number).encode()
    return reply.status == 200


def duplicates(received: list[int]) -> int:
    return len(received) - len(set(received))


def test_every_client_gets_every_event_across_drops_and_a_proxy_restart(dev: DevServer) -> None:
    sse = [SseClient(f"sse-{n}", dev) for n in range(3)]
    poll = LongPollClient("long-poll", dev)
    socket = WebSocketClient("websocket", dev)
    clients: list[Client] = [*sse, poll, socket]
    for client in clients:
        client.start()
    restart = threading.Thread(target=dev.restart_pushpin, name="restart")
    started = time.monotonic()
    unpublished = 0
    try:
        for number in range(1, N + 1):
            unpublished += not publish(dev, number)
            if number == N // 2:
                restart.start()  # publishing goes on while Pushpin is down
            time.sleep(INTERVAL)
        restart.join()
        deadline = time.monotonic() + FINISH
        while not all(c.done for c in clients) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        for client in clients:
            client.stop.set()
        for client in clients:
            client.join(10)
    elapsed = time.monotonic() - started
    every = list(range(1, N + 1))
    print(f"\n{N} events ({HISTORY} history) in {elapsed:.1f} s; Pushpin restarted once")
    print(f"({unpublished} published while it was down reached history only)")
    print(f"{'client':12} {'received':>9} {'lost':>5} {'duplicates':>11} {'requests':>9}")
    for client in clients:
        lost = len(set(every) - set(client.received))
        dups = duplicates(client.received)
        row = f"{client.name:12} {len(client.received):>9} {lost:>5} {dups:>11}"
        print(f"{row} {client.requests:>9}")
    for client in [*sse, poll]:
        assert client.received == every, f"{client.name} lost or repeated events"
    assert socket.shown == every, "the WebSocket client lost events or got them out of order"
