"""Pushpin's publish filters, actions and controls, through real Pushpin (Debian's 1.36).

The backend below builds every reply with faas-grip's protocol objects (WebSocketContext,
GripInstruct) and the tests publish with Publisher/Item: what a handler writes is what Pushpin
gets. Subscriptions are waited for by publishing probes until one arrives, never by sleeping.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from websockets.sync.client import ClientConnection, connect

from faas_grip.dev.pushpin import Pushpin
from faas_grip.protocol.events import CONTENT_TYPE, decode_events
from faas_grip.protocol.filters import BUILD_ID, REQUIRE_SUB, SKIP_SELF, SKIP_USERS, VAR_SUBST
from faas_grip.protocol.formats import (
    Format,
    HttpResponseFormat,
    HttpStreamFormat,
    Item,
    WebSocketMessageFormat,
)
from faas_grip.protocol.instruct import Channel, GripInstruct
from faas_grip.protocol.websocket import WebSocketContext
from faas_grip.publishing import Publisher
from tests.e2e.conftest import require_pushpin
from tests.support.clients import StreamClient

pytestmark = pytest.mark.pushpin

PROBE = "probe"


class Backend:
    """The GRIP backend Pushpin routes to; its paths are the features under test.

    WebSocket (any path) ?channel=C[&user=U][&filters=F,G][&meta=NAME:VALUE]: accept, set the
    subscriber meta, subscribe. Commands: "delay N TEXT" (send_delayed), "flush"
    (flush_delayed), "ka-binary" (a binary keep-alive every second).
    GET /stream?channel=C[&also=D][&filters=F][&meta=NAME:VALUE][&prev_id=P][&link=1][&gone=1]
    GET /next?(the stream's query): the next link; the body the test armed with `arm_next()`.
    GET /poll?channel=C: a long-poll whose timeout body is the JSON {"state": "waiting"}, or
    the body the test armed, at once.
    GET /expose: a stream answering X-Kept and X-Dropped, exposing only X-Kept.
    """

    def __init__(self) -> None:
        backend = self
        self.next_bodies: dict[str, str] = {}
        self.next_calls: dict[str, int] = {}
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                path = parts.path
                if path == "/stream":
                    self.answer(200, *backend.stream(query))
                elif path == "/next":
                    self.answer(200, *backend.next_link(query))
                elif path == "/poll":
                    self.answer(200, *backend.poll(query["channel"]))
                elif path == "/expose":
                    instruct = GripInstruct(query["channel"])
                    instruct.set_hold_stream()
                    instruct.set_expose_headers(["X-Kept", "Content-Type"])
                    headers = {
                        **instruct.to_headers(),
                        "Content-Type": "text/plain",
                        "X-Kept": "yes",
                        "X-Dropped": "yes",
                    }
                    self.answer(200, headers, b"stream open\n")
                else:
                    self.answer(200, {"Content-Type": "text/plain"}, b"ok\n")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Type") != CONTENT_TYPE:
                    self.answer(400, {"Content-Type": "text/plain"}, b"not websocket-events\n")
                    return
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                ws = WebSocketContext(self.headers["Connection-Id"], events=decode_events(body))
                backend.websocket(ws, query)
                self.answer(ws.status(), ws.to_headers(), ws.encode())

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def route(self) -> str:
        return f"* 127.0.0.1:{self._server.server_address[1]},over_http"

    def websocket(self, ws: WebSocketContext, query: dict[str, str]) -> None:
        if ws.is_opening():
            ws.accept()
            for pair in filter(None, query.get("meta", "").split(";")):
                name, _, value = pair.partition(":")
                ws.set_meta(name, value)
            filters = [f for f in query.get("filters", "").split(",") if f]
            ws.subscribe(query["channel"], filters=filters, user=query.get("user"))
        for message in ws:
            if not isinstance(message, str):
                continue
            if message.startswith("delay "):
                _, seconds, text = message.split(" ", 2)
                ws.send_delayed(text, timeout=int(seconds))
                ws.send("delayed")
            elif message == "flush":
                ws.flush_delayed()
            elif message == "ka-binary":
                ws.keep_alive("ka", timeout=1, message_type="binary")
                ws.send("keep-alive on")

    def stream(self, query: dict[str, str]) -> tuple[dict[str, str], bytes]:
        filters = [f for f in query.get("filters", "").split(",") if f]
        channels = [Channel(query["channel"], prev_id=query.get("prev_id"), filters=filters)]
        if "also" in query:
            channels.append(Channel(query["also"]))
        instruct = GripInstruct(channels)
        instruct.set_hold_stream()
        for pair in filter(None, query.get("meta", "").split(";")):
            name, _, value = pair.partition(":")
            instruct.set_meta(name, value)
        if query.get("link"):
            instruct.set_next_link("/next?" + urlencode(query))
        if query.get("gone"):
            instruct.set_gone_link("/gone")  # Pushpin 1.41+ calls it; 1.36 must let it be
        return {**instruct.to_headers(), "Content-Type": "text/plain"}, b"stream open\n"

    def poll(self, channel: str) -> tuple[dict[str, str], bytes]:
        # Held, unless the test armed an answer: then that answer, at once.
        with self.lock:
            self.next_calls[channel] = self.next_calls.get(channel, 0) + 1
            armed = self.next_bodies.pop(channel, None)
        if armed is not None:
            return {"Content-Type": "text/plain"}, armed.encode()
        instruct = GripInstruct(channel)
        instruct.set_hold_longpoll(timeout=55)
        headers = {**instruct.to_headers(), "Content-Type": "application/json"}
        return headers, b'{"state": "waiting"}\n'

    def hint_until_asked(self, publisher: Publisher, channel: str, hint: Format) -> None:
        """Publish `hint` until it has made Pushpin ask the backend again about `channel`.

        Pushpin asks once more by itself about a second after a request subscribes (not
        always): only a count of asks past the first request and that one proves the hint
        works, and a hint sent before the subscription is live is lost, so send it until then.
        """
        deadline = time.monotonic() + 10
        while self.next_calls.get(channel, 0) < 3:
            assert time.monotonic() < deadline, f"{channel}: {self.next_calls.get(channel)} asks"
            publisher.publish(channel, hint)
            time.sleep(0.1)

    def arm_next(self, channel: str, body: str) -> None:
        """The body the next fetch of `channel`'s next link gets."""
        with self.lock:
            self.next_bodies[channel] = body

    def next_link(self, query: dict[str, str]) -> tuple[dict[str, str], bytes]:
        # The stream's instructions again (without them Pushpin forgets the link), and the
        # armed body if there is one.
        channel = query["channel"]
        with self.lock:
            self.next_calls[channel] = self.next_calls.get(channel, 0) + 1
            body = self.next_bodies.pop(channel, "")
        headers, _ = self.stream(query)
        return headers, body.encode()

    def __enter__(self) -> Backend:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture(scope="module")
def backend() -> Iterator[Backend]:
    with Backend() as backend:
        yield backend


@pytest.fixture(scope="module")
def pushpin(backend: Backend) -> Iterator[Pushpin]:
    require_pushpin()
    instance = Pushpin(routes=[backend.route], message_wait_ms=1000)
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="module")
def publisher(pushpin: Pushpin) -> Iterator[Publisher]:
    with Publisher(pushpin.control_uri) as publisher:
        yield publisher


