"""The examples, deployed with the built layer on MiniStack, driven by real clients through Pushpin.

Every test runs once per front door: a REST API (payload 1.0, binaryMediaTypes), an HTTP API
(payload 2.0), a function URL and an Application Load Balancer (Lambda target group), each
reached through its own Pushpin route (see tools/aws_local.py). The functions publish to Pushpin with the GRIP_URL they read from a Secrets
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
- The ALB (read from MiniStack 1.5.33's services/alb.py) is addressed by path, `/_alb/{name}/`,
  not by the load balancer's DNS name; it hands the function the body as text whenever the body
  is valid UTF-8 (isBase64Encoded false) and base64 only otherwise, whatever the Content-Type, so
  WebSocket-over-HTTP bodies mostly arrive as text here; headers are lower-cased and
  `multiValueHeaders` appear only with the target group's `lambda.multi_value_headers.enabled`
  (as on AWS); the query string is passed raw (not URL-decoded, last value wins, as on AWS). A
  function error is a 502 with a JSON `{"message": "Lambda error: ..."}` (AWS: an HTML 502), and
  the 1 MB limit AWS sets on Lambda target request and response bodies is not enforced.
- A handler that prints nothing costs ~50 ms per call (MiniStack waits that long for log lines),
  so nothing here is timed; the timeouts are generous for cold starts on a busy machine.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import urlsplit

import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.e2e.clients import HttpStream
from tests.support.clients import publish_until_answered, publish_until_seen, raw_publish
from tools.aws_local import DOORS, LocalAws

pytestmark = pytest.mark.pushpin

TIMEOUT = 20  # generous: the machine is shared and often busy
T = TypeVar("T")


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
def _stream(aws: LocalAws, url: str, channel: str) -> Iterator[HttpStream]:
    """A stream listener past its first line, once Pushpin has subscribed it to `channel`
    (probe lines, published straight to Pushpin, come before anything the test publishes)."""
    parts = urlsplit(url)
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path
    with HttpStream(f"{parts.scheme}://{parts.netloc}", target) as stream:
        assert stream.response.status == 200
        stream.wait_for(b"]\n", TIMEOUT)  # "[connected to the chat]" / "[listening on ...]"
        publish_until_seen(
            lambda: raw_publish(aws.pushpin, channel, {"http-stream": {"content": "probe\n"}}),
            lambda wait: b"probe\n" in stream.wait_for(b"probe\n", wait),
            timeout=TIMEOUT,
        )
        yield stream


def _lines_after_probes(stream: HttpStream, last: bytes) -> list[bytes]:
    body = stream.wait_for(last, TIMEOUT)
    return [line for line in body.split(b"\n")[1:] if line and line != b"probe"]


def _get(url: str, data: bytes | None = None) -> tuple[int, str]:
    with urllib.request.urlopen(url, data=data, timeout=60) as response:
        return response.status, response.read().decode()


def _answered(publish: Callable[[], object], *held: Future[T]) -> list[T]:
    """Publish until each held long-poll has its answer (see publish_until_answered)."""
    return [publish_until_answered(publish, h, timeout=3 * TIMEOUT, every=0.5) for h in held]


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
    with _stream(aws, aws.url("chat", door, "/stream"), "room") as listener:
        assert listener.body.startswith(b"[connected to the chat]\n")

        asyncio.run(_say(aws, door, "dee", f"streamed through {door}"))

        line = f"dee: streamed through {door}".encode()
        assert line in _lines_after_probes(listener, line + b"\n")


@pytest.mark.parametrize("door", DOORS)
def test_chat_line_completes_a_long_poll(aws: LocalAws, door: str) -> None:
    with ThreadPoolExecutor(1) as pool:
        held = pool.submit(_get, aws.url("chat", door, "/poll"))

        say = lambda: asyncio.run(_say(aws, door, "eve", f"polled through {door}"))  # noqa: E731
        assert _answered(say, held) == [(200, f"eve: polled through {door}\n")]


@pytest.mark.parametrize("door", DOORS)
def test_stream_example_delivers_posted_lines_to_listeners(aws: LocalAws, door: str) -> None:
    channel = f"news-{door}"
    with _stream(aws, aws.url("stream", door, f"/?channel={channel}"), channel) as listener:
        assert listener.body.startswith(f"[listening on {channel}]\n".encode())

        posted = _get(aws.url("stream", door, f"/?channel={channel}"), b"first")
        _get(aws.url("stream", door, f"/?channel={channel}"), b"second")

        assert posted == (202, f"published to {channel}\n")
        assert _lines_after_probes(listener, b"second\n") == [b"first", b"second"]


@pytest.mark.parametrize("door", DOORS)
def test_longpoll_example_answers_waiting_clients_with_the_posted_body(
    aws: LocalAws, door: str
) -> None:
    url = aws.url("longpoll", door, f"/?channel=news-{door}")
    with ThreadPoolExecutor(2) as pool:
        held = [pool.submit(_get, url), pool.submit(_get, url)]

        answers = _answered(lambda: _get(url, f"news through {door}".encode()), *held)

        assert answers == [(200, f"news through {door}")] * 2
