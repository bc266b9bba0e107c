"""examples/wsgi: the chat handler behind WSGI, called directly and then behind a real Pushpin."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from wsgiref.simple_server import make_server
from wsgiref.util import setup_testing_defaults

import pytest
from websockets.sync.client import ClientConnection, connect

from faas_grip import encode_events
from faas_grip.dev.pushpin import Pushpin
from faas_grip.protocol.events import WebSocketEvent
from faas_grip.settings import reset_settings
from faas_grip.testing import GripResponse, read_response
from tests.support.publish_server import PublishServer

from .conftest import load_example

app = load_example("wsgi")


def call(method: str, path: str, body: bytes = b"", **headers: str) -> GripResponse:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    for name, value in headers.items():
        key = name.upper()
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    setup_testing_defaults(environ)
    started: list[Any] = []
    data = b"".join(app.application(environ, lambda status, hdrs: started.append((status, hdrs))))
    status, out = started[0]
    return read_response((int(status.split()[0]), out, data))


def ws(*events: WebSocketEvent, **headers: str) -> GripResponse:
    return call(
        "POST",
        "/chat",
        encode_events(events),
        CONTENT_TYPE="application/websocket-events",
        CONNECTION_ID="c1",
        **headers,
    )


def test_opening_is_accepted_and_subscribed() -> None:
    reply = ws(WebSocketEvent("OPEN"))
    assert (reply.accepted, reply.subscriptions) == (True, ["room"])


def test_meta_header_from_the_environ_reaches_the_handler(published: PublishServer) -> None:
    ws(WebSocketEvent("TEXT", "hi"), META_NICK="bob")
    assert published.items[0]["formats"]["ws-message"] == {"content": "bob: hi"}


def test_nick_is_set() -> None:
    assert ws(WebSocketEvent("TEXT", "/nick amy")).meta == {"nick": "amy"}


def test_stream_and_poll_are_held() -> None:
    assert call("GET", "/stream").hold == "stream"
    poll = call("GET", "/poll")
    assert (poll.status, poll.hold, poll.headers["Grip-Timeout"]) == (204, "response", "30")


def test_unknown_path_is_404() -> None:
    assert call("GET", "/nowhere").status == 404


def test_bad_websocket_request_is_400() -> None:
    assert call("POST", "/chat", b"hello", CONTENT_TYPE="text/plain").status == 400


# -- behind Pushpin --------------------------------------------------------------------------


@pytest.fixture
def served() -> Iterator[int]:
    """The WSGI example on a free port, in a thread."""
    server = make_server("127.0.0.1", 0, app.application, server_class=app.ThreadingWSGIServer)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.pushpin
def test_chat_through_pushpin(
    served: int, pushpin_factory: Callable[..., Pushpin], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "a-long-enough-secret-for-hs256-keys"
    pushpin = pushpin_factory(routes=[f"* 127.0.0.1:{served},over_http"], sig_key=key)
    # Publish through this Pushpin, and verify its Grip-Sig with the same key.
    monkeypatch.setenv("GRIP_URL", pushpin.grip_url)
    reset_settings()
    with connect(f"{pushpin.ws_url}/chat") as alice, connect(f"{pushpin.ws_url}/chat") as bob:
        alice.send("/nick alice")
        assert alice.recv(timeout=10) == "nickname set to [alice]"
        assert said_until_heard(alice, bob) == "alice: hello bob"
    time.sleep(0.2)  # let the close handshake reach the backend before the server stops


def said_until_heard(speaker: ClientConnection, listener: ClientConnection) -> str:
    """What `listener` hears once `speaker` says "hello bob".

    On a loaded machine Pushpin can register a WebSocket subscription a little after the client
    got its reply, and a publish in between reaches nobody (observed): say it again then.
    """
    for _ in range(20):
        speaker.send("hello bob")
        try:
            return str(listener.recv(timeout=0.5))
        except TimeoutError:
            continue
    raise AssertionError("the listener never heard the speaker")
