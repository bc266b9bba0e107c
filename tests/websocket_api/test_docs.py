"""docs/websocket-api.md's examples run as written (against moto)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.websocket_api.conftest import connect, event, posted

DOC = Path(__file__).resolve().parents[2] / "docs" / "websocket-api.md"
pytestmark = pytest.mark.usefixtures("aws")


def blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.M | re.S)


def test_the_chat_example_keeps_the_nick_and_broadcasts_with_it() -> None:
    namespace: dict[str, Any] = {}
    exec(compile(blocks()[0], str(DOC), "exec"), namespace)
    chat = namespace["chat"]
    connect(chat, "ann", "bob")

    chat(event("message", "ann", "/nick ann"), None)
    chat(event("message", "ann", "hello"), None)

    assert (posted("ann"), posted("bob")) == (b"nickname set to [ann]ann: hello", b"ann: hello")


def test_create_connections_table_example_makes_a_usable_table() -> None:
    from faas_grip.aws import dynamodb
    from faas_grip.aws.websocket_api import ConnectionStore

    # The fixture's table already has the example's name: make the example's under another.
    code = blocks()[1].replace('"grip-connections"', '"docs-connections"')
    exec(compile(code, str(DOC), "exec"), {})

    store = ConnectionStore("docs-connections")
    store.save("c1", "https://example.com/prod", 0, subscribe={"room": ()})
    try:
        assert [s.connection_id for s in store.subscribers("room")] == ["c1"]
    finally:
        dynamodb.shared_client().delete_table(TableName="docs-connections")
