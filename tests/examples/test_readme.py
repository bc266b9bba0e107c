"""The README's WebSocket and HTTP sections: their code runs and does what the text says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from faas_grip.testing import http_event, read_response, websocket_event
from tests.support.publish_server import PublishServer

README = Path(__file__).resolve().parents[2] / "README.md"


def section_code(heading: str) -> list[str]:
    """The python blocks of the README section under `## heading`."""
    text = README.read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def run(code: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(code, str(README), "exec"), namespace)
    return namespace


def test_chat_snippet_sets_nick_and_publishes(published: PublishServer) -> None:
    (code,) = section_code("WebSockets: the chat")
    handler = run(code)["handler"]
    assert read_response(handler(websocket_event(open=True), None)).subscriptions == ["room"]
    assert read_response(handler(websocket_event(text="/nick bob"), None)).meta == {"nick": "bob"}
    handler(websocket_event(text="hi", meta={"nick": "bob"}), None)
    assert published.items[0]["formats"] == {"ws-message": {"content": "bob: hi"}}


def test_stream_and_longpoll_snippets_hold_and_publish(published: PublishServer) -> None:
    stream_code, poll_code = section_code("HTTP streaming and long-polling")
    stream = run(stream_code)["handler"]
    assert read_response(stream(http_event("http"), None)).hold == "stream"
    poll = run(poll_code)["handler"]
    reply = read_response(poll(http_event("rest"), None))
    assert (reply.status, reply.hold) == (204, "response")
    assert [item["channel"] for item in published.items] == ["news", "news"]
