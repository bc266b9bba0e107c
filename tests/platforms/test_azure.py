"""faas_grip.azure with azure.functions' HttpRequest/HttpResponse built and read by its own
converters, as the Functions host and worker do (the host cannot be installed here); then
examples/azure on tests/support/azure_host.py (that stand-in) behind Pushpin."""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from azure.functions.http import HttpRequestConverter, HttpResponseConverter

from faas_grip import WebSocketContext, encode_events
from faas_grip.azure import grip_longpoll, grip_stream, grip_websocket
from faas_grip.dev.pushpin import Pushpin
from faas_grip.protocol.events import CONTENT_TYPE, WebSocketEvent
from faas_grip.testing import GripResponse, grip_sig, read_response
from tests.platforms.chat import (
    test_long_poll_client_hears_the_next_line,
    test_nickname_sent_as_an_underscore_header_is_not_trusted,
    test_stream_client_hears_the_chat,
    test_websocket_clients_hear_each_line_with_its_nickname,
)
from tests.platforms.conftest import EXAMPLES, KEY, behind_pushpin
from tests.support.azure_host import load_app, to_datum

__all__ = [
    "test_long_poll_client_hears_the_next_line",
    "test_nickname_sent_as_an_underscore_header_is_not_trusted",
    "test_stream_client_hears_the_chat",
    "test_websocket_clients_hear_each_line_with_its_nickname",
]

APP = EXAMPLES / "azure" / "function_app.py"
ROOT = Path(__file__).resolve().parents[2]


def call(function: Any, method: str = "GET", body: bytes = b"", **headers: str) -> GripResponse:
    """The request as the host hands it over; the response as the host reads it back."""
    datum = to_datum(method, "http://localhost:7071/x?a=1", list(headers.items()), body)
    response = function(HttpRequestConverter.decode(datum, trigger_metadata=None))
    if inspect.iscoroutine(response):
        response = asyncio.run(response)
    out = HttpResponseConverter.encode(response, expected_type=None).value
    pairs = [(k, d.value) for k, d in out["headers"].items()]
    assert out["body"].type == "bytes"
    return read_response((int(out["status_code"].value), pairs, out["body"].value))


def ws(function: Any, *events: WebSocketEvent, **headers: str) -> GripResponse:
    return call(
        function,
        "POST",
        encode_events(events),
        **{"Content-Type": CONTENT_TYPE, "Connection-Id": "c1"},
        **headers,
    )


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    """The example's functions as the worker indexes them (once per app), by name."""
    return {f.get_function_name(): f for f in load_app(APP).get_functions()}


def test_example_functions_index_with_the_req_binding(example: dict[str, Any]) -> None:
    bindings = {name: [b.name for b in f.get_bindings()] for name, f in example.items()}
    assert bindings == {name: ["req", "$return"] for name in ("chat", "stream", "poll")}


def test_async_example_accepts_and_subscribes_an_opening_connection(
    example: dict[str, Any],
) -> None:
    function = example["chat"].get_user_function()
    assert inspect.iscoroutinefunction(function)  # the worker awaits it on its loop
    reply = ws(function, WebSocketEvent("OPEN"))
    assert (reply.accepted, reply.subscriptions) == (True, ["room"])


def test_binary_messages_pass_both_ways_intact() -> None:
    data = bytes(range(256))

    @grip_websocket
    def echo(ws: WebSocketContext, req: func.HttpRequest) -> None:
        for message in ws:
            ws.send_binary(message)  # type: ignore[arg-type]

    assert ws(echo, WebSocketEvent("BINARY", data)).messages == [data]


def test_missing_grip_sig_is_403_before_the_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_VERIFY_KEY", KEY)
    called: list[bool] = []

    @grip_stream("news")
    def stream(req: func.HttpRequest) -> str:
        called.append(True)
        return "hi\n"

    assert call(stream).status == 403
    assert call(stream, **{"Grip-Sig": grip_sig(KEY)}).hold == "stream"
    assert called == [True]


def test_longpoll_keeps_the_status_and_headers_of_an_http_response() -> None:
    @grip_longpoll(lambda req: req.params["a"], timeout=30)
    def poll(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(status_code=204, headers={"X-Poll": "again"})

    reply = call(poll)
    assert (reply.status, reply.hold, reply.channels) == (204, "response", ["1"])
    assert (reply.headers["Grip-Timeout"], reply.headers["X-Poll"]) == ("30", "again")


# -- examples/azure on the host stand-in, behind Pushpin -----------------------------------------


@pytest.fixture(scope="module")
def chat() -> Iterator[Pushpin]:
    command = [sys.executable, "-m", "tests.support.azure_host", str(APP), "{port}"]
    with behind_pushpin(command, ROOT) as pushpin:
        yield pushpin


def test_underscore_spellings_of_proxy_headers_are_not_trusted() -> None:
    seen: list[tuple[dict[str, str], str | None]] = []

    @grip_websocket
    def chat(ws: WebSocketContext, req: func.HttpRequest) -> None:
        seen.append((dict(ws.meta), ws.headers.get("Meta_Nick")))

    ws(chat, WebSocketEvent("OPEN"), **{"Meta_Nick": "admin", "Meta-Room": "lobby"})
    assert seen == [({"room": "lobby"}, None)]  # dropped before the handler sees the request


def test_a_repeated_grip_sig_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_VERIFY_KEY", KEY)
    stream = grip_stream("news")(lambda req: "hi\n")
    token = grip_sig(KEY)
    datum = to_datum("GET", "http://localhost/x", [("Grip-Sig", token), ("Grip-Sig", token)], b"")
    response = stream(HttpRequestConverter.decode(datum, trigger_metadata=None))
    assert response.status_code == 403
    assert b"Grip-Sig appears 2 times" in response.get_body()
