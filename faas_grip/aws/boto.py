"""boto3, loaded on first use: the process's session, and client settings sized for Lambda.

The DynamoDB and Management API clients come from here (Powertools' providers in
faas_grip.aws.secrets make their own).
"""

from __future__ import annotations

import threading
from typing import Any

_session: Any = None  # kept for the process: it caches the service models and credentials
_lock = threading.Lock()


def session() -> Any:
    """The process's boto3 session (boto3's default one is not safe to create from several
    threads: this one is made under a lock)."""
    global _session
    found = _session
    if found is None:
        with _lock:
            if _session is None:
                import boto3  # type: ignore[import-untyped]

                _session = boto3.session.Session()
            found = _session
    return found


def reset() -> None:
    """Forget the session (reset_settings() calls this: credentials and profile are read again,
    and a mock installed since, such as moto's, reaches the clients made next)."""
    global _session
    with _lock:
        _session = None


def client_config(pool: int = 10) -> Any:
    """botocore settings for a client: boto3's defaults (60 s timeouts, legacy retries) could
    hold an invocation for minutes; `pool` connections for the threads that share it."""
    from botocore.config import Config  # type: ignore[import-untyped]

    return Config(
        connect_timeout=2,
        read_timeout=5,
        retries={"max_attempts": 3, "mode": "standard"},
        max_pool_connections=pool,
    )
