"""examples/wsgi behind real Pushpin: a client cannot set its own connection meta by sending
`Meta_Nick` (Pushpin strips only `Meta-Nick`; WSGI folds both into HTTP_META_NICK)."""

from __future__ import annotations

import sys
import time

import pytest
from websockets.sync.client import connect

from tests.platforms.conftest import EXAMPLES, behind_pushpin

pytestmark = pytest.mark.pushpin


def test_a_client_meta_header_with_underscores_is_not_trusted() -> None:
    with (
        behind_pushpin([sys.executable, "app.py", "{port}"], EXAMPLES / "wsgi") as pushpin,
        connect(f"{pushpin.ws_url}/chat", additional_headers={"Meta_Nick": "mallory"}) as ws,
    ):
        # The chat publishes each line to the room this client joined on open: say it again
        # until the subscription is live and the line comes back.
        deadline = time.monotonic() + 15
        while True:
            ws.send("hello")
            try:
                line = ws.recv(timeout=0.5)
                break
            except TimeoutError:
                assert time.monotonic() < deadline, "the chat line never came back"
    assert line == "anonymous: hello"
