"""The default store: GRIP_HISTORY_TABLE / GRIP_HISTORY_TTL, read once per process."""

from __future__ import annotations

import pytest

from faas_grip import reset_settings
from faas_grip.errors import GripConfigError
from faas_grip.history import DynamoDBHistory, MemoryHistory, default_history
from tests.protocol.test_import import modules_after


def test_no_table_configured_raises_naming_the_variable() -> None:
    with pytest.raises(GripConfigError, match="GRIP_HISTORY_TABLE"):
        default_history()


def test_memory_means_one_process_wide_memory_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_HISTORY_TABLE", ":memory:")
    history = default_history()
    assert isinstance(history, MemoryHistory)
    assert default_history() is history


def test_reset_settings_forgets_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_HISTORY_TABLE", ":memory:")
    history = default_history()
    reset_settings()
    assert default_history() is not history


def test_a_table_name_means_dynamodb_with_the_configured_ttl(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRIP_HISTORY_TABLE", "events")
    monkeypatch.setenv("GRIP_HISTORY_TTL", "86400")
    history = default_history()
    assert isinstance(history, DynamoDBHistory)
    assert (history.table_name, history.ttl) == ("events", 86400)


@pytest.mark.parametrize("ttl", ["0", "-5", "1.5", "a day"])
def test_a_bad_ttl_raises_naming_the_variable(monkeypatch: pytest.MonkeyPatch, ttl: str) -> None:
    monkeypatch.setenv("GRIP_HISTORY_TABLE", "events")
    monkeypatch.setenv("GRIP_HISTORY_TTL", ttl)
    with pytest.raises(GripConfigError, match="GRIP_HISTORY_TTL"):
        default_history()


def test_a_dynamodb_store_loads_boto3_only_when_it_is_used() -> None:
    assert modules_after("import faas_grip\nfaas_grip.DynamoDBHistory('events', ttl=60)") == []


def test_reset_settings_forgets_the_dynamodb_client(monkeypatch: pytest.MonkeyPatch) -> None:
    from faas_grip.aws import dynamodb

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = dynamodb.shared_client()
    assert dynamodb.shared_client() is client
    reset_settings()  # AWS_ENDPOINT_URL_DYNAMODB may have changed
    assert dynamodb.shared_client() is not client


def test_history_and_the_connection_store_share_one_dynamodb_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from faas_grip.aws.websocket_api import ConnectionStore

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert DynamoDBHistory("events").client is ConnectionStore("connections").client
