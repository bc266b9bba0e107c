"""ConnectionStore: API Gateway WebSocket connections, their subscriptions and meta in DynamoDB.

Schema (create_connections_table and template.yaml make the same), PAY_PER_REQUEST, TTL on
`expires`, partition key `pk` (S), sort key `sk` (S):

    connection    pk `c#{connection id}`, sk `-`      endpoint, at, meta (M), sub_meta (M),
                                                     channels (SS), expires
    subscription  pk `s#{channel}`, sk `{connection id}`  endpoint, at, filters (L), expires

A publish reads one partition per channel (a Query), so fan-out never scans. `at` is when the
connection opened (ms); `expires` is `at` + API Gateway's 2-hour connection limit + a margin,
so rows of connections whose $disconnect never ran vanish on their own. Writes happen after the
handler returns, batched (as the proxy applies a reply's controls after the reply).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from faas_grip.aws import dynamodb

KEY, SORT, TTL_ATTRIBUTE = "pk", "sk", "expires"
CONNECTION_SORT = "-"
MAX_CONNECTION_SECONDS = 2 * 3600  # API Gateway closes every connection after 2 hours
TTL_MARGIN = 600
BATCH_WRITE = 25  # DynamoDB's BatchWriteItem limit
BATCH_GET = 100  # and BatchGetItem's
ATTEMPTS = 8  # rounds for unprocessed batch items before giving up


def connection_key(connection_id: str) -> dict[str, Any]:
    return {KEY: {"S": "c#" + connection_id}, SORT: {"S": CONNECTION_SORT}}


def subscription_key(channel: str, connection_id: str) -> dict[str, Any]:
    return {KEY: {"S": "s#" + channel}, SORT: {"S": connection_id}}


@dataclass(frozen=True)
class Subscriber:
    """One connection subscribed to a channel, as a publish reads it."""

    connection_id: str
    endpoint: str
    at: int  # when the connection opened, epoch milliseconds
    filters: tuple[str, ...] = ()


@dataclass
class Connection:
    """A connection's row."""

    connection_id: str
    endpoint: str
    at: int
    meta: dict[str, str]
    sub_meta: dict[str, str]
    channels: set[str]


def _strings(value: Mapping[str, str]) -> dict[str, Any]:
    return {"M": {k: {"S": v} for k, v in value.items()}}


def _read_strings(attribute: Any) -> dict[str, str]:
    if not isinstance(attribute, dict):
        return {}
    return {k: v["S"] for k, v in attribute.get("M", {}).items() if "S" in v}


def _connection(row: Mapping[str, Any]) -> Connection:
    return Connection(
        connection_id=row[KEY]["S"][2:],
        endpoint=row.get("endpoint", {}).get("S", ""),
        at=int(row.get("at", {}).get("N", "0")),
        meta=_read_strings(row.get("meta")),
        sub_meta=_read_strings(row.get("sub_meta")),
        channels=set(row.get("channels", {}).get("SS", ())),
    )


