"""API Gateway WebSocket API tests against moto (DynamoDB, the Management API): AWS's sample
events, a connections table per test, and helpers that drive a handler like API Gateway does."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

TABLE = "grip-connections"
ENDPOINT = "https://asasasas.execute-api.us-east-1.amazonaws.com/prod"
EVENTS = Path(__file__).resolve().parent.parent / "data" / "events"
Lambda = Callable[[Any, Any], dict[str, Any]]


def sample(kind: str) -> dict[str, Any]:
    """A fresh copy of AWS's sample event: "connect", "message" or "disconnect"."""
    path = EVENTS / f"websocket-api-{kind}.json"
    return copy.deepcopy(json.loads(path.read_text()))


def event(kind: str, connection: str, body: str | bytes | None = None, **context: Any) -> Any:
    """A sample event for `connection` (a message's body: str as text, bytes as base64)."""
    data = sample(kind)
    data["requestContext"]["connectionId"] = connection
    data["requestContext"]["connectedAt"] = 0  # long ago: old enough to forget when gone
    data["requestContext"].update(context)
    if isinstance(body, bytes):
        data["body"], data["isBase64Encoded"] = base64.b64encode(body).decode(), True
    elif body is not None:
        data["body"] = body
    return data


@pytest.fixture(scope="module")
def _moto() -> Iterator[None]:
    """moto for DynamoDB and the Management API, with the connections table (once a module)."""
    from moto import mock_aws

    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        with mock_aws():
            from faas_grip.aws.websocket_api import create_connections_table

            create_connections_table(TABLE)
            yield


@pytest.fixture
def aws(_moto: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An empty connections table named by GRIP_CONNECTIONS_TABLE, and no connection posted to."""
    from faas_grip import reset_settings
    from faas_grip.aws import dynamodb

    monkeypatch.setenv("GRIP_CONNECTIONS_TABLE", TABLE)
    reset_settings()
    yield
    client = dynamodb.shared_client()
    for row in table_rows():
        client.delete_item(TableName=TABLE, Key={"pk": row["pk"], "sk": row["sk"]})
    _management_backend().connections.clear()


def _management_backend() -> Any:
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    return apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]


def is_open(connection: str) -> bool:
    """Whether moto's Management API still holds `connection` (DeleteConnection drops it)."""
    return connection in _management_backend().connections


def posted(connection: str) -> bytes:
    """Everything moto's Management API received for `connection`, concatenated."""
    found = _management_backend().connections.get(connection)
    return b"" if found is None else found.data


def connect(handler: Lambda, *connections: str, **context: Any) -> None:
    """Open `connections` through `handler` (each must be accepted)."""
    for connection in connections:
        reply = handler(event("connect", connection, **context), None)
        assert reply["statusCode"] == 200, reply


def table_rows() -> list[dict[str, Any]]:
    from faas_grip.aws import dynamodb

    return list(dynamodb.shared_client().scan(TableName=TABLE)["Items"])
