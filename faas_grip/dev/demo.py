"""`make demo`: examples/chat on the local loop, driven by real clients, with a transcript.

Two WebSocket clients chat (with `/nick`), an HTTP stream client and a long-poll client listen;
every line goes client → Pushpin → local API Gateway → the Lambda handler → Pushpin's publish API
→ every client. Exits 0 when everyone heard everything, 1 (saying what went missing) otherwise,
and leaves nothing running either way.

    python -m faas_grip.dev.demo [--code-dir examples/chat] [--api rest|http|url] [--runtime ...]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from faas_grip.dev.cli import RUNTIME_TITLES
from faas_grip.dev.doors import make_door
from faas_grip.dev.pushpin import PushpinError
from faas_grip.dev.server import DevServer, GatewayError

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

TIMEOUT = 10.0
# Pushpin re-requests a fresh long-poll about a second after the channel's first subscriber;
# a publish landing then could miss it.
LONG_POLL_SETTLE = 1.3


class DemoFailure(Exception):
    """A client did not get what it should have."""


def say(who: str, arrow: str, text: str) -> None:
    print(f"  {who:<12} {arrow} {text}", flush=True)


class StreamClient:
    """GET /stream through Pushpin, read as it arrives."""

    def __init__(self, port: int) -> None:
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT * 3)
        self._conn.request("GET", "/stream")
        self._sock = self._conn.sock
        self.response = self._conn.getresponse()
        self._lines: list[str] = []
        self._arrived = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        with contextlib.suppress(OSError, ValueError, http.client.HTTPException):
            while chunk := self.response.read1(65536):
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                with self._arrived:
                    self._lines.extend(line.decode("utf-8", "replace") for line in lines)
                    self._arrived.notify_all()

    def next_line(self) -> str:
        deadline = time.monotonic() + TIMEOUT
        with self._arrived:
            while not self._lines:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DemoFailure("the HTTP stream client received nothing")
                self._arrived.wait(remaining)
            return self._lines.pop(0)

    def close(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(2)  # wakes the reader, which holds the response's lock
        self._reader.join(TIMEOUT)
        self._conn.close()


def long_poll(port: int) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT * 6)
    try:
        conn.request("GET", "/poll")
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def expect(who: str, got: object, wanted: str) -> None:
    if got != wanted:
        raise DemoFailure(f"{who} expected {wanted!r}, got {got!r}")
    say(who, "<", wanted)


@contextlib.contextmanager
def websocket(dev: DevServer, who: str) -> Iterator[ClientConnection]:
    from websockets.sync.client import connect  # a dev dependency, not one of faas-grip's

    with connect(f"{dev.ws_url}/chat", open_timeout=TIMEOUT) as ws:
        say(who, "·", f"connected to {dev.ws_url}/chat")
        yield ws


def run(dev: DevServer) -> None:
    port = dev.pushpin.port
    stream = StreamClient(port)
    try:
        if stream.response.status != 200:
            raise DemoFailure(f"GET /stream answered {stream.response.status}")
        say("[stream]", "·", f"GET {dev.http_url}/stream held open")
        expect("[stream]", stream.next_line(), "[connected to the chat]")
        with (
            websocket(dev, "[ws alice]") as alice,
            websocket(dev, "[ws bob]") as bob,
            ThreadPoolExecutor(1) as pool,
        ):
            for ws, nick in ((alice, "alice"), (bob, "bob")):
                who = f"[ws {nick}]"
                say(who, ">", f"/nick {nick}")
                ws.send(f"/nick {nick}")
                expect(who, ws.recv(timeout=TIMEOUT), f"nickname set to [{nick}]")

            poll: Future[tuple[int, str]] = pool.submit(long_poll, port)
            say("[poll]", "·", f"GET {dev.http_url}/poll held open")
            time.sleep(LONG_POLL_SETTLE)

            lines = [
                (alice, "alice", "hi bob! this went through Pushpin and a Lambda handler"),
                (bob, "bob", "hi alice, the stream and poll clients hear us too"),
            ]
            for index, (sender, nick, text) in enumerate(lines):
                print(flush=True)
                say(f"[ws {nick}]", ">", text)
                sender.send(text)
                line = f"{nick}: {text}"
                for ws, listener in ((alice, "alice"), (bob, "bob")):
                    expect(f"[ws {listener}]", ws.recv(timeout=TIMEOUT), line)
                expect("[stream]", stream.next_line(), line)
                if index == 0:
                    status, body = poll.result(timeout=TIMEOUT)
                    expect("[poll]", f"{status} {body.strip()}", f"200 {line}")
    finally:
        stream.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m faas_grip.dev.demo", description=__doc__)
    parser.add_argument("--code-dir", default="examples/chat")
    parser.add_argument("--api", choices=("rest", "http", "url"), default="rest")
    parser.add_argument("--runtime", choices=("inprocess", "ric"), default="inprocess")
    args = parser.parse_args(argv)
    code_dir = Path(args.code_dir)
    if not (code_dir / "app.py").is_file():
        print(f"demo: {code_dir}/app.py not found: run from the repository's root", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="faas-grip-demo-") as folder:
        log = Path(folder) / "gateway.log"
        try:
            with DevServer(
                "app.handler", code_dir=code_dir, api=args.api, runtime=args.runtime, log=log
            ) as dev:
                print(
                    f"faas-grip demo: {code_dir}/app.py behind Pushpin ({dev.http_url})\n"
                    f"  and a local {make_door(args.api).title}, {RUNTIME_TITLES[args.runtime]}\n",
                    flush=True,
                )
                run(dev)
        except (DemoFailure, PushpinError, GatewayError, TimeoutError, OSError) as exc:
            print(f"\ndemo FAILED: {exc}", file=sys.stderr)
            if log.exists():
                tail = log.read_text(errors="replace").splitlines()[-20:]
                print("gateway log (last lines):", *tail, sep="\n  ", file=sys.stderr)
            return 1
    print(
        "\nOK: 2 WebSocket clients, 1 HTTP stream client and 1 long-poll client received "
        "every line. Everything is stopped.",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
