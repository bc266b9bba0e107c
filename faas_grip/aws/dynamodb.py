"""DynamoDB for channel history (faas_grip.history.dynamodb) and the WebSocket API's connection
store (faas_grip.aws.websocket_api.connections): one client per process, and table creation."""

from __future__ import annotations

import threading
from typing import Any

from faas_grip.aws import boto

_client: Any = None
_lock = threading.Lock()


def shared_client() -> Any:
    """The process's DynamoDB client, reused by warm invocations and shared by threads
    (AWS_ENDPOINT_URL[_DYNAMODB] points it at a local emulator)."""
    global _client
    found = _client
    if found is None:
        with _lock:
            if _client is None:
                _client = boto.session().client("dynamodb", config=boto.client_config())
            found = _client
    return found


def reset() -> None:
    """Forget the client (reset_settings() calls this: the endpoint may have changed)."""
    global _client
    with _lock:
        _client = None


def ensure_table(
    table_name: str,
    *,
    key: tuple[str, str],
    sort: tuple[str, str],
    ttl_attribute: str,
    client: Any = None,
    wait: bool = True,
) -> None:
    """Create the on-demand table `table_name`, its partition `key` and `sort` key given as
    (name, attribute type); with `wait`, wait until it is ACTIVE; enable TTL on `ttl_attribute`.

    Idempotent: an existing table is left as it is (TTL is enabled when it is not)."""
    ddb = client if client is not None else shared_client()
    try:
        ddb.create_table(
            TableName=table_name,
            AttributeDefinitions=[
                {"AttributeName": key[0], "AttributeType": key[1]},
                {"AttributeName": sort[0], "AttributeType": sort[1]},
            ],
            KeySchema=[
                {"AttributeName": key[0], "KeyType": "HASH"},
                {"AttributeName": sort[0], "KeyType": "RANGE"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    except Exception as exc:
        if getattr(exc, "response", {}).get("Error", {}).get("Code") != "ResourceInUseException":
            raise
    if wait:
        ddb.get_waiter("table_exists").wait(
            TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
        )
    ttl = ddb.describe_time_to_live(TableName=table_name).get("TimeToLiveDescription", {})
    if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        ddb.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute},
        )