class ConnectionStore:
    """The connections table `table_name`; `client` defaults to the process's DynamoDB client."""

    def __init__(self, table_name: str, *, client: Any = None) -> None:
        if not isinstance(table_name, str) or not table_name:
            raise ValueError(f"table_name must be a non-empty string, got {table_name!r}")
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> Any:
        return self._client if self._client is not None else dynamodb.shared_client()

    def __repr__(self) -> str:
        return f"ConnectionStore({self.table_name!r})"

    # -- one connection ---------------------------------------------------------------------

    def get(self, connection_id: str) -> Connection | None:
        """The connection's row, or None when it is not (or no longer) kept."""
        answer = self.client.get_item(
            TableName=self.table_name, Key=connection_key(connection_id), ConsistentRead=True
        )
        row = answer.get("Item")
        return None if row is None else _connection(row)

    def save(
        self,
        connection_id: str,
        endpoint: str,
        at: int,
        *,
        subscribe: Mapping[str, Iterable[str]] | None = None,
        unsubscribe: Iterable[str] = (),
        meta: Mapping[str, str] | None = None,
        sub_meta: Mapping[str, str] | None = None,
    ) -> None:
        """Apply one invocation's changes: subscriptions (channel → filters), unsubscriptions,
        and the whole meta / subscriber meta when they changed (None: unchanged).

        The connection row is created when missing (a connection opened before the table
        existed), so it always carries its endpoint and TTL.
        """
        subscribe = dict(subscribe or {})
        gone = [c for c in dict.fromkeys(unsubscribe) if c not in subscribe]
        expires = at // 1000 + MAX_CONNECTION_SECONDS + TTL_MARGIN
        common = {"endpoint": {"S": endpoint}, "at": {"N": str(at)}, "expires": {"N": str(expires)}}
        writes: list[dict[str, Any]] = []
        for channel, filters in subscribe.items():
            item = {**subscription_key(channel, connection_id), **common}
            chosen = list(filters)
            if chosen:
                item["filters"] = {"L": [{"S": f} for f in chosen]}
            writes.append({"PutRequest": {"Item": item}})
        writes.extend({"DeleteRequest": {"Key": subscription_key(c, connection_id)}} for c in gone)
        self._write(writes)
        names = {"#e": "endpoint", "#a": "at", "#x": "expires"}
        values: dict[str, Any] = {
            ":e": common["endpoint"],
            ":a": common["at"],
            ":x": common["expires"],
        }
        sets = [
            "#e = if_not_exists(#e, :e)",
            "#a = if_not_exists(#a, :a)",
            "#x = if_not_exists(#x, :x)",
        ]
        for attribute, value in (("meta", meta), ("sub_meta", sub_meta)):
            if value is not None:
                names["#" + attribute] = attribute
                values[":" + attribute] = _strings(value)
                sets.append(f"#{attribute} = :{attribute}")
        expression = "SET " + ", ".join(sets)
        if subscribe:
            names["#c"] = "channels"
            values[":c"] = {"SS": list(subscribe)}
            expression += " ADD #c :c"
        self.client.update_item(
            TableName=self.table_name,
            Key=connection_key(connection_id),
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
        if gone:  # a separate update: one expression may not both ADD to and DELETE from a set
            self.client.update_item(
                TableName=self.table_name,
                Key=connection_key(connection_id),
                UpdateExpression="DELETE #c :c",
                ExpressionAttributeNames={"#c": "channels"},
                ExpressionAttributeValues={":c": {"SS": gone}},
            )

    def remove(self, connection_ids: Iterable[str]) -> None:
        """Forget connections: their subscriptions and their rows."""
        ids = list(dict.fromkeys(connection_ids))
        if not ids:
            return
        rows = self.get_many(ids)
        writes = [
            {"DeleteRequest": {"Key": subscription_key(channel, connection_id)}}
            for connection_id, row in rows.items()
            for channel in row.channels
        ]
        writes.extend({"DeleteRequest": {"Key": connection_key(c)}} for c in ids)
        self._write(writes)

    # -- many connections -------------------------------------------------------------------

    def subscribers(self, channel: str) -> list[Subscriber]:
        """Every connection subscribed to `channel` (the full, prefixed name)."""
        found: list[Subscriber] = []
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "#k = :k",
            "ExpressionAttributeNames": {"#k": KEY},
            "ExpressionAttributeValues": {":k": {"S": "s#" + channel}},
            "ConsistentRead": True,  # a subscription made a moment ago is seen
        }
        while True:
            answer = self.client.query(**request)
            for row in answer.get("Items", ()):
                filters = tuple(f["S"] for f in row.get("filters", {}).get("L", ()))
                found.append(
                    Subscriber(
                        row[SORT]["S"],
                        row.get("endpoint", {}).get("S", ""),
                        int(row.get("at", {}).get("N", "0")),
                        filters,
                    )
                )
            last = answer.get("LastEvaluatedKey")
            if not last:
                return found
            request["ExclusiveStartKey"] = last

    def get_many(self, connection_ids: Iterable[str]) -> dict[str, Connection]:
        """The rows of those connections that are kept, by connection id."""
        ids = list(dict.fromkeys(connection_ids))
        found: dict[str, Connection] = {}
        for start in range(0, len(ids), BATCH_GET):
            keys = [connection_key(c) for c in ids[start : start + BATCH_GET]]
            request: dict[str, Any] = {self.table_name: {"Keys": keys, "ConsistentRead": True}}
            for attempt in range(ATTEMPTS):
                answer = self.client.batch_get_item(RequestItems=request)
                for row in answer.get("Responses", {}).get(self.table_name, ()):
                    connection = _connection(row)
                    found[connection.connection_id] = connection
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                _pause(attempt)
            else:
                raise RuntimeError(f"DynamoDB left keys of {self.table_name} unread: throttled")
        return found

    def _write(self, writes: list[dict[str, Any]]) -> None:
        for start in range(0, len(writes), BATCH_WRITE):
            request = {self.table_name: writes[start : start + BATCH_WRITE]}
            for attempt in range(ATTEMPTS):
                answer = self.client.batch_write_item(RequestItems=request)
                request = answer.get("UnprocessedItems") or {}
                if not request:
                    break
                _pause(attempt)
            else:
                raise RuntimeError(f"DynamoDB left writes to {self.table_name} undone: throttled")


def _pause(attempt: int) -> None:
    time.sleep(min(0.05 * 2**attempt, 1.0))


def create_connections_table(table_name: str, *, client: Any = None, wait: bool = True) -> None:
    """Create the connections table (the schema above) with TTL on `expires`; with `wait`, wait
    until it is ACTIVE. Idempotent: an existing table is left as it is.

    For tests and scripts; template.yaml declares the same table for deployments."""
    dynamodb.ensure_table(
        table_name,
        key=(KEY, "S"),
        sort=(SORT, "S"),
        ttl_attribute=TTL_ATTRIBUTE,
        client=client,
        wait=wait,
    )