_names = iter(range(1_000_000))


def fresh(name: str) -> str:
    """A channel name no other test uses (the Pushpin is shared by the module)."""
    return f"{name}-{next(_names)}"


def until_received(
    publish_probe: Callable[[], None], receive: Callable[[float], object], timeout: float = 10
) -> None:
    """Publish probes until one arrives, then drain the late ones."""
    deadline = time.monotonic() + timeout
    while True:
        publish_probe()
        try:
            receive(0.1)
            break
        except TimeoutError:
            if time.monotonic() > deadline:
                raise
    with contextlib.suppress(TimeoutError):
        while True:
            receive(0.3)


@contextlib.contextmanager
def ws_client(
    pushpin: Pushpin, publisher: Publisher, channel: str, **query: str
) -> Iterator[ClientConnection]:
    params = "&".join(f"{k}={v}" for k, v in {"channel": channel, **query}.items())
    with connect(f"{pushpin.ws_url}/ws?{params}") as ws:
        until_received(
            lambda: publisher.publish(channel, WebSocketMessageFormat(PROBE)),
            lambda timeout: ws.recv(timeout=timeout),
        )
        yield ws


class Stream(StreamClient):
    """A raw HTTP stream client that also reads chunk by chunk."""

    head = b""

    def read_chunk(self, timeout: float = 10) -> bytes:
        """The next chunk's content (each published content arrives as one chunk)."""
        line = self.read_until(b"\r\n", timeout)
        if line == b"\r\n":  # the end of the chunk before
            line = self.read_until(b"\r\n", timeout)
        size = int(line.strip(), 16)
        while len(self.buffer) < size + 2:
            self.buffer += self.sock.recv(65536)
        data, self.buffer = self.buffer[:size], self.buffer[size + 2 :]
        return data


