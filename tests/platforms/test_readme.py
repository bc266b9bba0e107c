"""The README's section on other platforms: its code runs and does what the text says."""

from __future__ import annotations

from typing import Any

from faas_grip import encode_events
from faas_grip.protocol.events import CONTENT_TYPE, WebSocketEvent
from faas_grip.settings import reset_settings
from tests.examples.test_readme import run, section_code
from tests.platforms.test_asgi import call
from tests.support.publish_server import PublishServer


def test_async_asgi_snippet_accepts_and_publishes(monkeypatch: Any) -> None:
    (code,) = section_code("Other platforms and async handlers")
    chat = run(code)["chat"]
    headers = {"Content-Type": CONTENT_TYPE, "Connection-Id": "c1"}
    opened = call(chat, "POST", encode_events([WebSocketEvent("OPEN")]), headers)
    assert (opened.accepted, opened.subscriptions) == (True, ["room"])
    with PublishServer() as published:
        monkeypatch.setenv("GRIP_URL", published.url)
        reset_settings()
        call(chat, "POST", encode_events([WebSocketEvent("TEXT", "hi")]), headers)
    assert published.items[0]["formats"] == {"ws-message": {"content": "hi"}}
