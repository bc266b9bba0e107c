"""Publishing throughput against a local Pushpin, beside pubcontrol 3.5's blocking publish.

    .venv/bin/python benchmarks/bench_publish.py [--n 2000] [--rounds 5]

1. Sequential publishes of one small item (a `ws-message` "hello"), JWT auth, keep-alive:
   faas-grip `Publisher.publish` vs pubcontrol `PubControl.publish(blocking=True)`. Rounds
   alternate between the two and the median rate of each is reported (the machine is shared).
2. 1,000 items in one `publish_many` vs 1,000 `publish` calls.

Pushpin runs with its own config on free ports and is stopped at the end.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from faas_grip.dev.pushpin import Pushpin
from faas_grip.protocol.formats import Item, WebSocketMessageFormat
from faas_grip.publishing import Publisher

CHANNEL = "bench"


def _rate(count: int, action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return count / (time.perf_counter() - start)


def sequential(pushpin: Pushpin, n: int = 2000, rounds: int = 5) -> dict[str, float]:
    """Median publishes/s of faas-grip and of pubcontrol, one small item per request."""
    from gripcontrol import WebSocketMessageFormat as PcWebSocketMessageFormat
    from pubcontrol import Item as PcItem
    from pubcontrol import PubControl

    publisher = Publisher(pushpin.grip_url)
    pubcontrol = PubControl(
        {"uri": pushpin.control_uri, "iss": pushpin.sig_iss, "key": pushpin.sig_key}
    )
    fmt = WebSocketMessageFormat("hello")

    def ours(count: int = n) -> None:
        for _ in range(count):
            publisher.publish(CHANNEL, fmt)

    def theirs(count: int = n) -> None:
        for _ in range(count):
            pubcontrol.publish(CHANNEL, PcItem(PcWebSocketMessageFormat("hello")), blocking=True)

    try:
        ours(100), theirs(100)  # warm-up: imports, first connections, first JWT
        faas, pc = [], []
        for _ in range(rounds):
            faas.append(_rate(n, ours))
            pc.append(_rate(n, theirs))
    finally:
        publisher.close()
        pubcontrol.close()
    result = {"faas_grip": statistics.median(faas), "pubcontrol": statistics.median(pc)}
    result["ratio"] = result["faas_grip"] / result["pubcontrol"]
    return result


def batch(pushpin: Pushpin, n: int = 1000, rounds: int = 5) -> dict[str, float]:
    """Median items/s: n items in one publish_many vs n single publishes."""
    items = [(CHANNEL, Item(WebSocketMessageFormat(f"message {i}"))) for i in range(n)]
    with Publisher(pushpin.grip_url) as publisher:
        publisher.publish(CHANNEL, WebSocketMessageFormat("warm-up"))
        many, single = [], []
        for _ in range(rounds):
            many.append(_rate(n, lambda: publisher.publish_many(items)))

            def one_by_one() -> None:
                for channel, item in items:
                    publisher.publish_many([(channel, item)])

            single.append(_rate(n, one_by_one))
    result = {"publish_many": statistics.median(many), "single": statistics.median(single)}
    result["ratio"] = result["publish_many"] / result["single"]
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="publishes per round (sequential)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with Pushpin(routes=["* 127.0.0.1:9,over_http"]) as pushpin:
        seq = sequential(pushpin, args.n, args.rounds)
        many = batch(pushpin, 1000, args.rounds)
    print(
        f"sequential small publishes: faas-grip {seq['faas_grip']:,.0f}/s, "
        f"pubcontrol 3.5 {seq['pubcontrol']:,.0f}/s -> {seq['ratio']:.2f}x (target >= 1.5x)"
    )
    print(
        f"1,000 items: publish_many {many['publish_many']:,.0f} items/s, "
        f"single publishes {many['single']:,.0f} items/s -> {many['ratio']:.1f}x"
    )
    return {"sequential": seq, "batch": many}


if __name__ == "__main__":
    main()
