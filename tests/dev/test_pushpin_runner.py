"""The Pushpin runner behind `faas-grip dev` and every fixture: it starts on ports it can use."""

from __future__ import annotations

import shutil
import socket

import pytest
import requests

from faas_grip.dev.pushpin import Pushpin, PushpinError, free_port

pytestmark = pytest.mark.pushpin


def test_free_port_does_not_hand_out_the_same_port_twice() -> None:
    ports = [free_port() for _ in range(100)]
    assert len(set(ports)) == 100


def test_start_moves_to_fresh_ports_when_a_picked_one_was_taken() -> None:
    if shutil.which("pushpin") is None:
        pytest.fail("pushpin is not installed: run scripts/install-system (make test does)")
    # Another socket listens on the publish port before Pushpin binds it (the race between
    # picking a free port and using it): Pushpin starts but never answers there.
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        pushpin = Pushpin()
        pushpin.ports["publish"] = taken
        try:
            pushpin.start()
            assert pushpin.ports["publish"] != taken
            answer = requests.post(f"{pushpin.control_uri}/publish/", json={"items": []}, timeout=5)
            assert answer.status_code == 200
            with pytest.raises(PushpinError, match="already running"):
                pushpin.start()  # as `with pushpin.start():` would: never a second process
        finally:
            pushpin.stop()
    assert not pushpin.running
