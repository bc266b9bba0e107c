"""The default history store, from the environment (read once per process).

GRIP_HISTORY_TABLE  the DynamoDB table events are kept in; `:memory:` keeps them in this
                    process instead (a MemoryHistory, for tests and the local loop)
GRIP_HISTORY_TTL    seconds each event is kept before DynamoDB may expire it (unset: forever)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping

from faas_grip.errors import GripConfigError
from faas_grip.history.base import History

TABLE = "GRIP_HISTORY_TABLE"
TTL = "GRIP_HISTORY_TTL"
MEMORY = ":memory:"

_history: History | None = None
_lock = threading.Lock()


def default_history() -> History:
    """The store GRIP_HISTORY_TABLE names, made on first use and kept for the process.

    GripConfigError when it is unset or GRIP_HISTORY_TTL is not a positive whole number."""
    global _history
    history = _history
    if history is None:
        with _lock:
            if _history is None:
                _history = history_from_env(os.environ)
            history = _history
    return history


def history_from_env(environ: Mapping[str, str]) -> History:
    table = environ.get(TABLE, "").strip()
    if not table:
        raise GripConfigError(
            f"no history store is configured: set {TABLE} to a DynamoDB table name "
            f"(or {MEMORY} for a process-local store), or pass history= explicitly"
        )
    if table == MEMORY:
        from faas_grip.history.memory import MemoryHistory

        return MemoryHistory()
    from faas_grip.history.dynamodb import DynamoDBHistory

    return DynamoDBHistory(table, ttl=_ttl(environ.get(TTL, "").strip()))


def _ttl(raw: str) -> int | None:
    if not raw:
        return None
    try:
        ttl = int(raw)
    except ValueError:
        ttl = 0
    if ttl <= 0:
        raise GripConfigError(f"{TTL} must be a whole number of seconds > 0, got {raw!r}")
    return ttl


def reset() -> None:
    """Forget the default store (reset_settings() calls this)."""
    global _history
    with _lock:
        _history = None
