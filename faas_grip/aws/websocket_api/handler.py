"""Run a `@grip_websocket` handler for one API Gateway WebSocket API event."""

from __future__ import annotations

import logging
from typing import Any

from faas_grip.aws.websocket_api.config import websocket_api_config
from faas_grip.aws.websocket_api.connections import ConnectionStore
from faas_grip.aws.websocket_api.context import ApiGatewayWebSocketContext
from faas_grip.aws.websocket_api.events import read_event
from faas_grip.errors import GripError, WebSocketDisconnected
from faas_grip.history.base import History
from faas_grip.settings import get_settings

logger = logging.getLogger("faas_grip")

WebSocketHandler = Any  # Callable[[WebSocketContext, Any], object]; kept loose for subclasses

_stores: dict[str, ConnectionStore] = {}


def connection_store() -> ConnectionStore | None:
    """The store GRIP_CONNECTIONS_TABLE names (one per process), or None when it is unset."""
    table = websocket_api_config().table
    if table is None:
        return None
    store = _stores.get(table)
    if store is None:
        store = _stores[table] = ConnectionStore(table)
    return store


def websocket_api_context(event: Any) -> ApiGatewayWebSocketContext:
    """The `ws` for one WebSocket API event (GripProtocolError when it cannot be read)."""
    config = websocket_api_config()
    return ApiGatewayWebSocketContext(
        read_event(event, config.endpoint), connection_store(), prefix=get_settings().prefix
    )


def run_websocket_api(
    handler: WebSocketHandler, event: Any, context: Any, *, history: History | None = None
) -> dict[str, Any]:
    """Call `handler(ws, context)` for a WebSocket API event and answer API Gateway.

    `history` is what `ws.subscribe(..., after=)` replays from (default: default_history())."""
    try:
        ws = websocket_api_context(event)
    except GripError as exc:
        logger.info("refused a WebSocket API event: %d %s", exc.status, exc)
        return {"statusCode": exc.status, "body": f"{exc}\n"}
    if history is not None:
        ws.history = history
    try:
        handler(ws, context)
    except WebSocketDisconnected:
        pass  # the client is gone: what the handler did so far still counts
    reply = ws.finish()
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "websocket (API Gateway %s) connection %s: status %d",
            ws.api_event.kind,
            ws.connection_id,
            reply["statusCode"],
        )
    return reply


def reset() -> None:
    """Forget the stores (reset_settings() calls this: the table may have changed)."""
    _stores.clear()
