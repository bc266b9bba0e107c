"""Several Pushpin instances in front of one function (GRIP_PROXIES): a publish reaches the
clients of each."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from websockets.sync.client import connect

from faas_grip.dev.server import DevServer
from tests.e2e.clients import publish_via_function

pytestmark = pytest.mark.pushpin


def test_function_gets_every_instance_in_grip_proxies(
    dev_factory: Callable[..., DevServer],
) -> None:
    dev = dev_factory(proxies=2)
    assert json.loads(dev.env["GRIP_PROXIES"]) == [p.grip_url for p in dev.pushpins]
    assert "GRIP_URL" not in dev.env


def test_publish_reaches_the_clients_of_each_instance(
    dev_factory: Callable[..., DevServer],
) -> None:
    dev = dev_factory(proxies=2)
    first, second = dev.pushpins
    with connect(f"{first.ws_url}/ws") as one, connect(f"{second.ws_url}/ws") as two:
        for ws in (one, two):
            ws.send("subscribe both")
            assert ws.recv(timeout=10) == "subscribed"
        publish_via_function(dev, "both", "to every proxy")
        assert one.recv(timeout=10) == "to every proxy"
        assert two.recv(timeout=10) == "to every proxy"
