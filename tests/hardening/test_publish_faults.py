"""Publishing through faults, to real Pushpin with real WebSocket subscribers: nothing silently lost.

A FaultProxy (tests/support/faults.py) sits in front of Pushpin's publish port and resets
connections after reading a request, answers bursts of 5xx, or holds requests past the
Publisher's read timeout (and forwards them afterwards, as a slow network would); Pushpin is also
restarted in the middle of a run. Every publish must either return (the proxy accepted it) or
raise PublishError, and the subscribers count what arrives: every accepted item arrives, and the
only extra deliveries are items whose request timed out and still landed (publishing is
at-least-once).

Pushpin 1.36 does not make those duplicates go away with `id`/`prev_id`: an item whose prev-id is
not the channel's last id is held for `message_wait` and then delivered anyway (WebSocket and
HTTP-stream subscribers alike). Exactly-once needs the id in the content and clients that skip
ids they have seen; `test_ids_...` checks that the first arrivals are then each item once, in
order.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from faas_grip.dev.pushpin import Pushpin
from faas_grip.errors import PublishError
from faas_grip.protocol.formats import WebSocketMessageFormat
from faas_grip.publishing import Publisher
from tests.hardening.conftest import Figures, scaled
from tests.support.clients import websocket_client
from tests.support.faults import Fault, FaultProxy
from tests.support.grip_backend import GripBackend

pytestmark = pytest.mark.pushpin

READ_TIMEOUT = 0.3
LIMITS = {
    "connect_timeout": 0.5,
    "read_timeout": READ_TIMEOUT,
    "attempts": 3,
    "backoff": 0.02,
    "deadline": 5.0,
}
LATE = READ_TIMEOUT * 3  # a delay fault: the request reaches Pushpin after the client gave up


MESSAGE_WAIT = (
    1.0  # Pushpin's message_wait (5 s by default): how long it holds an item out of sequence
)


@pytest.fixture
def pushpin(pushpin_factory: Callable[..., Pushpin]) -> Iterator[Pushpin]:
    with GripBackend() as backend:
        yield pushpin_factory(routes=[backend.route], message_wait_ms=int(MESSAGE_WAIT * 1000))


@pytest.fixture
def proxy(pushpin: Pushpin) -> Iterator[FaultProxy]:
    with FaultProxy(pushpin.control_uri) as proxy:
        yield proxy


class Subscriber:
    """A WebSocket client subscribed to a channel, recording every message on a thread."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.received: list[str] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            for message in self.ws:
                self.received.append(str(message))

    def items(self) -> list[int]:
        return [int(m.split()[1]) for m in self.received if m.startswith("item ")]


@contextlib.contextmanager
def subscribers(pushpin: Pushpin, channel: str, count: int) -> Iterator[list[Subscriber]]:
    with contextlib.ExitStack() as stack:
        yield [
            Subscriber(stack.enter_context(websocket_client(pushpin, channel)))
            for _ in range(count)
        ]


def settle(subs: list[Subscriber], expected: set[int], timeout: float) -> None:
    """Wait until every subscriber has every `expected` item, then for late duplicates."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(expected <= set(s.items()) for s in subs):
        time.sleep(0.05)
    time.sleep(LATE + MESSAGE_WAIT + 0.5)


def fault_plan(rng: random.Random) -> list[Fault | None]:
    """Faults for one publish's requests: mostly none, else resets, 5xx bursts, late answers."""
    roll = rng.random()
    if roll < 0.55:
        return []
    if roll < 0.70:
        return [Fault.reset()]
    if roll < 0.85:
        return [Fault.status(rng.choice((500, 502, 503, 504)))] * rng.randint(1, 4)
    if roll < 0.95:
        return [Fault.delay(LATE)]
    return [Fault.reset(), Fault.status(503)]


@dataclass
class Run:
    """What a run of publishes did: per item, its outcome and the faults its requests met."""

    outcomes: dict[int, str] = field(default_factory=dict)
    faults: dict[int, list[str]] = field(default_factory=dict)
    retries: int = 0  # PublishErrors met and published again
    seconds: float = 0.0

    @property
    def succeeded(self) -> set[int]:
        return {i for i, outcome in self.outcomes.items() if outcome == "ok"}

    @property
    def failed(self) -> set[int]:
        return {i for i, outcome in self.outcomes.items() if outcome == "PublishError"}

    @property
    def late(self) -> set[int]:
        """Items one of whose requests reached Pushpin after the Publisher gave up on it."""
        return {i for i, seen in self.faults.items() if any(f.startswith("delay") for f in seen)}


def publish_once(
    publisher: Publisher, proxy: FaultProxy, channel: str, index: int, run: Run, **ids: str | None
) -> bool:
    """Publish item `index`; record "ok" or "PublishError" (anything else fails the test)."""
    first = len(proxy.seen)
    try:
        publisher.publish(channel, WebSocketMessageFormat(f"item {index}"), **ids)
    except PublishError as exc:
        assert len(exc.failures) == 1 and exc.status == 502
        run.outcomes[index] = "PublishError"
    else:
        run.outcomes[index] = "ok"
    run.faults.setdefault(index, []).extend(proxy.seen[first:])
    return run.outcomes[index] == "ok"


def fault_figures(figures: Figures, proxy: FaultProxy, run: Run, clients: int) -> None:
    figures["publishes"] = len(run.outcomes)
    figures["subscribers"] = clients
    figures["publish requests"] = len(proxy.seen)
    figures["faults injected"] = dict(Counter(seen.split()[0] for seen in proxy.seen))
    figures["seconds publishing"] = round(run.seconds, 1)


