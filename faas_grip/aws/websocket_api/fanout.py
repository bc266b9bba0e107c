"""Publishing to API Gateway WebSocket connections: one post per subscribed connection.

A GRIP proxy fans a publish out itself; API Gateway has no channels, so this does what the
proxy would: read each channel's subscribers (one Query per channel), apply the subscription
filters Pushpin applies (skip-self, skip-users, require-sub), and post each connection its
messages in order, connections in parallel (clients.FANOUT_WORKERS at a time). A connection
that answers 410 Gone is forgotten. Nothing outlives the invocation: posts not started before
the deadline are reported as failures, never left running.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from faas_grip.aws.websocket_api import clients
from faas_grip.aws.websocket_api.connections import Connection, ConnectionStore, Subscriber
from faas_grip.aws.websocket_api.context import MAX_MESSAGE_BYTES
from faas_grip.errors import GripError, PublishError, PublishFailure
from faas_grip.protocol.filters import (
    REQUIRE_SUB,
    REQUIRE_SUB_META,
    SENDER,
    SKIP_SELF,
    SKIP_USERS,
    SKIP_USERS_META,
    USER,
)
from faas_grip.protocol.formats import Item, WebSocketMessageFormat
from faas_grip.protocol.instruct import check_name

logger = logging.getLogger("faas_grip")

# A connection subscribes in $connect, before API Gateway has established it: a post in that
# moment answers 410. Such a young connection is not forgotten for being Gone.
GONE_GRACE_MS = 30_000
CONNECTION = "API Gateway connection "  # how a failed connection is named in PublishFailure
_CLOSE = None  # a message that ends the connection (a ws-message format with close=True)

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


class FanOutError(PublishError):
    """Some API Gateway connections (and/or GRIP proxies) did not get a publish.

    `failures` names each one (`proxy` holds `API Gateway connection {id}` or the proxy's URI);
    connections that answered 410 Gone are not failures: they were forgotten.
    """

    def __init__(self, failures: list[PublishFailure], connections: int, proxies: int) -> None:
        # PublishError's message speaks of proxies only: this one names connections too.
        GripError.__init__(self, _message(failures, connections, proxies))
        self.failures = list(failures)


def _message(failures: list[PublishFailure], connections: int, proxies: int) -> str:
    conn_failures = [f for f in failures if f.proxy.startswith(CONNECTION)]
    proxy_failures = [f for f in failures if f not in conn_failures]
    parts = []
    if conn_failures:
        shown = "; ".join(f"{f.proxy[len(CONNECTION) :]} {f.reason()}" for f in conn_failures[:5])
        more = f"; and {len(conn_failures) - 5} more" if len(conn_failures) > 5 else ""
        parts.append(
            f"{len(conn_failures)} of {connections} API Gateway connections ({shown}{more})"
        )
    if proxy_failures:
        shown = "; ".join(f"{f.proxy} {f.reason()}" for f in proxy_failures)
        parts.append(f"{len(proxy_failures)} of {proxies} GRIP proxies ({shown})")
    return f"publish failed on {' and on '.join(parts)}; every other target got it"


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                clients.FANOUT_WORKERS, thread_name_prefix="faas-grip-fanout"
            )
        return _pool


def messages(items: Iterable[tuple[str, Item]]) -> list[tuple[str, Item, bytes | None]]:
    """(full channel, item, data to post or _CLOSE) for each item with a ws-message format.

    Checked before anything is posted: ValueError for content API Gateway cannot carry."""
    out: list[tuple[str, Item, bytes | None]] = []
    for index, (channel, item) in enumerate(items):
        fmt = next((f for f in item.formats if isinstance(f, WebSocketMessageFormat)), None)
        if fmt is None:
            continue
        if fmt.close:
            out.append((channel, item, _CLOSE))
            continue
        content = fmt.content if fmt.content is not None else ""
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        if isinstance(content, (bytes, bytearray)):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                raise ValueError(
                    f"item {index} (channel {channel!r}): binary content cannot reach API Gateway "
                    "WebSocket connections (every message is a text frame): publish text"
                ) from None
        if len(data) > MAX_MESSAGE_BYTES:
            raise ValueError(
                f"item {index} (channel {channel!r}) is {len(data)} bytes; API Gateway "
                f"WebSocket messages hold at most {MAX_MESSAGE_BYTES}"
            )
        out.append((channel, item, data))
    return out


def delivers(subscriber: Subscriber, item: Item, row: Connection | None, prefix: str = "") -> bool:
    """Whether the subscription's filters let `item` through (faas_grip.protocol.filters).

    `require-sub` checks the connection's own subscriptions, as Pushpin's documentation
    describes it (Pushpin 1.x itself holds no channels for a WebSocket subscriber)."""
    meta = item.meta or {}
    user = row.sub_meta.get(USER) if row is not None else None
    for name in subscriber.filters:
        if name == SKIP_SELF:
            sender = meta.get(SENDER)
            if sender is not None and user is not None and sender == user:
                return False
        elif name == SKIP_USERS:
            skipped = {u.strip() for u in meta.get(SKIP_USERS_META, "").split(",") if u.strip()}
            if user is not None and user in skipped:
                return False
        elif name == REQUIRE_SUB:
            required = meta.get(REQUIRE_SUB_META)
            if required and (row is None or not {required, prefix + required} & row.channels):
                return False
    return True


def fan_out(
    store: ConnectionStore,
    items: list[tuple[str, Item]],
    deadline: float,
    *,
    endpoint: str | None = None,
    prefix: str = "",
) -> tuple[list[PublishFailure], int]:
    """Post `items` (full channel names) to their subscribers; (failures, connections tried).

    `endpoint` (GRIP_WS_ENDPOINT) wins over the endpoint kept with each connection."""
    return _fan_out(store, messages(items), deadline, endpoint, prefix)


def _fan_out(
    store: ConnectionStore,
    batch: list[tuple[str, Item, bytes | None]],
    deadline: float,
    endpoint: str | None,
    prefix: str,
) -> tuple[list[PublishFailure], int]:
    if not batch:
        return [], 0
    subscribers: dict[str, list[Subscriber]] = {}
    for channel, _, _ in batch:
        if channel not in subscribers:
            subscribers[channel] = store.subscribers(channel)
    filtered = {s.connection_id for subs in subscribers.values() for s in subs if s.filters}
    rows = store.get_many(filtered) if filtered and any(i.meta for _, i, _ in batch) else {}
    # Each connection's messages, in publish order.
    plan: dict[str, tuple[Subscriber, list[bytes | None]]] = {}
    for channel, item, data in batch:
        for sub in subscribers[channel]:
            if sub.filters and not delivers(sub, item, rows.get(sub.connection_id), prefix):
                continue
            plan.setdefault(sub.connection_id, (sub, []))[1].append(data)
    if not plan:
        return [], 0
    gone: list[str] = []
    failures: list[PublishFailure] = []
    tasks = list(plan.values())
    if len(tasks) == 1:
        results = [_deliver(tasks[0], deadline, endpoint)]
    else:
        results = list(_executor().map(lambda t: _deliver(t, deadline, endpoint), tasks))
    now_ms = time.time() * 1000
    for (sub, _), result in zip(tasks, results, strict=True):
        if result == "gone":
            if now_ms - sub.at > GONE_GRACE_MS:
                gone.append(sub.connection_id)
        elif isinstance(result, PublishFailure):
            failures.append(result)
    if gone:
        logger.info("forgetting %d gone API Gateway connections", len(gone))
        store.remove(gone)
    return failures, len(tasks)


def _deliver(
    task: tuple[Subscriber, list[bytes | None]], deadline: float, endpoint: str | None
) -> str | PublishFailure | None:
    """Post one connection its messages in order: None when all went, "gone", or a failure."""
    sub, datas = task
    target = endpoint or sub.endpoint
    name = CONNECTION + sub.connection_id
    client: Any = None
    for sent, data in enumerate(datas):
        if time.monotonic() >= deadline:
            return PublishFailure(
                name,
                exception=TimeoutError("the publish deadline passed before it was posted"),
                attempts=0,
                accepted_items=sent,
            )
        try:
            client = client or clients.management(target)
            if data is _CLOSE:
                client.delete_connection(ConnectionId=sub.connection_id)
            else:
                client.post_to_connection(ConnectionId=sub.connection_id, Data=data)
        except Exception as exc:
            if clients.is_gone(exc):
                return "gone"
            _, status = clients.error_code(exc)
            return PublishFailure(name, status=status, exception=exc, accepted_items=sent)
    return None


def publish_with_connections(publisher: Any, items: list[Any]) -> None:
    """`publisher.publish_many(items)` when GRIP_CONNECTIONS_TABLE is set: fan out to the API
    Gateway connections and, when proxies are configured too, publish to them in parallel.

    Raises FanOutError (a PublishError) naming each connection or proxy that failed."""
    from faas_grip.aws.websocket_api.config import websocket_api_config
    from faas_grip.aws.websocket_api.handler import connection_store
    from faas_grip.publishing.publisher import _invocation_deadline
    from faas_grip.settings import get_settings

    store = connection_store()
    assert store is not None  # the publisher checked GRIP_CONNECTIONS_TABLE
    settings = get_settings()
    prefix = publisher._prefix if publisher._prefix is not None else settings.prefix
    full = [(prefix + check_name(channel, "channel name"), item) for channel, item in _pairs(items)]
    batch = messages(full)  # bad content raises here, before anything is sent anywhere
    # A large channel takes longer than a proxy's publish: inside an invocation its deadline
    # alone bounds the fan-out; elsewhere, the publisher's own.
    invocation = _invocation_deadline.get()
    deadline = invocation if invocation is not None else publisher._deadline()
    proxies = len(settings.proxies)
    to_proxies = None
    if proxies:  # on a pool thread, in this context: the invocation's deadline goes along
        run = contextvars.copy_context().run
        to_proxies = _executor().submit(run, publisher._publish_proxies, items)
    failures: list[PublishFailure] = []
    connections = 0
    try:
        failures, connections = _fan_out(
            store, batch, deadline, websocket_api_config().endpoint, prefix
        )
    finally:
        if to_proxies is not None:  # never return while the proxies' publish is in flight
            try:
                to_proxies.result()
            except PublishError as exc:
                failures.extend(exc.failures)
    if failures:
        cause = next((f.exception for f in failures if f.exception is not None), None)
        raise FanOutError(failures, connections, proxies) from cause


def _pairs(items: list[Any]) -> list[tuple[str, Item]]:
    pairs = []
    for entry in items:
        try:
            channel, item = entry
        except (TypeError, ValueError):
            raise TypeError(f"publish_many takes (channel, Item) pairs, got {entry!r}") from None
        if not isinstance(item, Item):
            raise TypeError(f"publish_many takes (channel, Item) pairs, got {type(item).__name__}")
        pairs.append((channel, item))
    return pairs