@contextlib.contextmanager
def stream_client(
    pushpin: Pushpin, publisher: Publisher, path: str, probe_channels: list[str]
) -> Iterator[Stream]:
    """A raw HTTP stream client on `path`, live on each of `probe_channels`."""
    with socket.create_connection(("127.0.0.1", pushpin.port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
        stream = Stream(sock)
        stream.head = stream.read_until(b"stream open\n")
        for channel in probe_channels:
            until_received(
                lambda channel=channel: publisher.publish(channel, HttpStreamFormat(PROBE + "\n")),
                lambda timeout: stream.read_until(PROBE.encode() + b"\n", timeout),
            )
        stream.buffer = b""
        yield stream


def settle(publisher: Publisher, channel: str, *clients: ClientConnection) -> None:
    """Publish a marker and read each client up to it: late probes are out of the way."""
    marker = fresh("settled")
    publisher.publish(channel, WebSocketMessageFormat(marker))
    for client in clients:
        while client.recv(timeout=10) != marker:
            pass


def text(channel: str, content: str, **item: object) -> tuple[str, Item]:
    return channel, Item(WebSocketMessageFormat(content), **item)  # type: ignore[arg-type]


# -- filters ---------------------------------------------------------------------------------


def test_skip_self_drops_the_item_for_its_sender_only(
    pushpin: Pushpin, publisher: Publisher
) -> None:
    room = fresh("room")
    with (
        ws_client(pushpin, publisher, room, user="alice", filters=SKIP_SELF) as alice,
        ws_client(pushpin, publisher, room, user="bob", filters=SKIP_SELF) as bob,
    ):
        settle(publisher, room, alice, bob)
        publisher.publish(room, WebSocketMessageFormat("from alice"), sender="alice")
        publisher.publish(room, WebSocketMessageFormat("marker"))
        assert alice.recv(timeout=10) == "marker"
        assert bob.recv(timeout=10) == "from alice"


def test_skip_users_drops_the_item_for_the_users_listed(
    pushpin: Pushpin, publisher: Publisher
) -> None:
    room = fresh("room")
    with (
        ws_client(pushpin, publisher, room, user="alice", filters=SKIP_USERS) as alice,
        ws_client(pushpin, publisher, room, user="bob", filters=SKIP_USERS) as bob,
    ):
        settle(publisher, room, alice, bob)
        publisher.publish_many(
            [text(room, "not for alice", skip_users=["alice", "carol"]), text(room, "marker")]
        )
        assert alice.recv(timeout=10) == "marker"
        assert bob.recv(timeout=10) == "not for alice"


def test_var_subst_fills_in_the_subscribers_meta(pushpin: Pushpin, publisher: Publisher) -> None:
    room = fresh("room")
    with ws_client(pushpin, publisher, room, filters=VAR_SUBST, meta="name:alice") as alice:
        publisher.publish(room, WebSocketMessageFormat("hello %(name)s"))
        assert alice.recv(timeout=10) == "hello alice"


def test_require_sub_delivers_only_to_sessions_also_on_that_channel(
    pushpin: Pushpin, publisher: Publisher
) -> None:
    news, sports, other = fresh("news"), fresh("sports"), fresh("other")
    path = f"/stream?channel={news}&also={sports}&filters={REQUIRE_SUB}"
    with stream_client(pushpin, publisher, path, [news, sports]) as client:
        publisher.publish_many(
            [
                (news, Item(HttpStreamFormat("needs other\n"), require_sub=other)),
                (news, Item(HttpStreamFormat("needs sports\n"), require_sub=sports)),
            ]
        )
        assert client.read_chunk() == b"needs sports\n"


def test_build_id_fills_in_the_id_built_from_the_channels_last_id(
    pushpin: Pushpin, publisher: Publisher
) -> None:
    feed, probe = fresh("feed"), fresh("probe")
    # The probes go to a second channel: one without prev-id would break feed's sequence.
    path = (
        f"/stream?channel={feed}&also={probe}&filters={BUILD_ID}"
        f"&meta=id_format:%25({feed})s&prev_id=1&link=1"
    )
    with stream_client(pushpin, publisher, path, [probe]) as client:
        publisher.publish_many([(feed, Item(HttpStreamFormat("item %I\n"), id="2", prev_id="1"))])
        assert client.read_chunk() == b"item 2\n"


# -- actions and item flags ------------------------------------------------------------------


def test_no_seq_item_is_delivered_at_once_despite_a_prev_id_gap(
    pushpin: Pushpin, publisher: Publisher
) -> None:
    room = fresh("room")
    with ws_client(pushpin, publisher, room) as client:
        # Without no-seq, Pushpin holds the item after the gap (7 never came) for message_wait
        # and delivers "after it" first.
        publisher.publish_many(
            [
                (room, Item(WebSocketMessageFormat("first"), id="5")),
                (room, Item(WebSocketMessageFormat("gap"), id="9", prev_id="7", no_seq=True)),
                text(room, "after it"),
            ]
        )
        assert [client.recv(timeout=10) for _ in range(3)] == ["first", "gap", "after it"]


@pytest.mark.parametrize("gone", ["", "1"], ids=["next-link", "next-and-gone-links"])
def test_hint_makes_the_proxy_fetch_the_streams_next_link(
    pushpin: Pushpin, publisher: Publisher, backend: Backend, gone: str
) -> None:
    # With a gone link beside the next link in Grip-Link, 1.36 (which knows no rel=gone)
    # still follows the next link.
    channel = fresh("hinted")
    with stream_client(
        pushpin, publisher, f"/stream?channel={channel}&link=1&gone={gone}", [channel]
    ) as client:
        backend.next_calls[channel] = 1  # the request itself (the link is asked from then on)
        backend.hint_until_asked(publisher, channel, HttpStreamFormat(hint=True))
        backend.arm_next(channel, "recovered\n")
        publisher.publish(channel, HttpStreamFormat(hint=True))
        assert client.read_chunk() == b"recovered\n"


def test_hint_makes_the_proxy_ask_the_backend_again_for_held_long_polls(
    pushpin: Pushpin, publisher: Publisher, backend: Backend
) -> None:
    channel = fresh("hinted-poll")
    with socket.create_connection(("127.0.0.1", pushpin.port), timeout=10) as sock:
        sock.sendall(f"GET /poll?channel={channel} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
        backend.hint_until_asked(publisher, channel, HttpResponseFormat(hint=True))
        backend.arm_next(channel, "asked again\n")
        publisher.publish(channel, HttpResponseFormat(hint=True))
        answer = b""
        while not answer.endswith(b"asked again\n"):
            chunk = sock.recv(65536)
            assert chunk, answer
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")


def test_body_patch_answers_long_polls_with_their_own_body_patched(
    pushpin: Pushpin, publisher: Publisher
) -> None:
    channel = fresh("poll")
    with socket.create_connection(("127.0.0.1", pushpin.port), timeout=10) as sock:
        sock.sendall(f"GET /poll?channel={channel} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
        patch = [{"op": "replace", "path": "/state", "value": "done"}]
        sock.settimeout(0.2)
        answer = b""
        deadline = time.monotonic() + 10
        while b'"state"' not in answer:  # publish until the held request gets it
            publisher.publish(channel, HttpResponseFormat(body_patch=patch))
            with contextlib.suppress(TimeoutError):
                answer += sock.recv(65536)
            assert time.monotonic() < deadline, answer
        while not answer.endswith(b"\n"):
            answer += sock.recv(65536)
        assert answer.split(b"\r\n\r\n", 1)[1] == b'{"state":"done"}\n'


# -- WebSocket controls ----------------------------------------------------------------------


def test_flush_delayed_sends_the_delayed_message_now(
    pushpin: Pushpin, publisher: Publisher
) -> None:
    with ws_client(pushpin, publisher, fresh("room")) as client:
        client.send("delay 300 later")  # five minutes: only the flush can send it in time
        assert client.recv(timeout=10) == "delayed"
        client.send("flush")
        assert client.recv(timeout=10) == "later"


def test_send_delayed_message_arrives_after_its_timeout(
    pushpin: Pushpin, publisher: Publisher
) -> None:
    with ws_client(pushpin, publisher, fresh("room")) as client:
        client.send("delay 1 later")
        assert client.recv(timeout=10) == "delayed"
        assert client.recv(timeout=10) == "later"


def test_keep_alive_message_type_sets_the_frame_type(
    pushpin: Pushpin, publisher: Publisher
) -> None:
    with ws_client(pushpin, publisher, fresh("room")) as client:
        client.send("ka-binary")
        assert client.recv(timeout=10) == "keep-alive on"
        assert client.recv(timeout=10) == b"ka"


# -- response instructions -------------------------------------------------------------------


def test_expose_headers_pass_only_the_named_headers_to_the_client(
    pushpin: Pushpin, publisher: Publisher
) -> None:
    channel = fresh("exposed")
    with stream_client(pushpin, publisher, f"/expose?channel={channel}", [channel]) as client:
        head = client.head.split(b"\r\n\r\n")[0].lower()
        assert b"\r\nx-kept: yes" in head
        assert b"x-dropped" not in head
