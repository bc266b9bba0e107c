"""Each example as `sam build` built it, run on the built layer in the clean runtime (boto3 only),
answering sample events from every front door (faas_grip.testing's builders). Publishing goes
to a real Pushpin; requests carry its Grip-Sig, and an unsigned one is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from faas_grip.dev.pushpin import Pushpin
from faas_grip.testing import DOORS
from tests.layer.test_runtime import probe

pytestmark = pytest.mark.pushpin

SIG_KEY = "layer-test-" + "k" * 32
ROOM = ["room"]

# (function, [(request, what the reply must show)]): requests run in order, in one warm process.
SCENARIOS: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {
    "ChatFunction": [
        (
            {"builder": "websocket_event", "kwargs": {"open": True, "path": "/chat"}},
            {"status": 200, "accepted": True, "subscriptions": ROOM},
        ),
        (
            {"builder": "websocket_event", "kwargs": {"text": "/nick bob", "path": "/chat"}},
            {"status": 200, "messages": ["nickname set to [bob]"]},
        ),
        (
            {
                "builder": "websocket_event",
                "kwargs": {"text": "hello", "meta": {"nick": "bob"}, "path": "/chat"},
            },
            {"status": 200, "messages": []},
        ),
        (
            {"builder": "http_event", "kwargs": {"method": "GET", "path": "/stream"}},
            {"status": 200, "hold": "stream", "channels": ROOM},
        ),
        (
            {"builder": "http_event", "kwargs": {"method": "GET", "path": "/poll"}},
            {"status": 204, "hold": "response", "channels": ROOM},  # 204: the timeout reply
        ),
        ({"builder": "http_event", "kwargs": {"method": "GET", "path": "/"}}, {"status": 200}),
    ],
    "StreamFunction": [
        (
            {"builder": "http_event", "kwargs": {"path": "/stream", "query": {"channel": "news"}}},
            {"status": 200, "hold": "stream", "channels": ["news"]},
        ),
        (
            {
                "builder": "http_event",
                "kwargs": {"method": "POST", "path": "/stream", "body": "hi"},
            },
            {"status": 202},
        ),
    ],
    "LongPollFunction": [
        (
            {
                "builder": "http_event",
                "kwargs": {"path": "/longpoll", "query": {"channel": "news"}},
            },
            {"status": 200, "hold": "response", "channels": ["news"]},
        ),
        (
            {
                "builder": "http_event",
                "kwargs": {"method": "POST", "path": "/longpoll", "body": "hi"},
            },
            {"status": 202},
        ),
    ],
}
UNSIGNED = {"builder": "websocket_event", "kwargs": {"open": True, "path": "/chat"}}


@pytest.fixture(scope="module")
def pushpin() -> Iterator[Pushpin]:
    """A real publish endpoint for the handlers (no backend route is used)."""
    with Pushpin(routes=["* 127.0.0.1:9,over_http"], sig_key=SIG_KEY) as instance:
        yield instance


def _signed(request: dict[str, Any], door: str) -> dict[str, Any]:
    kwargs = {**request["kwargs"], "door": door, "sign_key": SIG_KEY, "sign_iss": "pushpin"}
    return {"builder": request["builder"], "kwargs": kwargs}


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("function", SCENARIOS)
def test_example_answers_every_front_door_on_the_built_layer(
    function: str,
    door: str,
    sam_build: Path,
    layer: Path,
    runtime_python: Path,
    pushpin: Pushpin,
) -> None:
    requests = [_signed(request, door) for request, _ in SCENARIOS[function]]
    replies = probe(
        runtime_python,
        "invoke",
        json.dumps(requests),
        layers=[layer],
        cwd=sam_build / function,
        env={"GRIP_URL": pushpin.grip_url},
    )

    for (request, expected), reply in zip(SCENARIOS[function], replies, strict=True):
        shown = {key: reply[key] for key in expected}
        assert shown == expected, f"{request}: {reply}"


@pytest.mark.parametrize("door", DOORS)
def test_unsigned_request_is_refused_on_the_built_layer(
    door: str, sam_build: Path, layer: Path, runtime_python: Path, pushpin: Pushpin
) -> None:
    request = {"builder": UNSIGNED["builder"], "kwargs": {**UNSIGNED["kwargs"], "door": door}}
    (reply,) = probe(
        runtime_python,
        "invoke",
        json.dumps([request]),
        layers=[layer],
        cwd=sam_build / "ChatFunction",
        env={"GRIP_URL": pushpin.grip_url},
    )

    assert reply["status"] == 403
