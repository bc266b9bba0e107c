"""Where API Gateway WebSocket connections are kept and driven, from the environment.

GRIP_CONNECTIONS_TABLE  the DynamoDB table holding connections, subscriptions and meta; when it
                        is set, `publish` fans out to the channel's API Gateway connections too
GRIP_WS_ENDPOINT        the Management API endpoint (`https://{api-id}.execute-api.{region}.
                        amazonaws.com/{stage}`, a custom domain's, or an emulator's); it wins over
                        the endpoint read from the event or kept with each connection

Read once per process; `reset_settings()` forgets them. Importing this module loads nothing heavy:
the publisher asks `current()` on every publish.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from faas_grip.errors import GripConfigError

TABLE = "GRIP_CONNECTIONS_TABLE"
ENDPOINT = "GRIP_WS_ENDPOINT"


@dataclass(frozen=True)
class WebSocketApiConfig:
    table: str | None
    endpoint: str | None


_UNSET = WebSocketApiConfig(None, None)  # sentinel: not read yet
_config: WebSocketApiConfig = _UNSET
_read = False
_lock = threading.Lock()


def config_from_env(environ: Mapping[str, str]) -> WebSocketApiConfig:
    table = environ.get(TABLE, "").strip() or None
    endpoint = environ.get(ENDPOINT, "").strip().rstrip("/") or None
    if endpoint is not None and not endpoint.startswith(("https://", "http://")):
        raise GripConfigError(
            f"{ENDPOINT} must be an http(s) URL such as "
            f"https://abc123.execute-api.us-east-1.amazonaws.com/prod, got {endpoint!r}"
        )
    return WebSocketApiConfig(table, endpoint)


def websocket_api_config() -> WebSocketApiConfig:
    """The process's configuration (read on first use)."""
    global _config, _read
    if not _read:
        with _lock:
            if not _read:
                _config, _read = config_from_env(os.environ), True
    return _config


def connections_table() -> str | None:
    """GRIP_CONNECTIONS_TABLE, or None: cheap enough for every publish."""
    return (_config if _read else websocket_api_config()).table


def reset() -> None:
    """Forget the configuration (reset_settings() calls this)."""
    global _config, _read
    with _lock:
        _config, _read = _UNSET, False
