"""The examples, deployed with the built layer on MiniStack, driven by real clients through Pushpin.

Every test runs once per front door: a REST API (payload 1.0, binaryMediaTypes), an HTTP API
(payload 2.0) and a function URL, each reached through its own Pushpin route (see
tools/aws_local.py). The functions publish to Pushpin with the GRIP_URL they read from a Secrets
Manager secret (test_grip_sig.py).

MiniStack (1.5.33) differs from AWS in ways these tests account for (evidence: docs/aws-local.md):
- A REST API decodes a base64 (isBase64Encoded) response only when the *whole* Accept header
  matches a binary media type; AWS uses the first value. Pushpin sends exactly
  `Accept: application/websocket-events`, so WebSockets work on both: the clients here send no
  Accept of their own.
- REST header names arrive lower-cased (AWS keeps the client's case in payload 1.0), so every
  door here hands the library `connection-id`, `meta-nick`, `grip-sig`.
- Functions run on MiniStack's own interpreter with its site-packages on sys.path (botocore,
  urllib3, six, dateutil, jmespath, PyYAML...): a dependency missing from the layer goes
  unnoticed here (observed: the chat passed with urllib3 deleted from the layer). These tests
  therefore cannot prove the layer self-sufficient; tests/layer/test_runtime.py does, importing
  the built layer in a clean virtualenv that holds only what AWS's runtime provides.
- boto3 and Powertools are not there at all: tools/aws_local.py attaches a stand-in layer with
  them (AWS's runtime and its public Powertools layer provide them).
- A handler that prints nothing costs ~50 ms per call (MiniStack waits that long for log lines),
  so nothing here is timed; the timeouts are generous for cold starts on a busy machine.
"""

from __future__ import annotations

import asyncio
import http.client
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from websockets.asyncio.client import ClientConnection, connect

from tools.aws_local import DOORS, LocalAws

pytestmark = pytest.mark.pushpin

TIMEOUT = 20  # generous: the machine is shared and often busy
LONGPOLL_SETTLE = 1.5  # Pushpin re-requests a fresh long-poll ~1 s in: publish after that


async def _recv_until(ws: ClientConnection, expected: str) -> None:
    """Read messages until `expected` arrives (others, like the nickname reply, are skipped)."""
    seen = []
    deadline = time.monotonic() + TIMEOUT
    try:
        while (
            message := await asyncio.wait_for(ws.recv(), max(deadline - time.monotonic(), 0))
        ) != expected:
            seen.append(message)
    except asyncio.TimeoutError:
        raise AssertionError(f"{expected!r} did not arrive; got {seen!r}") from None


async def _say(aws: LocalAws, door: str, nick: str, text: str) -> None:
    async with connect(aws.ws_url("chat", door, "/chat"), open_timeout=TIMEOUT) as ws:
        await ws.send(f"/nick {nick}")
        await _recv_until(ws, f"nickname set to [{nick}]")
        await ws.send(text)
        await _recv_until(ws, f"{nick}: {text}")


@contextmanager
def _stream(url: str) -> Iterator[http.client.HTTPResponse]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=TIMEOUT)
    try:
        conn.request("GET", f"{parts.path}?{parts.query}" if parts.query else parts.path)
        yield conn.getresponse()
    finally:
        conn.close()


def _get(url: str, data: bytes | None = None) -> tuple[int, str]:
    with urllib.request.urlopen(url, data=data, timeout=60) as response:
        return response.status, response.read().decode()


def _long_poll(pool: ThreadPoolExecutor, url: str) -> Future[tuple[int, str]]:
    held = pool.submit(_get, url)
    time.sleep(LONGPOLL_SETTLE)
    assert not held.done(), (
        f"the long-poll was answered before anything was published: {held.result()}"
    )
    return held


@pytest.mark.parametrize("door", DOORS)
def test_chat_line_reaches_every_websocket_client_with_the_senders_nickname(
    aws: LocalAws, door: str
) -> None:
    async def run() -> None:
        url = aws.ws_url("chat", door, "/chat")
        async with (
            connect(url, open_timeout=TIMEOUT) as ann,
            connect(url, open_timeout=TIMEOUT) as bob,
            connect(url, open_timeout=TIMEOUT) as cy,
        ):
            await ann.send("/nick ann")
            await _recv_until(ann, "nickname set to [ann]")
            await ann.send(f"hello through {door}")
            for client in (ann, bob, cy):
                await _recv_until(client, f"ann: hello through {door}")

    asyncio.run(run())


@pytest.mark.parametrize("door", DOORS)
def test_chat_page_is_served(aws: LocalAws, door: str) -> None:
    status, body = _get(aws.url("chat", door, "/"))

    assert status == 200
    assert 'new URL("chat", location.href)' in body


@pytest.mark.parametrize("door", DOORS)
def test_chat_line_reaches_http_stream_listeners(aws: LocalAws, door: str) -> None:
    with _stream(aws.url("chat", door, "/stream")) as listener:
        assert listener.status == 200
        assert listener.readline() == b"[connected to the chat]\n"
        time.sleep(0.2)  # the first chunk arrives just before Pushpin subscribes

        asyncio.run(_say(aws, door, "dee", f"streamed through {door}"))

        assert listener.readline() == f"dee: streamed through {door}\n".encode()


@pytest.mark.parametrize("door", DOORS)
def test_chat_line_completes_a_long_poll(aws: LocalAws, door: str) -> None:
    with ThreadPoolExecutor(1) as pool:
        held = _long_poll(pool, aws.url("chat", door, "/poll"))

        asyncio.run(_say(aws, door, "eve", f"polled through {door}"))

        assert held.result(TIMEOUT) == (200, f"eve: polled through {door}\n")


@pytest.mark.parametrize("door", DOORS)
def test_stream_example_delivers_posted_lines_to_listeners(aws: LocalAws, door: str) -> None:
    channel = f"news-{door}"
    with _stream(aws.url("stream", door, f"/?channel={channel}")) as listener:
        assert listener.readline() == f"[listening on {channel}]\n".encode()
        time.sleep(0.2)

        posted = _get(aws.url("stream", door, f"/?channel={channel}"), b"first")
        _get(aws.url("stream", door, f"/?channel={channel}"), b"second")

        assert posted == (202, f"published to {channel}\n")
        assert listener.readline() == b"first\n"
        assert listener.readline() == b"second\n"


@pytest.mark.parametrize("door", DOORS)
def test_longpoll_example_answers_waiting_clients_with_the_posted_body(
    aws: LocalAws, door: str
) -> None:
    url = aws.url("longpoll", door, f"/?channel=news-{door}")
    with ThreadPoolExecutor(2) as pool:
        first = _long_poll(pool, url)
        second = _long_poll(pool, url)

        _get(url, f"news through {door}".encode())

        assert first.result(TIMEOUT) == (200, f"news through {door}")
        assert second.result(TIMEOUT) == (200, f"news through {door}")