def test_every_accepted_item_reaches_every_subscriber_through_faults(
    pushpin: Pushpin, proxy: FaultProxy, figures: Figures
) -> None:
    items, clients = scaled(60, 1000), scaled(3, 20)
    rng = random.Random(8)
    run = Run()
    with subscribers(pushpin, "faults", clients) as subs, Publisher(proxy.url, **LIMITS) as pub:
        started = time.monotonic()
        for index in range(items):
            proxy.plan(*fault_plan(rng))
            publish_once(pub, proxy, "faults", index, run)
        run.seconds = time.monotonic() - started
        settle(subs, run.succeeded, timeout=30)
    duplicates = 0
    failed_but_delivered: set[int] = set()
    for sub in subs:
        counts = Counter(sub.items())
        assert run.succeeded <= set(counts), "an accepted item never arrived"
        extra = {i for i, n in counts.items() if n > 1} | (set(counts) & run.failed)
        assert extra <= run.late, "an extra delivery without a late request"
        duplicates += sum(n - 1 for n in counts.values())
        failed_but_delivered |= set(counts) & run.failed
    fault_figures(figures, proxy, run, clients)
    figures["accepted, each delivered to every subscriber"] = len(run.succeeded)
    figures["PublishError"] = len(run.failed)
    figures["PublishError, delivered all the same (late request)"] = len(failed_but_delivered)
    figures["duplicate deliveries (late request, then the retry)"] = duplicates


def test_ids_let_clients_see_each_item_once_in_order_through_faults(
    pushpin: Pushpin, proxy: FaultProxy, figures: Figures
) -> None:
    items, clients = scaled(60, 1000), scaled(3, 20)
    rng = random.Random(9)
    run = Run()
    with subscribers(pushpin, "chain", clients) as subs, Publisher(proxy.url, **LIMITS) as pub:
        started = time.monotonic()
        prev_id = None
        for index in range(items):
            if index:  # the chain's first item lands once: there is no id before it to check
                proxy.plan(*fault_plan(rng))
            for _ in range(20):
                if publish_once(pub, proxy, "chain", index, run, id=str(index), prev_id=prev_id):
                    break
                run.retries += 1  # published again with the same id and prev-id
            else:
                pytest.fail(f"item {index} was never accepted")
            prev_id = str(index)
        run.seconds = time.monotonic() - started
        settle(subs, set(range(items)), timeout=30)
    duplicates = 0
    for sub in subs:
        received = sub.items()
        assert list(dict.fromkeys(received)) == list(range(items))  # skipping seen ids
        duplicates += len(received) - items
        assert {i for i, n in Counter(received).items() if n > 1} <= run.late
    fault_figures(figures, proxy, run, clients)
    figures["PublishError, published again with the same id"] = run.retries
    figures["each item first arrived once, in order"] = f"{items} items x {clients} subscribers"
    figures["duplicates all the same (late request held for message_wait)"] = duplicates


def test_pushpin_delivers_an_item_out_of_sequence_after_message_wait(pushpin: Pushpin) -> None:
    # What the two tests above rely on, observed: prev-id orders items but does not drop them.
    with subscribers(pushpin, "seq", 1) as (sub,), Publisher(pushpin.control_uri) as pub:
        for index, prev_id in ((1, None), (2, "1"), (3, "2"), (2, "1")):
            pub.publish(
                "seq", WebSocketMessageFormat(f"item {index}"), id=str(index), prev_id=prev_id
            )
        settle([sub], {1, 2, 3}, timeout=10)
    assert sub.items() == [1, 2, 3, 2]


def test_pushpin_restart_mid_run_loses_nothing_accepted_while_subscribed(
    pushpin: Pushpin, proxy: FaultProxy, figures: Figures
) -> None:
    rounds, per_phase, clients = scaled(1, 5), scaled(20, 100), scaled(3, 10)
    # During the restart, publishes alternate between a Publisher that retries for about 1.5 s
    # and one that tries once: both outcomes are allowed, nothing else is.
    patient = Publisher(proxy.url, **{**LIMITS, "attempts": 5, "backoff": 0.1})
    hasty = Publisher(proxy.url, **{**LIMITS, "attempts": 1})
    window: dict[str, Counter[str]] = {"retrying": Counter(), "one try": Counter()}
    with patient, hasty:
        for round_ in range(rounds):
            channel = f"restart-{round_}"
            run = Run()
            with subscribers(pushpin, channel, clients) as subs:
                before = range(per_phase)
                for index in before:
                    publish_once(patient, proxy, channel, index, run)
                settle(subs, run.succeeded, timeout=15)
                restarter = threading.Thread(target=pushpin.restart)
                restarter.start()
                index = per_phase
                while restarter.is_alive() or index < 2 * per_phase:  # during the restart
                    kind, pub = ("retrying", patient) if index % 2 else ("one try", hasty)
                    started = time.monotonic()
                    publish_once(pub, proxy, channel, index, run)
                    assert time.monotonic() - started < LIMITS["deadline"] + 1  # never hangs
                    window[kind][run.outcomes[index]] += 1
                    index += 1
                restarter.join()
                for sub in subs:  # the restart closed them: what they had is final
                    assert run.succeeded & set(before) <= set(sub.items())
            with subscribers(pushpin, channel, clients) as subs:
                after = set(range(index, index + per_phase))
                for index in sorted(after):
                    publish_once(patient, proxy, channel, index, run)
                assert after <= run.succeeded  # Pushpin is back: nothing fails
                settle(subs, after, timeout=15)
                for sub in subs:
                    assert after <= set(sub.items())
    figures["restarts"] = rounds
    figures["subscribers"] = clients
    for kind, outcomes in window.items():
        figures[f"publishes during the restarts, {kind}"] = dict(outcomes)
    figures["accepted before a restart or after resubscribing: all delivered"] = (
        rounds * per_phase * 2
    )
