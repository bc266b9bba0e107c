"""The channel history store `faas-grip dev --history memory|dynamodb` gives the function.

memory    GRIP_HISTORY_TABLE=:memory: a MemoryHistory inside the function's process (the gateway
          keeps one warm process, so events live as long as `faas-grip dev` runs)
dynamodb  MiniStack's DynamoDB (from `make ministack`), a table made with
          DynamoDBHistory.create_table, and the variables that point boto3 at it
"""

from __future__ import annotations

from faas_grip.dev.ministack import REGION, MiniStack

KINDS = ("memory", "dynamodb")
TABLE = "faas-grip-history"


class LocalHistory:
    """Start with `start()` (returns the function's environment), stop with `stop()`."""

    def __init__(self, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"history must be one of {', '.join(KINDS)}, not {kind!r}")
        self.kind = kind
        self.ministack: MiniStack | None = None

    def start(self) -> dict[str, str]:
        """Start the store; MiniStackError when MiniStack is missing or does not start."""
        if self.kind == "memory":
            return {"GRIP_HISTORY_TABLE": ":memory:"}
        from faas_grip.history.dynamodb import DynamoDBHistory

        ministack = self.ministack = MiniStack()
        ministack.start()
        try:
            DynamoDBHistory.create_table(TABLE, client=ministack.client("dynamodb"))
        except BaseException:
            self.stop()
            raise
        return {
            "GRIP_HISTORY_TABLE": TABLE,
            "AWS_ENDPOINT_URL_DYNAMODB": ministack.endpoint,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
        }

    @property
    def description(self) -> str:
        if self.ministack is None:
            return "in the function's memory (GRIP_HISTORY_TABLE=:memory:)"
        return f"DynamoDB table {TABLE} on MiniStack at {self.ministack.endpoint}"

    def stop(self) -> None:
        if self.ministack is not None:
            self.ministack.stop()
            self.ministack = None
