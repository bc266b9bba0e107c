"""create_connections_table against moto's DynamoDB."""

from __future__ import annotations

import pytest

from faas_grip.aws.websocket_api import ConnectionStore, create_connections_table
from tests.websocket_api.conftest import TABLE

pytestmark = pytest.mark.usefixtures("aws")


def test_create_connections_table_again_keeps_the_table_and_its_rows() -> None:
    store = ConnectionStore(TABLE)
    store.save("c1", "https://example.com/prod", 0, subscribe={"room": ()})

    create_connections_table(TABLE)

    assert [s.connection_id for s in store.subscribers("room")] == ["c1"]
