"""A measuring process for one side, run with that side's Python (its own virtualenv).

    PYTHON benchmarks/worker.py SIDE

Reads one JSON request per line on stdin, answers one JSON line on stdout: `{"ok": result}` or
`{"error": "..."}`. Each timing request is one sample (the mean per call of a loop that runs for
at least `min_time` seconds); the driver alternates the sides round by round and takes medians.
Only the standard library is imported at the top (see workload.py).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from workload import CHANNEL, SIDES, echo_handler, mix_events

OURS = "faas-grip"


def per_call(func: Callable[[], object], min_time: float) -> float:
    """Mean seconds per call of `func`, called until `min_time` seconds went by (once at least)."""
    calls = 0
    start = time.perf_counter()
    while True:
        func()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / calls


# -- codec -----------------------------------------------------------------------------------


def _wire(pairs: list[tuple[str, bytes]]) -> tuple[list[bytes], list[tuple[int, int]]]:
    """The body's pieces (for b"".join) and each content's offsets (for slicing)."""
    pieces, offsets, at = [], [], 0
    for kind, content in pairs:
        head = f"{kind} {len(content):x}\r\n".encode("ascii")
        pieces += [head, content, b"\r\n"]
        offsets.append((at + len(head), at + len(head) + len(content)))
        at += len(head) + len(content) + 2
    return pieces, offsets


def codec_calls(
    impl: str, pairs: list[tuple[str, bytes]]
) -> tuple[Callable[[], object], Callable[[], object]]:
    """(encode, decode) of `pairs` with `impl`: "faas-grip", "gripcontrol" or "bound"."""
    pieces, offsets = _wire(pairs)
    body = b"".join(pieces)
    contents = [content for _, content in pairs]
    if impl == "bound":
        # The floor: produce the same bytes / take the same contents out, and nothing else.
        def encode() -> object:
            return b"".join(pieces)

        def decode() -> object:
            return [body[a:b] for a, b in offsets]

    elif impl == "faas-grip":
        from faas_grip import WebSocketEvent, decode_events, encode_events

        events = [WebSocketEvent(kind, content) for kind, content in pairs]

        def encode() -> object:
            return encode_events(events)

        def decode() -> object:
            return decode_events(body)

        assert [e.content for e in decode_events(body)] == contents
    elif impl == "gripcontrol":
        import gripcontrol

        legacy = [gripcontrol.WebSocketEvent(kind, content) for kind, content in pairs]

        def encode() -> object:
            return gripcontrol.encode_websocket_events(legacy)

        def decode() -> object:
            return gripcontrol.decode_websocket_events(body)

        assert [e.content for e in gripcontrol.decode_websocket_events(body)] == contents
    else:
        raise ValueError(f"unknown codec implementation {impl!r}")
    assert encode() == body  # the same work on every side
    return encode, decode


# -- publishing ------------------------------------------------------------------------------


class Publishing:
    """This side's publishing clients, kept across requests as a warm Lambda keeps them."""

    def __init__(self, side: str) -> None:
        self.side = side
        self._clients: dict[str, Any] = {}

    def _client(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._clients:
            self._clients[key] = make()
        return self._clients[key]

    def _ours(self, proxies: list[dict[str, str]]) -> Any:
        from faas_grip.publishing import Publisher

        urls = [p["grip_url"] for p in proxies]
        return self._client("ours " + " ".join(urls), lambda: Publisher(urls))

    def _pubcontrol(self, proxies: list[dict[str, str]]) -> Any:
        from pubcontrol import PubControl

        configs = [{"uri": p["control_uri"], "iss": p["iss"], "key": p["key"]} for p in proxies]
        return self._client("pc " + json.dumps(configs), lambda: PubControl(configs))

    def one(self, proxies: list[dict[str, str]]) -> Callable[[], None]:
        """A blocking publish of one small item to every proxy in `proxies`."""
        if self.side == OURS:
            from faas_grip import WebSocketMessageFormat

            publisher, fmt = self._ours(proxies), WebSocketMessageFormat("hello")
            return lambda: publisher.publish(CHANNEL, fmt)
        from gripcontrol import WebSocketMessageFormat as LegacyFormat
        from pubcontrol import Item as LegacyItem

        if self.side == "faas-grip-1.0.1":  # its module-level publish(), configured by GRIP_URL
            import faas_grip

            os.environ["GRIP_URL"] = proxies[0]["anchor_url"]
            return lambda: faas_grip.publish(CHANNEL, LegacyFormat("hello"))
        pubcontrol = self._pubcontrol(proxies)
        return lambda: pubcontrol.publish(CHANNEL, LegacyItem(LegacyFormat("hello")), blocking=True)

    def sequential(self, proxies: list[dict[str, str]], n: int) -> float:
        """Seconds for `n` blocking publishes, one after the other."""
        publish = self.one(proxies)
        start = time.perf_counter()
        for _ in range(n):
            publish()
        return time.perf_counter() - start

    def batch(self, proxy: dict[str, str], n: int) -> float:
        """Seconds to hand `n` items to the proxy and know them accepted, the library's best way."""
        if self.side == OURS:
            from faas_grip import Item, WebSocketMessageFormat

            publisher = self._ours([proxy])
            items = [(CHANNEL, Item(WebSocketMessageFormat(f"message {i}"))) for i in range(n)]
            start = time.perf_counter()
            publisher.publish_many(items)
            return time.perf_counter() - start
        # pubcontrol's batching: non-blocking publishes queue on a thread that sends up to 10
        # items per request; wait_all_sent() returns when the queue is empty.
        from gripcontrol import WebSocketMessageFormat as LegacyFormat
        from pubcontrol import Item as LegacyItem

        pubcontrol = self._pubcontrol([proxy])
        items = [LegacyItem(LegacyFormat(f"message {i}")) for i in range(n)]
        start = time.perf_counter()
        for item in items:
            pubcontrol.publish(CHANNEL, item, blocking=False)
        pubcontrol.wait_all_sent()
        return time.perf_counter() - start

    def two(self, proxies: list[dict[str, str]], mode: str, n: int) -> float:
        """Seconds per publish of one item to both `proxies`: "parallel" or "sequential"."""
        if self.side == OURS:
            if mode == "parallel":  # one Publisher for both: it sends to them at once
                publish = self.one(proxies)
            else:
                first, second = self.one(proxies[:1]), self.one(proxies[1:])

                def publish() -> None:
                    first()
                    second()

        elif mode == "sequential":  # PubControl's blocking publish visits its clients in turn
            publish = self.one(proxies)
        else:  # non-blocking: one thread per client; wait_all_sent() joins them
            from gripcontrol import WebSocketMessageFormat as LegacyFormat
            from pubcontrol import Item as LegacyItem

            pubcontrol = self._pubcontrol(proxies)

            def publish() -> None:
                pubcontrol.publish(CHANNEL, LegacyItem(LegacyFormat("hello")), blocking=False)
                pubcontrol.wait_all_sent()

        publish()  # connections open before the clock starts
        start = time.perf_counter()
        for _ in range(n):
            publish()
        return (time.perf_counter() - start) / n

    def publish_many_vs_single(
        self, proxy: dict[str, str], n: int, rounds: int
    ) -> dict[str, float]:
        """benchmarks/bench_publish.py's `batch`: publish_many of n items vs n single requests."""
        from bench_publish import batch

        return batch(SimpleNamespace(grip_url=proxy["grip_url"]), n, rounds)


# -- the request loop ------------------------------------------------------------------------


class Worker:
    def __init__(self, side: str) -> None:
        if side not in SIDES:
            raise SystemExit(f"unknown side {side!r}; expected one of {SIDES}")
        self.side = side
        self.events: dict[str, Any] = {}
        self._handler: Callable[[Any, Any], Any] | None = None
        self.codecs: dict[tuple[str, str, float], tuple[Callable[[], Any], ...]] = {}
        self.publishing = Publishing(side)
        logging.getLogger("faas_grip").setLevel(logging.ERROR)  # the one-time no-key warning

    def info(self) -> dict[str, Any]:
        from importlib.metadata import version

        names = ("faas-grip", "PyJWT", "requests")
        if self.side != OURS:  # .venv has them too (test dependencies), but faas-grip uses neither
            names = ("faas-grip", "gripcontrol", "pubcontrol", "six", "PyJWT", "requests")
        versions = {}
        for name in names:
            try:
                versions[name] = version(name)
            except Exception:
                continue
        return {
            "side": self.side,
            "python": sys.version.split()[0],
            "executable": sys.executable,
            "versions": versions,
        }

    def handler(self) -> Callable[[Any, Any], Any]:
        if self._handler is None:
            self._handler = echo_handler(self.side)
        return self._handler

    def load_event(self, key: str, event: Any) -> None:
        self.events[key] = event

    def reply(self, key: str) -> Any:
        return self.handler()(self.events[key], None)

    def unshimmed_failure(self, key: str) -> str | None:
        """How 1.0.1's `lambda_get_websocket` fails on the event as it comes (no shim), or None."""
        if self.side == OURS:
            return None
        import faas_grip

        try:
            faas_grip.lambda_get_websocket(self.events[key])
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    def warm(self, key: str, min_time: float) -> float:
        handler, event = self.handler(), self.events[key]
        return per_call(lambda: handler(event, None), min_time)

    def codec(
        self, impl: str, mix: str, action: str, min_time: float, scale: float = 1.0
    ) -> dict[str, Any]:
        if impl != "bound" and impl != "gripcontrol" and impl != self.side:
            raise ValueError(f"the {self.side} worker cannot run the {impl} codec")
        key = (impl, mix, scale)
        if key not in self.codecs:
            self.codecs[key] = codec_calls(impl, mix_events(mix, scale))
        encode, decode = self.codecs[key]
        func = encode if action == "encode" else decode
        body_bytes = len(encode())
        return {"seconds": per_call(func, min_time), "body_bytes": body_bytes}

    def publish(self, kind: str, **args: Any) -> Any:
        return getattr(self.publishing, kind)(**args)


def main() -> None:
    worker = Worker(sys.argv[1])
    out = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        op = request.pop("op")
        try:
            result = getattr(worker, op)(**request)
            answer = json.dumps({"ok": result})
        except Exception as exc:
            answer = json.dumps({"error": f"{type(exc).__name__}: {exc}"})
        out.write(answer + "\n")
        out.flush()


if __name__ == "__main__":
    main()
