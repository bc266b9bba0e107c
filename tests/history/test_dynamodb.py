"""DynamoDBHistory against moto and against MiniStack's DynamoDB (the same tests on both)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from faas_grip.errors import HistoryError
from faas_grip.history import DynamoDBHistory, default_history
from faas_grip.history import dynamodb as dynamodb_module
from tests.history.contract import HistoryContract
from tools.aws_local import REGION, MiniStack


@pytest.fixture
def history(table_name: str, dynamodb: Any) -> DynamoDBHistory:
    return DynamoDBHistory(table_name, client=dynamodb)


class TestDynamoDBHistory(HistoryContract):
    pass


def raw_item(dynamodb: Any, table: str, channel: str, seq: int) -> dict[str, Any]:
    item: dict[str, Any] = dynamodb.get_item(
        TableName=table, Key={"channel": {"S": channel}, "seq": {"N": str(seq)}}
    ).get("Item", {})
    return item


def test_create_table_makes_the_documented_schema_with_ttl(table_name: str, dynamodb: Any) -> None:
    table = dynamodb.describe_table(TableName=table_name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert {(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]} == {
        ("channel", "HASH"),
        ("seq", "RANGE"),
    }
    ttl = dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires")


def test_create_table_again_keeps_the_table_and_its_events(table_name: str, dynamodb: Any) -> None:
    DynamoDBHistory(table_name, client=dynamodb).append("news", "kept")
    DynamoDBHistory.create_table(table_name, client=dynamodb)
    assert [e.data for e in DynamoDBHistory(table_name, client=dynamodb).after("news", "0")] == [
        "kept"
    ]


def test_ttl_writes_the_expiry_on_each_event_and_never_on_the_counter(
    table_name: str, dynamodb: Any
) -> None:
    before = int(time.time())
    DynamoDBHistory(table_name, ttl=3600, client=dynamodb).append("news", "x")
    expires = int(raw_item(dynamodb, table_name, "news", 1)["expires"]["N"])
    assert before + 3600 <= expires <= int(time.time()) + 3600
    assert "expires" not in raw_item(dynamodb, table_name, "news", 0)


def test_without_ttl_events_have_no_expiry(table_name: str, dynamodb: Any) -> None:
    DynamoDBHistory(table_name, client=dynamodb).append("news", "x")
    assert "expires" not in raw_item(dynamodb, table_name, "news", 1)


def test_expired_events_are_not_replayed_before_dynamodb_deletes_them(
    table_name: str, dynamodb: Any
) -> None:
    history = DynamoDBHistory(table_name, ttl=3600, client=dynamodb)
    history.append("news", "old")
    history.append("news", "new")
    dynamodb.update_item(
        TableName=table_name,
        Key={"channel": {"S": "news"}, "seq": {"N": "1"}},
        UpdateExpression="SET expires = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 10)}},
    )
    assert [e.data for e in history.after("news", "0")] == ["new"]
    assert history.last_id("news") == "2"


def test_after_reads_every_query_page(
    table_name: str, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = DynamoDBHistory(table_name, client=dynamodb)
    for n in range(7):
        history.append("news", str(n))
    monkeypatch.setattr(dynamodb_module, "QUERY_PAGE", 2)
    assert [e.id for e in history.after("news", "0")] == [str(n) for n in range(1, 8)]
    assert [e.id for e in history.after("news", "2", limit=3)] == ["3", "4", "5"]


def test_another_process_continues_the_same_counter(table_name: str, dynamodb: Any) -> None:
    # Each store remembers the counter it last saw; a stale guess must cost a retry, not an id.
    first = DynamoDBHistory(table_name, client=dynamodb)
    second = DynamoDBHistory(table_name, client=dynamodb)
    assert first.append("news", "a").id == "1"
    assert second.append("news", "b").id == "2"
    assert first.append("news", "c").id == "3"
    assert [e.data for e in first.after("news", "0")] == ["a", "b", "c"]


def test_an_event_over_the_item_size_limit_raises_value_error_and_writes_nothing(
    table_name: str, dynamodb: Any
) -> None:
    history = DynamoDBHistory(table_name, client=dynamodb)
    with pytest.raises(ValueError, match="over the 409600-byte limit"):
        history.append("news", "é" * 205_000)  # 410,000 bytes of UTF-8
    assert history.last_id("news") == "0"
    assert history.append("news", "x" * 400_000).id == "1"


def test_a_missing_table_raises_history_error_naming_it(dynamodb: Any) -> None:
    history = DynamoDBHistory("no-such-table", client=dynamodb)
    with pytest.raises(HistoryError, match=r"'no-such-table'.*create_table"):
        history.append("news", "x")
    with pytest.raises(HistoryError, match="'no-such-table'"):
        history.after("news", "0")


class OneRequestAtATime:
    """A client wrapper that lets one request through at a time (moto is not thread-safe:
    under 10 threads its conditional writes were seen to hand out duplicate ids)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._client, name)

        def call(**kwargs: Any) -> Any:
            with self._lock:
                return method(**kwargs)

        return call


def test_racing_appenders_get_every_id_exactly_once_in_order(
    table_name: str, dynamodb: Any, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 10 threads, each its own store (as 10 Lambda instances), race on one channel: 100 appends
    # each on MiniStack, whose requests truly interleave. moto is not thread-safe (its conditional
    # writes handed out duplicate ids under 10 threads), so there its requests go one at a time,
    # still racing between requests; 5 each, as each moto transaction copies the whole table.
    # The proof is about ids: on this shared machine, latency is not the point (the default
    # 10 s give-up would make the test fail for the machine's load, not for a wrong id).
    monkeypatch.setattr(dynamodb_module, "APPEND_TIMEOUT", 120.0)
    client, per_thread = dynamodb, 100
    if request.node.callspec.params["dynamodb"] == "moto":
        client, per_thread = OneRequestAtATime(dynamodb), 5
    got: list[tuple[str, str]] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def appender(n: int) -> None:
        history = DynamoDBHistory(table_name, client=client)
        try:
            for i in range(per_thread):
                stored = history.append("race", f"{n}-{i}")
                with lock:
                    got.append((stored.id, stored.data))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=appender, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(int(i) for i, _ in got) == list(range(1, 10 * per_thread + 1))
    stored = DynamoDBHistory(table_name, client=dynamodb).after("race", "0", limit=2000)
    assert [(e.id, e.data) for e in stored] == sorted(got, key=lambda pair: int(pair[0]))


def test_the_environment_configures_the_default_store(
    ministack: MiniStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # boto3 reads AWS_ENDPOINT_URL_DYNAMODB: this is how the local loop points it at MiniStack.
    for name, value in {
        "AWS_ENDPOINT_URL_DYNAMODB": ministack.endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "GRIP_HISTORY_TABLE": "history-from-env",
        "GRIP_HISTORY_TTL": "600",
    }.items():
        monkeypatch.setenv(name, value)
    DynamoDBHistory.create_table("history-from-env")
    history = default_history()
    assert isinstance(history, DynamoDBHistory)
    assert (history.table_name, history.ttl) == ("history-from-env", 600)
    assert history.append("news", "x").id == "1"
    assert default_history() is history
    assert raw_item(ministack.client("dynamodb"), "history-from-env", "news", 1)["expires"]
