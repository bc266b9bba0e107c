"""ApiGatewayWebSocketContext: the handler's `ws` when API Gateway holds the connection.

The same WebSocketContext a handler gets behind a GRIP proxy — reading (`is_opening`, iteration,
`recv`), `accept` / `reject` and `meta` behave the same — with what differs behind it:

    send            a Management API post to the connection, at once
    subscribe,      rows in the connections table, written when the handler returns
    unsubscribe,
    meta, set_meta
    close           DeleteConnection once the handler returns (API Gateway sends its own close
                    frame: the code and reason cannot be passed on)

Messages cannot be sent while the connection opens: API Gateway establishes it only after
`$connect` returns.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from faas_grip.aws.websocket_api import clients
from faas_grip.aws.websocket_api.connections import Connection, ConnectionStore
from faas_grip.aws.websocket_api.events import ApiEvent
from faas_grip.errors import GripConfigError
from faas_grip.history.base import parse_id
from faas_grip.protocol.filters import REQUIRE_SUB, SKIP_SELF, SKIP_USERS, check_filter
from faas_grip.protocol.instruct import Channel, check_name
from faas_grip.protocol.websocket import (
    Meta,
    WebSocketContext,
    check_close_code,
    check_close_reason,
)

logger = logging.getLogger("faas_grip")

SUPPORTED_FILTERS = frozenset((SKIP_SELF, SKIP_USERS, REQUIRE_SUB))  # those that need no proxy
REPLAY_LIMIT = 1000  # events per subscribe(after=), as behind a proxy
MAX_MESSAGE_BYTES = 128 * 1024  # API Gateway's message limit (sent in frames of 32 KB)
_warned: set[str] = set()


class _StoredMeta:
    """The connection's meta read from its row on first use (Meta.from_headers' protocol)."""

    def __init__(self, ws: ApiGatewayWebSocketContext) -> None:
        self._ws = ws

    def peek(self, name: str) -> str | None:
        return None  # no cheap single lookup: the row is read once, whole

    def with_prefix(self, prefix: str) -> dict[str, str]:
        row = self._ws.stored()
        return dict(row.meta) if row is not None else {}


class ApiGatewayWebSocketContext(WebSocketContext):
    """One API Gateway WebSocket event, and what the handler does about it."""

    def __init__(
        self, api_event: ApiEvent, store: ConnectionStore | None, *, prefix: str = ""
    ) -> None:
        opening = api_event.kind == "CONNECT"
        super().__init__(
            api_event.connection_id,
            Meta() if opening else Meta.from_headers(_StoredMeta(self)),
            api_event.events,
            prefix=prefix,
            headers=api_event.headers,
            query=api_event.query,
            event=api_event.raw,
        )
        self.api_event = api_event
        self.endpoint = api_event.endpoint
        self.store = store
        self._row: Connection | None = None
        self._row_read = opening  # nothing is kept yet for a connection being opened
        self._subscribe: dict[str, tuple[str, ...]] = {}
        self._unsubscribe: list[str] = []
        self._sub_meta: dict[str, str] | None = None
        self._close_after = False
        self._replays: list[tuple[str, str]] = []  # (channel, after id), replayed once subscribed

    def stored(self) -> Connection | None:
        """The connection's row in the table (read once per invocation)."""
        if not self._row_read:
            self._row_read = True
            self._row = self._need_store("read meta").get(self.connection_id)
        return self._row

    def _need_store(self, what: str) -> ConnectionStore:
        if self.store is None:
            raise GripConfigError(
                f"cannot {what} of an API Gateway WebSocket connection: set "
                "GRIP_CONNECTIONS_TABLE to the connections table"
            )
        return self.store

    def _not_while_opening(self, what: str) -> None:
        if self.is_opening():
            raise RuntimeError(
                f"{what} while the connection opens: API Gateway establishes it only after "
                "$connect returns; do it in reply to the client's first message, or publish"
            )

    # -- writing -----------------------------------------------------------------------------

    def send(self, text: str) -> None:
        """Post a text message to this client now (the Management API)."""
        if not isinstance(text, str):
            raise TypeError(f"send() takes str; use send_binary() for {type(text).__name__}")
        self._post(text.encode("utf-8"))

    def send_binary(self, data: bytes) -> None:
        """API Gateway delivers every posted message as a text frame: only UTF-8 bytes fit."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"send_binary() takes bytes, not {type(data).__name__}")
        raw = bytes(data)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(
                "API Gateway WebSocket APIs send every message as a text frame and replace "
                "invalid UTF-8: encode binary data (base64) and send() it as text"
            ) from None
        self._post(raw)

    def _post(self, data: bytes) -> None:
        self._not_while_opening("a message cannot be sent")
        if len(data) > MAX_MESSAGE_BYTES:
            raise ValueError(
                f"message of {len(data)} bytes: API Gateway WebSocket APIs carry at most "
                f"{MAX_MESSAGE_BYTES} bytes per message"
            )
        if self.disconnected:
            return
        try:
            clients.management(self.endpoint).post_to_connection(
                ConnectionId=self.connection_id, Data=data
            )
        except Exception as exc:
            if not clients.is_gone(exc):
                raise
            # As behind a proxy: what is sent to a connection that has gone is dropped.
            logger.info("connection %s is gone: message dropped", self.connection_id)
            self.disconnected = True

    def send_control(self, message: Mapping[str, Any]) -> None:
        raise RuntimeError(
            "GRIP control messages go to a GRIP proxy; this connection is held by API Gateway "
            "(use subscribe, unsubscribe, set_meta, close)"
        )

    def subscribe(
        self,
        channel: str | Channel,
        filters: Iterable[str] | None = None,
        *,
        after: str | None = None,
        user: str | None = None,
    ) -> None:
        """Subscribe this connection to a channel (GRIP_PREFIX is added) when the handler
        returns; `filters` (skip-self, skip-users, require-sub) apply to its publishes, and
        `user=NAME` sets the subscriber meta `user` they read.

        `after=ID` then posts the channel's stored events after ID (see WebSocketContext); not
        while the connection opens (nothing can be sent then): replay in reply to the client's
        first message."""
        self._need_store("subscribe")
        ch = channel if isinstance(channel, Channel) else Channel(channel, filters=filters or ())
        chosen = (*ch.filters, *(filters or ())) if isinstance(channel, Channel) else ch.filters
        unsupported = sorted({check_filter(f) for f in chosen} - SUPPORTED_FILTERS)
        if unsupported:
            raise ValueError(
                f"filter {unsupported[0]!r} cannot be applied on API Gateway; "
                f"use {', '.join(sorted(SUPPORTED_FILTERS))}"
            )
        if after is not None:
            self._not_while_opening("stored events cannot be replayed")
            parse_id(after, "after id")  # ValueError now, not after the handler returned
            self._replays.append((ch.name, after))
        if user is not None:
            self.set_meta("user", user)
        name = self.prefix + ch.name
        if name in self._unsubscribe:
            self._unsubscribe.remove(name)
        self._subscribe[name] = tuple(dict.fromkeys(chosen))

    def unsubscribe(self, channel: str | Channel) -> None:
        self._need_store("unsubscribe")
        name = channel.name if isinstance(channel, Channel) else check_name(channel, "channel name")
        full = self.prefix + name
        self._subscribe.pop(full, None)
        self._unsubscribe.append(full)

    def set_meta(self, name: str, value: str) -> None:
        """Set subscriber meta (read by publish filters: `user` for skip-self / skip-users)."""
        check_name(name, "meta name")
        if not isinstance(value, str):
            raise ValueError(f"meta value must be a string, not {type(value).__name__}")
        if self._sub_meta is None:
            row = self.stored() if self.store is not None else None
            self._sub_meta = dict(row.sub_meta) if row is not None else {}
        self._sub_meta[name] = value

    def detach(self) -> None:
        _warn_once("detach", "detach() has no effect on API Gateway: every message is delivered")

    def keep_alive(
        self,
        content: str | bytes | None,
        timeout: int = 55,
        mode: str = "idle",
        *,
        message_type: str | None = None,
    ) -> None:
        _warn_once(
            "keep_alive",
            "keep_alive() has no effect on API Gateway (it drops a connection idle for 10 "
            "minutes): have the client send a message now and then",
        )

    def close(self, code: int = 1000, reason: str = "") -> None:
        """End the connection once the handler returns. API Gateway sends the client its own
        close frame: `code` and `reason` are checked but cannot be passed on."""
        check_close_code(code)
        check_close_reason(reason)
        self._not_while_opening("the connection cannot be closed (use reject())")
        self._close_after = True

    def disconnect(self) -> None:
        """As close(): API Gateway has one way to end a connection."""
        self._not_while_opening("the connection cannot be dropped (use reject())")
        self._close_after = True

    # -- after the handler --------------------------------------------------------------------

    def finish(self) -> dict[str, Any]:
        """Apply what the handler did and return the Lambda response for API Gateway."""
        kind = self.api_event.kind
        if kind == "DISCONNECT":
            if self.store is not None:
                self.store.remove([self.connection_id])
            return {"statusCode": 200}
        if kind == "CONNECT" and not self.accepted:
            if self.rejected:
                body = self.encode()
                headers = self.to_headers()
                try:
                    return {"statusCode": self.status(), "headers": headers, "body": body.decode()}
                except UnicodeDecodeError:
                    return _binary(self.status(), headers, body)
            logger.info("connection %s neither accepted nor rejected: refused", self.connection_id)
            return {"statusCode": 403}
        self._save()
        for channel, after in self._replays:
            self._replay_posts(channel, after)
        if self._close_after and not self.disconnected:
            try:
                clients.management(self.endpoint).delete_connection(ConnectionId=self.connection_id)
            except Exception as exc:
                if not clients.is_gone(exc):
                    raise
        if kind == "CONNECT":
            protocol = self.to_headers().get("Sec-WebSocket-Protocol")
            if protocol is not None:
                return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": protocol}}
        return {"statusCode": 200}

    def _replay_posts(self, channel: str, after: str) -> None:
        from faas_grip.history.config import default_history
        from faas_grip.history.render import ws_text

        store = self.history if self.history is not None else default_history()
        for event in store.after(channel, after, limit=REPLAY_LIMIT):
            if self.disconnected:
                return
            self._post(ws_text(event).encode("utf-8"))

    def _save(self) -> None:
        changes = self.meta.changes
        if not (self._subscribe or self._unsubscribe or changes or self._sub_meta is not None):
            return
        store = self._need_store("keep subscriptions or meta")
        row = self._row
        store.save(
            self.connection_id,
            row.endpoint if row is not None and row.endpoint else self.endpoint,
            self.api_event.connected_at,
            subscribe=self._subscribe,
            unsubscribe=self._unsubscribe,
            meta=dict(self.meta) if changes else None,
            sub_meta=self._sub_meta,
        )


def _binary(status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    import base64

    return {
        "statusCode": status,
        "headers": headers,
        "body": base64.b64encode(body).decode("ascii"),
        "isBase64Encoded": True,
    }


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        logger.warning(message)
