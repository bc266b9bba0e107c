"""`faas-grip dev --history dynamodb`: the function keeps events in a DynamoDB table on MiniStack,
and a reconnecting client is replayed from there (behind real Pushpin)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from faas_grip.dev.history import TABLE
from faas_grip.dev.ministack import find_ministack
from faas_grip.dev.server import DevServer
from tests.e2e.clients import HttpStream, send
from tests.e2e.conftest import HANDLERS, require_pushpin
from tests.e2e.test_reliable_delivery import ids, publish

pytestmark = pytest.mark.pushpin


@pytest.fixture(scope="module")
def dev() -> Iterator[DevServer]:
    require_pushpin()
    if find_ministack() is None:
        pytest.fail("MiniStack is not installed: run `make ministack` (make test does)")
    with DevServer("reliable.handler", code_dir=HANDLERS, history="dynamodb") as server:
        yield server


def test_events_are_kept_in_the_dynamodb_table(dev: DevServer) -> None:
    assert [publish(dev, "ddb", f"item {n}") for n in range(1, 4)] == ["1", "2", "3"]
    assert dev.history is not None and dev.history.ministack is not None
    table = dev.history.ministack.client("dynamodb").query(
        TableName=TABLE,
        KeyConditionExpression="channel = :c AND seq > :z",
        ExpressionAttributeValues={":c": {"S": "ddb"}, ":z": {"N": "0"}},
    )
    assert [item["data"]["S"] for item in table["Items"]] == ["item 1", "item 2", "item 3"]


def test_a_reconnecting_stream_is_replayed_from_dynamodb(dev: DevServer) -> None:
    for n in range(1, 4):
        publish(dev, "ddb-sse", f"item {n}")
    headers = {"Last-Event-ID": "1"}
    with HttpStream(dev.http_url, "/sse?channel=ddb-sse", headers) as stream:
        assert ids(stream.wait_for(b"id: 3\n")) == ["2", "3"]
        publish(dev, "ddb-sse", "item 4")
        assert ids(stream.wait_for(b"id: 4\n")) == ["2", "3", "4"]


def test_the_function_is_pointed_at_ministack(dev: DevServer) -> None:
    assert dev.history is not None and dev.history.ministack is not None
    assert dev.env["GRIP_HISTORY_TABLE"] == TABLE
    assert dev.env["AWS_ENDPOINT_URL_DYNAMODB"] == dev.history.ministack.endpoint
    assert send(dev.gateway_url, "GET", "/calls").status == 200
