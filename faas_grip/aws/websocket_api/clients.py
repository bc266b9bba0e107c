"""The Management API clients this transport uses, made on first use and kept for the process.

One client per endpoint, sized for the fan-out's parallel posts, timeouts short enough for an
invocation's deadline (faas_grip.aws.boto); its DynamoDB client is faas_grip.aws.dynamodb's.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any

from faas_grip.aws import boto

FANOUT_WORKERS = 32  # parallel posts per publish; each holds one pooled HTTPS connection

_management: dict[str, Any] = {}
_lock = threading.Lock()
_REGION = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com")


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
                client = boto.session().client(
                    "apigatewaymanagementapi",
                    endpoint_url=endpoint,
                    region_name=region or "us-east-1",
                    config=boto.client_config(FANOUT_WORKERS),
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
    """Forget the Management API clients (reset_settings() calls this: endpoints may have
    changed; faas_grip.aws.dynamodb.reset forgets the DynamoDB client)."""
    with _lock:
        _management.clear()
