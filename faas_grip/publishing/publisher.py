"""Publisher: send items to every configured GRIP proxy, synchronously.

Lambda freezes the function when the handler returns, so nothing is left to a background
thread: a publish returns when every proxy accepted the items, or raises PublishError naming
each proxy that did not. Several proxies are published to in parallel (the first in the
calling thread, the others on a small pool kept for the process).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from types import TracebackType
from typing import Any, Protocol

from faas_grip.aws.websocket_api.config import connections_table
from faas_grip.errors import GripConfigError, PublishError, PublishFailure
from faas_grip.protocol.formats import FormatsArg, Item
from faas_grip.protocol.instruct import check_name
from faas_grip.protocol.url import GripConfig
from faas_grip.publishing.transport import Limits, ProxyClient
from faas_grip.settings import Settings, get_settings, proxy_config

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
ATTEMPTS = 3
BACKOFF = 0.2
DEADLINE = 10.0
MAX_BODY_BYTES = 1_000_000  # Pushpin refuses larger publish requests
LAMBDA_RESERVE = 0.5  # seconds lambda_deadline() keeps for the handler to answer

ProxyArg = GripConfig | str | Mapping[str, Any]
ProxiesArg = ProxyArg | Iterable[ProxyArg]

_BODY_START = b'{"items":['
_BODY_END = b"]}"


class _LambdaContext(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


_invocation_deadline: ContextVar[float | None] = ContextVar("faas_grip_deadline", default=None)


@contextlib.contextmanager
def lambda_deadline(context: _LambdaContext) -> Iterator[None]:
    """Within this block, no publish outlives the Lambda invocation.

    Publishes stop retrying (and raise PublishError) half a second before the invocation's time
    runs out, leaving the handler time to answer.
    """
    remaining = context.get_remaining_time_in_millis() / 1000 - LAMBDA_RESERVE
    token = _invocation_deadline.set(time.monotonic() + remaining)
    try:
        yield
    finally:
        _invocation_deadline.reset(token)


def invocation_deadline(context: object) -> contextlib.AbstractContextManager[None]:
    """`lambda_deadline(context)` for a Lambda context; nothing for anything else (None, a
    test's stand-in). The decorators run every handler inside it."""
    if callable(getattr(context, "get_remaining_time_in_millis", None)):
        return lambda_deadline(context)  # type: ignore[arg-type]
    return _NO_DEADLINE


_NO_DEADLINE = contextlib.nullcontext()  # reusable: it holds no state


class Publisher:
    """Publishes to one or several GRIP proxies.

    `proxies`: a GRIP URL, a GripConfig, a config mapping (control_uri, control_iss, key), or a
    list of them; None (the default) follows the process settings (GRIP_URL, GRIP_PROXIES,
    GRIP_URL_SECRET, GRIP_URL_PARAMETER), including a rotated secret. `prefix` is added to every
    channel; None takes GRIP_PREFIX.

    Each attempt has `connect_timeout` and `read_timeout` (seconds); a failed attempt (connection
    error, timeout, 5xx) is retried up to `attempts` tries in all, waiting `backoff`·[0.5, 1)
    seconds doubled after each retry. One call never takes longer than `deadline` seconds (None:
    only the attempts bound it), nor past a `lambda_deadline`, however slowly a proxy answers.
    `publish_many` splits its items into requests of at most `max_body_bytes`.
    """

    def __init__(
        self,
        proxies: ProxiesArg | None = None,
        *,
        prefix: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF,
        deadline: float | None = DEADLINE,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        for value, what in (
            (connect_timeout, "connect_timeout"),
            (read_timeout, "read_timeout"),
            (deadline, "deadline"),
        ):
            if value is not None and not value > 0:
                raise ValueError(f"{what} must be a positive number of seconds, not {value!r}")
        if not isinstance(attempts, int) or attempts < 1:
            raise ValueError(f"attempts must be an integer >= 1, not {attempts!r}")
        if not backoff >= 0:
            raise ValueError(f"backoff must be >= 0 seconds, not {backoff!r}")
        if max_body_bytes < 1024:
            raise ValueError(f"max_body_bytes must be at least 1024, not {max_body_bytes!r}")
        if prefix:
            check_name(prefix, "channel prefix")
        self.limits = Limits(connect_timeout, read_timeout, attempts, backoff)
        self.deadline = deadline
        self.max_body_bytes = max_body_bytes
        self._prefix = prefix
        self._fixed = None if proxies is None else _configs(proxies)
        if self._fixed == []:
            raise GripConfigError("Publisher needs at least one GRIP proxy")
        self._lock = threading.Lock()
        self._clients: list[ProxyClient] = []
        self._settings: Settings | None = None  # the settings self._clients follow
        self._pool: ThreadPoolExecutor | None = None
        self._pool_size = 0
        if self._fixed is not None:
            self._clients = [ProxyClient(c, self.limits) for c in self._fixed]

    @property
    def proxies(self) -> list[GripConfig]:
        """The proxies the next publish goes to."""
        return [client.config for client in self._resolve()[0]]

    def publish(
        self,
        channel: str,
        formats: FormatsArg,
        *,
        id: str | None = None,
        prev_id: str | None = None,
        meta: Mapping[str, str] | None = None,
        sender: str | None = None,
    ) -> None:
        """Publish one item (one format or several) to `channel` on every proxy.

        `sender` names who sent it: subscribers with the `skip-self` filter whose `user` is the
        same do not get it (see Item for the other filter options)."""
        item = Item(formats, id=id, prev_id=prev_id, meta=meta, sender=sender)
        self.publish_many([(channel, item)])

    def publish_many(self, items: Iterable[tuple[str, Item]]) -> None:
        """Publish (channel, Item) pairs in order, in as few requests as the size limit allows.

        With GRIP_CONNECTIONS_TABLE set, a Publisher following the settings also posts them to
        the channels' API Gateway WebSocket connections (faas_grip.aws.websocket_api)."""
        if self._fixed is None and connections_table() is not None:
            from faas_grip.aws.websocket_api.fanout import publish_with_connections

            publish_with_connections(self, list(items))
            return
        self._publish_proxies(items)

    def _publish_proxies(self, items: Iterable[tuple[str, Item]]) -> None:
        clients, prefix = self._resolve()
        encoded = [_encode(prefix, entry) for entry in items]
        if not encoded:
            return
        bodies = _bodies(encoded, self.max_body_bytes)
        deadline = self._deadline()
        failures = self._send(clients, bodies, deadline)
        if failures:
            cause = next((f.exception for f in failures if f.exception is not None), None)
            raise PublishError(failures, len(clients)) from cause

    async def apublish(
        self,
        channel: str,
        formats: FormatsArg,
        *,
        id: str | None = None,
        prev_id: str | None = None,
        meta: Mapping[str, str] | None = None,
        sender: str | None = None,
    ) -> None:
        """`publish` for async code: the same requests, deadline and retries, run in a worker
        thread so the event loop keeps serving. Cancelling the await does not recall a
        publish already sent."""
        import asyncio  # not on import: Lambda functions without async code never need it

        await asyncio.to_thread(
            self.publish, channel, formats, id=id, prev_id=prev_id, meta=meta, sender=sender
        )

    async def apublish_many(self, items: Iterable[tuple[str, Item]]) -> None:
        """`publish_many` for async code (as for apublish)."""
        import asyncio

        await asyncio.to_thread(self.publish_many, list(items))

    def close(self) -> None:
        """Close the proxies' connections and the thread pool (a later publish reopens them)."""
        with self._lock:
            clients, pool = self._clients, self._pool
            self._pool, self._pool_size = None, 0
            if self._fixed is None:
                self._clients, self._settings = [], None
        for client in clients:
            client.close()
        if pool is not None:
            pool.shutdown(wait=True)

    def __enter__(self) -> Publisher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        proxies = [c.control_uri for c in self._fixed] if self._fixed is not None else "settings"
        return f"Publisher({proxies!r}, prefix={self._prefix!r}, limits={self.limits})"

    # -- internals ---------------------------------------------------------------------------

    def _resolve(self) -> tuple[list[ProxyClient], str]:
        if self._fixed is not None and self._prefix is not None:
            return self._clients, self._prefix
        settings = get_settings()
        prefix = self._prefix if self._prefix is not None else settings.prefix
        if self._fixed is not None:
            return self._clients, prefix
        with self._lock:
            if settings is not self._settings:
                self._follow(settings)
            return self._clients, prefix

    def _follow(self, settings: Settings) -> None:
        # Keep the clients (and their open connections) of proxies that did not change.
        if not settings.proxies:
            raise GripConfigError(
                "no GRIP proxy is configured: set GRIP_URL (or GRIP_PROXIES, GRIP_URL_SECRET, "
                "GRIP_URL_PARAMETER), or give the proxies to Publisher(...)"
            )
        current = {client.config: client for client in self._clients}
        clients = []
        for config in dict.fromkeys(settings.proxies):
            kept = current.pop(config) if config in current else None
            clients.append(kept or ProxyClient(config, self.limits))
        for dropped in current.values():
            dropped.close()
        self._clients, self._settings = clients, settings

    def _deadline(self) -> float:
        deadline = float("inf") if self.deadline is None else time.monotonic() + self.deadline
        invocation = _invocation_deadline.get()
        return deadline if invocation is None else min(deadline, invocation)

    def _send(
        self, clients: list[ProxyClient], bodies: list[tuple[bytes, int]], deadline: float
    ) -> list[PublishFailure]:
        first, others = clients[0], clients[1:]
        if not others:  # the usual case: no thread hop
            failure = first.send(bodies, deadline)
            return [] if failure is None else [failure]
        with self._lock:
            # Submitted under the lock that replaces or closes the pool: never to a pool that
            # another thread has just shut down (a rotated proxy list, close()).
            pool = self._executor(len(others))
            futures = [pool.submit(client.send, bodies, deadline) for client in others]
        results = []
        try:
            results.append(first.send(bodies, deadline))
        finally:
            # Never return while a request is still in flight (Lambda would freeze it).
            results.extend(future.result() for future in futures)
        return [failure for failure in results if failure is not None]

    def _executor(self, size: int) -> ThreadPoolExecutor:
        # Called with self._lock held.
        if self._pool is None or self._pool_size < size:
            if self._pool is not None:
                # Tasks already queued still run: every publish waits for its own.
                self._pool.shutdown(wait=False)
            self._pool = ThreadPoolExecutor(size, thread_name_prefix="faas-grip-publish")
            self._pool_size = size
        return self._pool


def _configs(proxies: ProxiesArg) -> list[GripConfig]:
    if isinstance(proxies, (GripConfig, str, Mapping)):
        proxies = [proxies]
    configs = [p if isinstance(p, GripConfig) else proxy_config(p) for p in proxies]
    return list(dict.fromkeys(configs))


def _encode(prefix: str, entry: tuple[str, Item]) -> tuple[bytes, str]:
    try:
        channel, item = entry
    except (TypeError, ValueError):
        raise TypeError(f"publish_many takes (channel, Item) pairs, got {entry!r}") from None
    if not isinstance(item, Item):
        raise TypeError(f"publish_many takes (channel, Item) pairs, got {type(item).__name__}")
    name = prefix + check_name(channel, "channel name")
    data = json.dumps(item.export(name, prefix), separators=(",", ":"), ensure_ascii=False)
    return data.encode("utf-8"), name


def _bodies(encoded: list[tuple[bytes, str]], limit: int) -> list[tuple[bytes, int]]:
    """Pack encoded items into `{"items": [...]}` bodies of at most `limit` bytes, in order."""
    room = limit - len(_BODY_START) - len(_BODY_END)
    bodies: list[tuple[bytes, int]] = []
    chunk: list[bytes] = []
    size = 0
    for index, (data, channel) in enumerate(encoded):
        if len(data) > room:
            raise ValueError(
                f"item {index} (channel {channel!r}) is {len(data)} bytes as JSON; a publish "
                f"request holds at most {limit} bytes: send its content in several items"
            )
        if chunk and size + 1 + len(data) > room:
            bodies.append((_BODY_START + b",".join(chunk) + _BODY_END, len(chunk)))
            chunk, size = [], 0
        size += len(data) + (1 if chunk else 0)
        chunk.append(data)
    bodies.append((_BODY_START + b",".join(chunk) + _BODY_END, len(chunk)))
    return bodies


_default: Publisher | None = None
_default_lock = threading.Lock()


def _default_publisher() -> Publisher:
    # The process's Publisher behind publish(): it follows the settings, with default limits.
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Publisher()
    return _default


def publish(
    channel: str,
    formats: FormatsArg,
    *,
    id: str | None = None,
    prev_id: str | None = None,
    meta: Mapping[str, str] | None = None,
    sender: str | None = None,
) -> None:
    """Publish one item to `channel` on every configured proxy; raise PublishError if any
    did not accept it. See Publisher for the configuration and limits, and Publisher.publish
    for `sender`."""
    _default_publisher().publish(channel, formats, id=id, prev_id=prev_id, meta=meta, sender=sender)


def publish_many(items: Iterable[tuple[str, Item]]) -> None:
    """Publish (channel, Item) pairs in order on every configured proxy."""
    _default_publisher().publish_many(items)


async def apublish(
    channel: str,
    formats: FormatsArg,
    *,
    id: str | None = None,
    prev_id: str | None = None,
    meta: Mapping[str, str] | None = None,
    sender: str | None = None,
) -> None:
    """`await apublish(...)`: `publish` without blocking the event loop (a worker thread
    sends it, with the caller's publish deadline); raises PublishError as publish does."""
    await _default_publisher().apublish(
        channel, formats, id=id, prev_id=prev_id, meta=meta, sender=sender
    )


async def apublish_many(items: Iterable[tuple[str, Item]]) -> None:
    """`publish_many` without blocking the event loop (as for apublish)."""
    await _default_publisher().apublish_many(items)
