"""accept() and close() called where they do not literally apply, through real Pushpin: each does
what the handler meant instead of breaking the connection (issue 14, defect 1)."""

from __future__ import annotations

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from faas_grip.dev.server import DevServer

pytestmark = pytest.mark.pushpin


def test_accept_on_a_later_request_keeps_the_connection_working(features: DevServer) -> None:
    with connect(f"{features.ws_url}/ws") as ws:
        ws.send("accept again")
        assert ws.recv(timeout=10) == "accepted again"
        # An OPEN mid-connection made Pushpin drop the client after its next message.
        ws.send("still here")
        assert ws.recv(timeout=10) == "echo:still here"


def test_close_on_the_opening_request_accepts_then_closes(features: DevServer) -> None:
    # Without an accept, Pushpin answered the client's handshake with 502.
    with (
        connect(f"{features.ws_url}/ws?close=1") as ws,
        pytest.raises(ConnectionClosed) as closed,
    ):
        ws.recv(timeout=10)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4003, "closed on open")
