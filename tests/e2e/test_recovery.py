"""Reliable HTTP streaming: a missed publish is recovered through the next link (prev-id,
Grip-Link, Grip-Last), and live delivery goes on in order."""

from __future__ import annotations

import pytest

from faas_grip.dev.server import DevServer
from tests.e2e.clients import HttpStream, send
from tests.support.clients import publish_until_seen, raw_publish

pytestmark = pytest.mark.pushpin


def add(dev: DevServer, number: int, *, skip: bool = False) -> None:
    target = f"/recover/add?id={number}" + ("&skip=1" if skip else "")
    assert send(dev.http_url, "GET", target).status == 200


def test_missed_item_is_recovered_through_the_next_link(features: DevServer) -> None:
    with HttpStream(features.http_url, "/recover") as stream:
        stream.wait_for(b"recover open\n")
        # Probes carry id 0 after 0 (the hold's prev-id): delivered, and the chain stays at 0.
        publish_until_seen(
            lambda: raw_publish(
                features.pushpin,
                "recover",
                {"http-stream": {"content": "probe\n"}},
                {"id": "0", "prev-id": "0"},
            ),
            lambda wait: b"probe\n" in stream.wait_for(b"probe\n", wait),
        )
        add(features, 1)
        assert stream.wait_for(b"1\n").endswith(b"1\n")
        add(features, 2, skip=True)  # stored, never published: Pushpin sees a gap at 3
        add(features, 3)
        # After message_wait, Pushpin asks /recover with Grip-Last: recover; last-id=1.
        assert stream.wait_for(b"3\n").endswith(b"1\n2\n3\n")
        add(features, 4)
        assert stream.wait_for(b"4\n").replace(b"probe\n", b"") == b"recover open\n1\n2\n3\n4\n"
