"""DynamoDBHistory: events kept in a DynamoDB table, shared by every Lambda instance.

Schema (create_table and template.yaml make the same):
    partition key `channel` (S), sort key `seq` (N), PAY_PER_REQUEST, TTL on `expires`
    counter item  {channel, seq: 0, last: N}                 one per channel, never expires
    event item    {channel, seq: N, data, event?, time, expires?}

An append writes the counter (condition: it still holds N - 1) and event N (condition: it does
not exist) in one TransactWriteItems, so ids are unique and gap-free however many processes
append at once: a writer that lost the race learns the new counter from the cancellation and
tries again with N + 1 after a short jittered pause. Reads are strongly consistent, so once
event N is visible every event before it is too. boto3 loads on first use.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from faas_grip.aws.dynamodb import ensure_table, shared_client
from faas_grip.errors import HistoryError
from faas_grip.history.base import (
    History,
    StoredEvent,
    check_channel,
    check_data,
    check_event_name,
    check_limit,
    parse_id,
)

KEY, SORT, LAST = "channel", "seq", "last"
TTL_ATTRIBUTE = "expires"
COUNTER_SEQ = "0"
MAX_ITEM_BYTES = 400 * 1024  # DynamoDB's item size limit, attribute names included
APPEND_TIMEOUT = 10.0  # seconds an append may keep losing races on a busy channel
BACKOFF_BASE = 0.02  # seconds (a transaction's time or two), doubled after each lost race
BACKOFF_CAP = 0.2
QUERY_PAGE = 1000


class DynamoDBHistory(History):
    """A History in the DynamoDB table `table_name` (see the module docstring for its schema).

    `ttl`: seconds after which DynamoDB may delete an event (its counter stays, so ids never
    repeat); None keeps events forever. `client`: a boto3 DynamoDB client, by default one shared
    by the process.
    """

    def __init__(self, table_name: str, *, ttl: int | None = None, client: Any = None) -> None:
        if not isinstance(table_name, str) or not table_name:
            raise ValueError(f"table_name must be a non-empty string, got {table_name!r}")
        if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool) or ttl <= 0):
            raise ValueError(f"ttl must be a whole number of seconds > 0 or None, got {ttl!r}")
        self.table_name = table_name
        self.ttl = ttl
        self._given_client = client
        # The counter each channel was last seen at: the first guess of the next append.
        self._last_seen: dict[str, int] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def _channel_lock(self, channel: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(channel, threading.Lock())

    @property
    def client(self) -> Any:
        return self._given_client if self._given_client is not None else shared_client()

    def append(self, channel: str, data: str, *, event: str | None = None) -> StoredEvent:
        check_channel(channel)
        check_data(data)
        check_event_name(event)
        now = time.time()
        attributes: dict[str, Any] = {
            KEY: {"S": channel},
            "data": {"S": data},
            "time": {"N": f"{now:.3f}"},
        }
        if event is not None:
            attributes["event"] = {"S": event}
        if self.ttl is not None:
            attributes[TTL_ATTRIBUTE] = {"N": str(int(now) + self.ttl)}
        _check_size(channel, attributes)
        with self._channel_lock(channel):  # threads of one process take turns, not races
            return self._append(channel, data, event, now, attributes)

    def _append(
        self, channel: str, data: str, event: str | None, now: float, attributes: dict[str, Any]
    ) -> StoredEvent:
        last = self._last_seen.get(channel, 0)
        deadline = time.monotonic() + APPEND_TIMEOUT
        losses = 0  # the first guess comes from memory and may be old: retry it at once
        while True:
            seq = last + 1
            current = self._try_append(channel, seq, {**attributes, SORT: {"N": str(seq)}})
            if current is None:
                self._last_seen[channel] = seq
                return StoredEvent(channel, str(seq), data, event, float(f"{now:.3f}"))
            if current < last:
                raise HistoryError(
                    f"channel {channel!r}'s counter in DynamoDB table {self.table_name!r} went "
                    f"back from {last} to {current}: it was changed outside faas-grip"
                )
            if time.monotonic() > deadline:
                raise HistoryError(
                    f"could not append to channel {channel!r} within {APPEND_TIMEOUT:g} s: "
                    "too many publishers are appending to it at once"
                )
            last = current
            if losses:
                # Lost a race: wait a random while, longer after each loss (full jitter), so
                # racing writers spread out; then read the counter again, since it moved on
                # while we waited (retrying the value learned before would lose for sure).
                time.sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**losses)))
                last = self._counter(channel)
            losses += 1

    def _try_append(self, channel: str, seq: int, item: dict[str, Any]) -> int | None:
        """Write counter = seq and event seq together; None when written, else the counter's
        current value (another writer got there first)."""
        if seq == 1:
            counter_condition = f"attribute_not_exists(#{LAST})"
            values: dict[str, Any] = {":n": {"N": "1"}}
        else:
            counter_condition = f"#{LAST} = :prev"
            values = {":n": {"N": str(seq)}, ":prev": {"N": str(seq - 1)}}
        try:
            self._call(
                "transact_write_items",
                channel,
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self.table_name,
                            "Key": _counter_key(channel),
                            "UpdateExpression": f"SET #{LAST} = :n",
                            "ConditionExpression": counter_condition,
                            "ExpressionAttributeNames": {f"#{LAST}": LAST},
                            "ExpressionAttributeValues": values,
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": item,
                            "ConditionExpression": f"attribute_not_exists(#{SORT})",
                            "ExpressionAttributeNames": {f"#{SORT}": SORT},
                        }
                    },
                ],
            )
        except _Cancelled as cancelled:
            counter, put = [*cancelled.reasons, {}, {}][:2]
            if counter.get("Code") == "ConditionalCheckFailed":
                old = counter.get("Item", {}).get(LAST, {}).get("N")
                return int(old) if old is not None else self._counter(channel)
            if put.get("Code") == "ConditionalCheckFailed":
                raise HistoryError(
                    f"event {seq} of channel {channel!r} already exists in DynamoDB table "
                    f"{self.table_name!r} while its counter says {seq - 1}: the counter "
                    "item was changed outside faas-grip"
                ) from None
            # TransactionConflict, ThrottlingError: another transaction held the items.
            return self._counter(channel)
        return None

    def after(self, channel: str, after_id: str, *, limit: int = 1000) -> list[StoredEvent]:
        check_channel(channel)
        start = parse_id(after_id, "after id")
        check_limit(limit)
        now = time.time()
        events: list[StoredEvent] = []
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": f"#{KEY} = :c AND #{SORT} > :after",
            "ExpressionAttributeNames": {f"#{KEY}": KEY, f"#{SORT}": SORT},
            "ExpressionAttributeValues": {":c": {"S": channel}, ":after": {"N": str(start)}},
            "ConsistentRead": True,
        }
        while len(events) < limit:
            page = self._call(
                "query", channel, Limit=min(limit - len(events), QUERY_PAGE), **request
            )
            for item in page.get("Items", []):
                expires = item.get(TTL_ATTRIBUTE, {}).get("N")
                # DynamoDB deletes expired items within days, not at once: hide them meanwhile.
                if expires is None or float(expires) > now:
                    events.append(_event(item))
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return events[:limit]

    def last_id(self, channel: str) -> str:
        check_channel(channel)
        return str(self._counter(channel))

    def _counter(self, channel: str) -> int:
        reply = self._call(
            "get_item",
            channel,
            TableName=self.table_name,
            Key=_counter_key(channel),
            ConsistentRead=True,
        )
        last = int(reply.get("Item", {}).get(LAST, {}).get("N", "0"))
        self._last_seen[channel] = max(self._last_seen.get(channel, 0), last)
        return last

    def _call(self, operation: str, channel: str, **kwargs: Any) -> Any:
        """One DynamoDB call; errors become HistoryError naming the table and the permission."""
        try:
            return getattr(self.client, operation)(**kwargs)
        except Exception as exc:
            response = getattr(exc, "response", None)
            if not isinstance(response, dict):
                response = {}
            code = response.get("Error", {}).get("Code")
            if code == "TransactionCanceledException":
                raise _Cancelled(response.get("CancellationReasons") or []) from exc
            action = {
                "transact_write_items": "dynamodb:UpdateItem and dynamodb:PutItem",
                "query": "dynamodb:Query",
                "get_item": "dynamodb:GetItem",
            }[operation]
            hint = ""
            if code == "ResourceNotFoundException":
                hint = ": does the table exist? (DynamoDBHistory.create_table or template.yaml)"
            elif code in ("AccessDeniedException", "UnrecognizedClientException"):
                hint = f": the function's role needs {action} on the table"
            raise HistoryError(
                f"DynamoDB {operation} on table {self.table_name!r} (channel {channel!r}) "
                f"failed: {type(exc).__name__}: {exc}{hint}"
            ) from exc

    @staticmethod
    def create_table(table_name: str, *, client: Any = None) -> None:
        """Create the table with history's schema and TTL on `expires`; wait until it is ACTIVE.

        Idempotent: an existing table is left as it is (TTL is enabled when it is not)."""
        ensure_table(
            table_name, key=(KEY, "S"), sort=(SORT, "N"), ttl_attribute=TTL_ATTRIBUTE, client=client
        )

    def __repr__(self) -> str:
        return f"DynamoDBHistory({self.table_name!r}, ttl={self.ttl!r})"


class _Cancelled(Exception):
    """A TransactWriteItems was cancelled; `reasons` are its CancellationReasons, in order."""

    def __init__(self, reasons: list[dict[str, Any]]) -> None:
        super().__init__("transaction cancelled")
        self.reasons = reasons


def _counter_key(channel: str) -> dict[str, Any]:
    return {KEY: {"S": channel}, SORT: {"N": COUNTER_SEQ}}


def _event(item: dict[str, Any]) -> StoredEvent:
    return StoredEvent(
        channel=item[KEY]["S"],
        id=item[SORT]["N"],
        data=item["data"]["S"],
        event=item["event"]["S"] if "event" in item else None,
        time=float(item["time"]["N"]),
    )


def _check_size(channel: str, attributes: dict[str, Any]) -> None:
    """ValueError before writing an event DynamoDB would refuse (its 400 KB item limit)."""
    size = len(SORT) + 21  # the sort key: a number takes at most 21 bytes
    for name, value in attributes.items():
        (text,) = value.values()
        size += len(name.encode()) + (len(text.encode()) if "S" in value else 21)
    if size > MAX_ITEM_BYTES:
        raise ValueError(
            f"event on channel {channel!r} is {size} bytes as a DynamoDB item, over the "
            f"{MAX_ITEM_BYTES}-byte limit: keep large payloads elsewhere (S3) and publish a "
            "reference"
        )
