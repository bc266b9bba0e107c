"""API Gateway WebSocket APIs: the second way a `@grip_websocket` handler's connections are held.

Behind a GRIP proxy (faas_grip.protocol.websocket) the proxy holds each connection, keeps its
subscriptions and meta, and fans publishes out. Here API Gateway holds the connection and this
package does the rest: `events` reads CONNECT / MESSAGE / DISCONNECT events, `context` is the
handler's `ws` (ApiGatewayWebSocketContext, a WebSocketContext), `connections` keeps
subscriptions and meta in DynamoDB (GRIP_CONNECTIONS_TABLE), `fanout` posts publishes to the
subscribed connections through the Management API (GRIP_WS_ENDPOINT), `clients` holds the boto3
clients. `@grip_websocket` picks this transport by the event; handler code stays the same.
boto3 loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faas_grip.aws.websocket_api.config import WebSocketApiConfig, websocket_api_config
    from faas_grip.aws.websocket_api.connections import (
        ConnectionStore,
        Subscriber,
        create_connections_table,
    )
    from faas_grip.aws.websocket_api.context import MAX_MESSAGE_BYTES, ApiGatewayWebSocketContext
    from faas_grip.aws.websocket_api.events import is_websocket_api_event
    from faas_grip.aws.websocket_api.handler import (
        connection_store,
        run_websocket_api,
        websocket_api_context,
    )

# Each name's module: loaded on first use, so the GRIP path's cold start does not pay for them.
_WHERE = {
    "WebSocketApiConfig": "config",
    "websocket_api_config": "config",
    "ConnectionStore": "connections",
    "Subscriber": "connections",
    "create_connections_table": "connections",
    "MAX_MESSAGE_BYTES": "context",
    "ApiGatewayWebSocketContext": "context",
    "is_websocket_api_event": "events",
    "connection_store": "handler",
    "run_websocket_api": "handler",
    "websocket_api_context": "handler",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "MAX_MESSAGE_BYTES",
    "ApiGatewayWebSocketContext",
    "ConnectionStore",
    "Subscriber",
    "WebSocketApiConfig",
    "connection_store",
    "create_connections_table",
    "is_websocket_api_event",
    "run_websocket_api",
    "websocket_api_config",
    "websocket_api_context",
]
