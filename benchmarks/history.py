"""What channel history costs a publisher: `publish_event` beside a plain `publish`.

Every contender publishes the same item (an event's SSE, WebSocket and long-poll formats, with
id / prev-id) to a local Pushpin through faas-grip's default publisher, from this process:

- `publish`: the item alone, nothing stored;
- `publish_event` with a MemoryHistory, with a DynamoDBHistory on moto (in process), and with a
  DynamoDBHistory on MiniStack's DynamoDB (a real HTTP emulator on loopback: the closest to a
  Lambda's round trip to DynamoDB here, though real DynamoDB answers in ~5-10 ms).

Each sample is `n` calls in a row on a table made for it; ms per call, medians of `rounds`
samples taken in turns (benchmarks/rounds.py). Then the read side: `after(channel, "0",
limit=1000)` of 1,000 stored events (written in batches beforehand), as a replay after a long
disconnection reads them.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from benchmarks.rounds import alternate, summarise
from faas_grip.dev.pushpin import Pushpin
from faas_grip.history import DynamoDBHistory, History, MemoryHistory, publish_event
from faas_grip.history.base import StoredEvent
from faas_grip.history.render import event_item
from faas_grip.publishing import publish
from faas_grip.settings import reset_settings

DATA = '{"home": 2, "away": 1, "minute": 67}'  # a live-score update
PLAIN = "publish"
REGION = "us-east-1"

_tables = itertools.count(1)


@contextlib.contextmanager
def _grip_url(url: str) -> Iterator[None]:
    old = os.environ.get("GRIP_URL")
    os.environ["GRIP_URL"] = url
    reset_settings()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("GRIP_URL", None)
        else:
            os.environ["GRIP_URL"] = old
        reset_settings()


def _client(endpoint: str | None) -> Any:
    import boto3  # type: ignore[import-untyped]

    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def measure(
    pushpin: Pushpin,
    ministack_endpoint: str | None,
    n: int = 100,
    rounds: int = 5,
    read_events: int = 1000,
) -> dict[str, Any]:
    """ms per call of each contender, and ms to read `read_events` events back from each store
    (MiniStack's contender is left out when `ministack_endpoint` is None)."""
    from moto import mock_aws

    # moto intercepts AWS endpoints only: Pushpin and MiniStack (loopback) pass through.
    with _grip_url(pushpin.grip_url), mock_aws():
        stores: dict[str, Callable[[], History]] = {
            "MemoryHistory": MemoryHistory,
            "DynamoDBHistory on moto": _dynamodb_factory(_client(None)),
        }
        if ministack_endpoint is not None:
            stores["DynamoDBHistory on MiniStack"] = _dynamodb_factory(_client(ministack_endpoint))
        item = event_item(StoredEvent("bench", "1", DATA, None, 0.0), prev_id="0")

        def plain() -> float:
            started = time.perf_counter()
            for _ in range(n):
                publish("bench", item.formats, id=item.id, prev_id=item.prev_id)
            return (time.perf_counter() - started) * 1000 / n

        def with_store(make: Callable[[], History]) -> Callable[[], float]:
            def sample() -> float:
                history = make()
                started = time.perf_counter()
                for _ in range(n):
                    publish_event("bench", DATA, history=history)
                return (time.perf_counter() - started) * 1000 / n

            return sample

        plain()  # warm-up: the publisher's connection, boto3's first client
        for make in stores.values():
            with_store(make)()
        contenders = {PLAIN: plain}
        contenders.update({f"publish_event, {name}": with_store(m) for name, m in stores.items()})
        ms = summarise(alternate(rounds, contenders))
        read = {name: _read_ms(make(), read_events, rounds) for name, make in stores.items()}
    return {"n": n, "rounds": rounds, "ms": ms, "read_events": read_events, "read_ms": read}


def _dynamodb_factory(client: Any) -> Callable[[], History]:
    def make() -> History:
        name = f"bench-history-{os.getpid()}-{next(_tables)}"
        DynamoDBHistory.create_table(name, client=client)
        return DynamoDBHistory(name, client=client)

    return make


def _seed(history: History, count: int) -> None:
    """`count` events on channel "bench": appended one by one to memory, written in batches of
    25 to DynamoDB (moto's appends slow down as its table grows: it copies it per transaction)."""
    if not isinstance(history, DynamoDBHistory):
        for _ in range(count):
            history.append("bench", DATA)
        return
    from faas_grip.history import dynamodb

    items = [
        {
            dynamodb.KEY: {"S": "bench"},
            dynamodb.SORT: {"N": str(seq)},
            "data": {"S": DATA},
            "time": {"N": "0"},
        }
        for seq in range(1, count + 1)
    ]
    items.append(
        {dynamodb.KEY: {"S": "bench"}, dynamodb.SORT: {"N": "0"}, "last": {"N": str(count)}}
    )
    for start in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        history.client.batch_write_item(RequestItems={history.table_name: requests})


def _read_ms(history: History, count: int, rounds: int) -> dict[str, Any]:
    _seed(history, count)

    def read() -> float:
        started = time.perf_counter()
        events = history.after("bench", "0", limit=count)
        assert [e.id for e in events] == [str(i) for i in range(1, count + 1)]
        return (time.perf_counter() - started) * 1000

    return summarise({"read": [read() for _ in range(rounds)]})["read"]


def render(data: dict[str, Any]) -> str:
    """The section's tables (docs/benchmarks.md)."""
    from benchmarks.report import table

    ms = data["ms"]
    base = ms[PLAIN]["median"]
    rows = [
        [
            name,
            f"{d['median']:.2f}",
            "" if name == PLAIN else f"{d['median'] - base:+.2f} ms ({d['median'] / base:.2f}x)",
        ]
        for name, d in ms.items()
    ]
    read_rows = [[name, f"{d['median']:.1f}"] for name, d in data["read_ms"].items()]
    return (
        f"One event published, ms per call ({data['n']} calls per sample):\n\n"
        + table(["how", "ms per call", "cost over publish"], rows)
        + f'\n\nReading {data["read_events"]:,} stored events back (`after(channel, "0", '
        f"limit={data['read_events']})`, as a replay does), ms:\n\n"
        + table(["store", "ms"], read_rows)
    )
