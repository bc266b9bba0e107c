"""`await apublish(...)`: publish's requests, errors and deadline, without blocking the event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from faas_grip import Publisher, PublishError, apublish, apublish_many, lambda_deadline
from faas_grip.protocol.formats import HttpStreamFormat, Item
from faas_grip.settings import reset_settings
from tests.support.publish_server import PublishServer


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[PublishServer]:
    with PublishServer() as published:
        monkeypatch.setenv("GRIP_URL", published.url)
        reset_settings()
        yield published


def test_apublish_delivers_the_item(server: PublishServer) -> None:
    asyncio.run(apublish("news", HttpStreamFormat("hi\n"), id="1"))
    assert [(i["channel"], i["id"]) for i in server.items] == [("news", "1")]


def test_apublish_many_keeps_the_order(server: PublishServer) -> None:
    items = [("a", Item(HttpStreamFormat("1\n"))), ("b", Item(HttpStreamFormat("2\n")))]
    asyncio.run(apublish_many(items))
    assert [i["channel"] for i in server.items] == ["a", "b"]


def test_apublish_raises_publish_error_like_publish() -> None:
    publisher = Publisher("http://127.0.0.1:9/", attempts=1)  # nothing listens on port 9
    with pytest.raises(PublishError):
        asyncio.run(publisher.apublish("news", HttpStreamFormat("hi\n")))


def test_apublish_keeps_the_lambda_deadline(server: PublishServer) -> None:
    class Expiring:
        def get_remaining_time_in_millis(self) -> int:
            return 100  # less than the half second kept for the handler: no time to publish

    async def handler() -> None:
        with lambda_deadline(Expiring()):
            await apublish("news", HttpStreamFormat("hi\n"))

    with pytest.raises(PublishError):
        asyncio.run(handler())
    assert server.items == []


def test_apublish_lets_the_event_loop_run_while_the_proxy_answers() -> None:
    # The endpoint answers only once another task on the loop has run: a publish that blocked
    # the loop would wait for its read timeout and fail.
    ran = threading.Event()

    class Gated(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            answer = b"Published\n" if ran.wait(5) else b"never"
            self.send_response(200 if ran.is_set() else 503)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    with ThreadingHTTPServer(("127.0.0.1", 0), Gated) as gated:
        thread = threading.Thread(target=gated.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        publisher = Publisher(f"http://127.0.0.1:{gated.server_address[1]}", attempts=1)

        async def other_task() -> None:
            ran.set()

        async def main() -> None:
            publishing = asyncio.create_task(publisher.apublish("news", HttpStreamFormat("x")))
            await asyncio.sleep(0)  # the publish starts in its thread
            await other_task()
            await publishing

        try:
            asyncio.run(main())
        finally:
            publisher.close()
            gated.shutdown()
            thread.join()


def test_apublish_takes_the_options_of_publish() -> None:
    import inspect

    from faas_grip import publish

    for sync, awaitable in ((publish, apublish), (Publisher.publish, Publisher.apublish)):
        assert inspect.signature(awaitable).parameters == inspect.signature(sync).parameters
