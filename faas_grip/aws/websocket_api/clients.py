"""The boto3 clients this transport uses, made on first use and kept for the process.

boto3 loads here only. One DynamoDB client, and one Management API client per endpoint, sized for
the fan-out's parallel posts; timeouts short enough for an invocation's deadline.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any

FANOUT_WORKERS = 32  # parallel posts per publish; each holds one pooled HTTPS connection

_session: Any = None  # kept across reset(): it caches the service models clients are made from
_dynamodb: Any = None
_management: dict[str, Any] = {}
_lock = threading.Lock()
_REGION = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com")


def _config(pool: int) -> Any:
    from botocore.config import Config  # type: ignore[import-untyped]

    return Config(
        connect_timeout=2,
        read_timeout=5,
        retries={"max_attempts": 3, "mode": "standard"},
        max_pool_connections=pool,
    )


def _boto3_session() -> Any:
    # boto3's default session is not safe to create from several threads: one of our own.
    global _session
    if _session is None:
        import boto3  # type: ignore[import-untyped]

        _session = boto3.session.Session()
    return _session


def dynamodb() -> Any:
    """The process's DynamoDB client (AWS_ENDPOINT_URL[_DYNAMODB] points it at an emulator)."""
    global _dynamodb
    client = _dynamodb
    if client is None:
        with _lock:
            if _dynamodb is None:
                _dynamodb = _boto3_session().client("dynamodb", config=_config(10))
            client = _dynamodb
    return client


def management(endpoint: str) -> Any:
    """The Management API (`@connections`) client for `endpoint`, shared by threads."""
    client = _management.get(endpoint)
    if client is None:
        with _lock:
            client = _management.get(endpoint)
            if client is None:
                found = _REGION.search(endpoint)
                region = (
                    found.group(1)
                    if found
                    else os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
                )
                client = _boto3_session().client(
                    "apigatewaymanagementapi",
                    endpoint_url=endpoint,
                    region_name=region or "us-east-1",
                    config=_config(FANOUT_WORKERS),
                )
                _management[endpoint] = client
    return client


def error_code(exc: BaseException) -> tuple[str, int | None]:
    """(AWS error code, HTTP status) of a botocore ClientError; ("", None) for anything else."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return "", None
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code, status if isinstance(status, int) else None


def is_gone(exc: BaseException) -> bool:
    """True when the Management API said the connection no longer exists (410 GoneException)."""
    code, status = error_code(exc)
    return code == "GoneException" or status == 410


def reset() -> None:
    """Forget the clients (reset_settings() calls this: endpoints may have changed)."""
    global _dynamodb
    with _lock:
        _dynamodb = None
        _management.clear()
