"""WebSocketContext: one invocation's view of a WebSocket connection held by the proxy.

The proxy delivers a batch of events per request; the context lets a handler read them like a
socket (`recv`, iteration) and records what it does (`accept`, `send`, `subscribe`, `close`…),
then renders the reply with `to_headers()` and `encode()`.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, Protocol

from faas_grip.errors import GripProtocolError, NoMessageError, WebSocketDisconnected
from faas_grip.protocol.events import (
    BINARY,
    CLOSE,
    CONTENT_TYPE,
    DISCONNECT,
    OPEN,
    PING,
    PONG,
    TEXT,
    WebSocketEvent,
    encode_events,
)
from faas_grip.protocol.headers import (
    _TCHAR,
    CaseInsensitiveDict,
    check_header_name,
    check_header_value,
    is_token,
)
from faas_grip.protocol.instruct import Channel, check_name

if TYPE_CHECKING:
    from faas_grip.history.base import History

# Headers of the OPEN reply that Pushpin consumes itself instead of passing them to the client.
_RESERVED_ACCEPT_HEADERS = frozenset(
    (
        "content-type",
        "content-length",
        "keep-alive-interval",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
    )
)
# Pushpin refuses a reply body larger than this: the client's handshake fails with 502, or the
# open connection is dropped. `send()` and friends raise before a reply grows past it.
MAX_REPLY_BYTES = 1_000_000
_REPLAY_LIMIT = 1000  # events per subscribe(after=)
# Room kept for what outgoing_events() adds around the queued events: OPEN and a CLOSE echo.
_RENDER_RESERVE = len(b"OPEN\r\n") + len(b"CLOSE 2\r\n\x03\xe8\r\n")
_NO_STATUS = (1005, 1006, 1015)  # reserved: never sent in a close frame
_MAX_CONTROL_PAYLOAD = 125  # a control frame's payload (RFC 6455 §5.5)
_MAX_REASON_BYTES = 123  # a close frame's payload is at most 125 bytes, 2 of them the code


def check_close_code(code: int) -> int:
    """Return `code` if an endpoint may send it in a close frame (RFC 6455 §7.4), else raise."""
    if (
        not isinstance(code, int)
        or isinstance(code, bool)
        or not 1000 <= code <= 4999
        or code in _NO_STATUS
        or 1016 <= code <= 2999
        or code == 1004
    ):
        raise ValueError(
            f"close code {code!r} cannot be sent: use 1000-1003, 1007-1015 (not 1005/1006) "
            "or 3000-4999"
        )
    return code


def check_close_reason(reason: str) -> bytes:
    """`reason` as UTF-8 if it fits in a close frame (at most 123 bytes), else raise."""
    if not isinstance(reason, str):
        raise TypeError(f"close reason must be a str, not {type(reason).__name__}")
    raw = reason.encode("utf-8")
    if len(raw) > _MAX_REASON_BYTES:
        raise ValueError(
            f"close reason is {len(raw)} bytes in UTF-8; a close frame holds at most "
            f"{_MAX_REASON_BYTES}"
        )
    return raw


def check_message_prefix(prefix: str) -> str:
    """Return `prefix` if it can be announced in `grip; message-prefix="..."`, else raise."""
    check_header_value(prefix, "message prefix")
    if '"' in prefix or "\\" in prefix:
        raise ValueError(f'message prefix {prefix!r} cannot contain " or \\')
    return prefix


def parse_close(content: bytes | None) -> tuple[int | None, str]:
    """Split a CLOSE event's content into (code, reason); (None, "") when it has no code."""
    if not content:
        return None, ""
    if len(content) < 2:
        raise GripProtocolError(f"CLOSE content of {len(content)} byte is too short for a code")
    (code,) = struct.unpack(">H", content[:2])
    try:
        reason = content[2:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GripProtocolError("CLOSE reason is not valid UTF-8") from exc
    return code, reason


class MetaHeaders(Protocol):
    """Request headers Meta can be read from lazily (faas_grip.request.EventHeaders)."""

    def peek(self, name: str) -> str | None: ...

    def with_prefix(self, prefix: str) -> dict[str, str]: ...


class Meta(MutableMapping[str, str]):
    """Connection meta with case-insensitive names; changes become `Set-Meta-*` headers.

    Names are stored lower-case (header names are case-insensitive, and front doors such as
    HTTP APIs lower-case them). Deleting a name sends an empty value, which unbinds it.
    """

    __slots__ = ("_changes", "_headers", "_read")

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._read: dict[str, str] | None = _meta_values(values or {})
        self._headers: MetaHeaders | None = None
        self._changes: dict[str, str] = {}

    @classmethod
    def from_headers(cls, headers: MetaHeaders) -> Meta:
        """Meta bound to a request's `Meta-*` headers, read on first use.

        A request carries 20-30 headers: looking up one name does not scan them all.
        """
        meta = cls.__new__(cls)
        meta._read, meta._headers, meta._changes = None, headers, {}
        return meta

    @property
    def _values(self) -> dict[str, str]:
        values = self._read
        if values is None:
            assert self._headers is not None
            values = self._read = _meta_values(self._headers.with_prefix("Meta-"))
        return values

    def __getitem__(self, name: str) -> str:
        key = name.lower()
        headers = self._headers
        if self._read is None and headers is not None and is_token(key):
            # The spellings proxies and front doors use: as set (lower-case), or Title-Case.
            value = headers.peek("Meta-" + key) or headers.peek("Meta-" + key.title())
            if value is not None:
                return value
        return self._values[key]

    def get(self, name: str, default: Any = None) -> Any:
        # Mapping.get, without its extra layers: handlers read meta on every request.
        if self._read is None:
            key = name.lower()
            headers = self._headers
            if headers is not None and key and _TCHAR.issuperset(key):  # is_token(key)
                value = headers.peek("Meta-" + key) or headers.peek("Meta-" + key.title())
                if value is not None:
                    return value
        return self._values.get(name.lower(), default)

    def __setitem__(self, name: str, value: str) -> None:
        key = check_header_name(name, "meta name").lower()
        self._values[key] = self._changes[key] = check_header_value(
            value, f"meta value of {name!r}"
        )

    def __delitem__(self, name: str) -> None:
        key = name.lower()
        del self._values[key]
        self._changes[key] = ""

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Meta({self._values!r})"

    @property
    def changes(self) -> dict[str, str]:
        """Names set or deleted in this invocation, with their new value ("" for deleted)."""
        return dict(self._changes)


def _meta_values(values: Mapping[str, str]) -> dict[str, str]:
    # A name that is not a header token was never bound with Set-Meta-* (a forged request):
    # leave it out, or deleting it would write it into a response header.
    return {k.lower(): v for k, v in values.items() if is_token(k)}


class WebSocketContext:
    """The events of one WebSocket-over-HTTP request, and the reply being built.

    >>> ws = WebSocketContext("conn-1", events=[WebSocketEvent("OPEN")])
    >>> ws.is_opening()
    True
    >>> ws.accept(); ws.subscribe("room")
    >>> ws.encode()
    b'OPEN\\r\\nTEXT 27\\r\\nc:{"type":"subscribe","channel":"room"}\\r\\n'
    """

    # Defaults held by the class, so each invocation's context is cheaper to build; every one
    # is immutable and replaced (never mutated) on the instance when it changes.
    close_code: int | None = None
    close_reason = ""
    disconnected = False
    _read = 0
    _accepted = False
    _protocol: str | None = None
    _rejection: tuple[int, dict[str, str], bytes] | None = None
    _closed = False  # a CLOSE or DISCONNECT was queued by the handler
    _client_close: WebSocketEvent | None = None  # the client's first CLOSE in this batch
    _accept_headers: Mapping[str, str] = {}  # replaced, never mutated
    # What subscribe(after=) replays from; None: the store GRIP_HISTORY_TABLE names.
    history: History | None = None

    def __init__(
        self,
        connection_id: str,
        meta: Mapping[str, str] | None = None,
        events: Iterable[WebSocketEvent] = (),
        *,
        prefix: str = "",
        message_prefix: str = "m:",
        headers: Mapping[str, str] | None = None,
        path: str = "/",
        query: Mapping[str, str] | None = None,
        event: Any = None,
    ) -> None:
        self.connection_id = connection_id
        self.meta = meta if isinstance(meta, Meta) else Meta(meta)
        self.prefix = prefix
        if message_prefix != "m:":
            check_message_prefix(message_prefix)
        self.message_prefix = message_prefix
        # Front doors hand over their case-insensitive headers: share them rather than copy.
        # (The MRO test is isinstance without ABCMeta's Python-level __instancecheck__.)
        self.headers: CaseInsensitiveDict = (
            headers  # type: ignore[assignment]
            if CaseInsensitiveDict in type(headers).__mro__
            else CaseInsensitiveDict(headers)
        )
        self.path = path
        self.query: dict[str, str] = dict(query) if query else {}
        self.event = event
        self._in = list(events)
        self._texts: dict[int, str] = {}
        self._out: list[WebSocketEvent] = []
        self._reply_bytes = _RENDER_RESERVE
        self._scan_incoming()

    def _scan_incoming(self) -> None:
        # One pass before the handler runs: bad UTF-8, a bad CLOSE or an oversized PING is a 400
        # before the handler has acted, and the batch's pings are answered whether or not the
        # handler reads that far. Only the most recent PING gets its PONG (RFC 6455 §5.5.3
        # allows it): a body of many pings cannot outgrow the reply limit.
        texts = self._texts
        ping: WebSocketEvent | None = None
        for index, event in enumerate(self._in):
            type_, content = event
            if type_ == TEXT:
                try:
                    texts[index] = content.decode("utf-8") if content else ""
                except UnicodeDecodeError as exc:
                    raise GripProtocolError(
                        f"event {index}: TEXT content is not valid UTF-8"
                    ) from exc
            elif type_ == PING:
                if content is not None and len(content) > _MAX_CONTROL_PAYLOAD:
                    raise GripProtocolError(
                        f"event {index}: PING payload of {len(content)} bytes; a ping holds at "
                        f"most {_MAX_CONTROL_PAYLOAD}"
                    )
                ping = event
            elif type_ == CLOSE:
                parse_close(content)
                if self._client_close is None:
                    self._client_close = event
        if ping is not None:
            self._queue(_event(PONG, ping.content))

    # -- reading ---------------------------------------------------------------------------

    def is_opening(self) -> bool:
        """True when this request opens the connection (its first event is OPEN)."""
        return bool(self._in) and self._in[0].type == OPEN

    @property
    def events(self) -> list[WebSocketEvent]:
        """Every event of this request, read or not."""
        return list(self._in)

    @property
    def protocols(self) -> list[str]:
        """Subprotocols the client offered (Sec-WebSocket-Protocol), in its order.

        Only tokens are listed (RFC 6455 §4.1): anything else cannot be echoed back in a header.
        """
        offered = self.headers.get("Sec-WebSocket-Protocol", "")
        return [p for p in (p.strip() for p in offered.split(",")) if is_token(p)]

    def can_recv(self) -> bool:
        """True while a message, CLOSE or DISCONNECT is left to read."""
        return any(e.type in (TEXT, BINARY, CLOSE, DISCONNECT) for e in self._in[self._read :])

    def recv_raw(self) -> WebSocketEvent:
        """Return the next event of any type, unprocessed; raise NoMessageError if none is left."""
        if self._read >= len(self._in):
            raise NoMessageError("no event left in this request's batch")
        event = self._in[self._read]
        self._read += 1
        if event.type == CLOSE:
            self.close_code, self.close_reason = parse_close(event.content)
        elif event.type == DISCONNECT:
            self.disconnected = True
        return event

    def recv(self) -> str | bytes | None:
        """Return the next message: str for TEXT, bytes for BINARY, None for CLOSE.

        OPEN, PING and PONG are skipped (pings are answered automatically). A DISCONNECT raises
        WebSocketDisconnected; no message left raises NoMessageError.
        """
        while True:
            index = self._read
            event = self.recv_raw()
            if event.type == TEXT:
                return self._texts[index]
            if event.type == BINARY:
                return event.content or b""
            if event.type == CLOSE:
                return None
            if event.type == DISCONNECT:
                raise WebSocketDisconnected(f"connection {self.connection_id} was disconnected")

    def __iter__(self) -> Iterator[str | bytes]:
        """Yield messages until the batch ends, the client closes, or it disconnects."""
        events = self._in
        while self._read < len(events):
            index = self._read
            self._read = index + 1
            type_, content = events[index]
            if type_ == TEXT:
                yield self._texts[index]
            elif type_ == BINARY:
                yield content or b""
            elif type_ == CLOSE:
                self.close_code, self.close_reason = parse_close(content)
                return
            elif type_ == DISCONNECT:
                self.disconnected = True
                return

    # -- the handshake -----------------------------------------------------------------------

    def accept(self, protocol: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        """Accept the connection (answering an OPEN), optionally choosing a subprotocol.

        On a later request the connection is open already: the arguments are checked, and
        nothing is added to the reply (an OPEN mid-connection makes Pushpin drop the client).
        """
        if self._rejection is not None:
            raise RuntimeError("the connection was already rejected")
        if protocol is not None:
            check_header_value(protocol, "subprotocol")
            offered = self.protocols
            if protocol not in offered:
                raise ValueError(
                    f"subprotocol {protocol!r} was not offered by the client ({offered})"
                )
        extra = {}
        for name, value in (headers or {}).items():
            check_header_name(name, "accept header name")
            if name.lower() in _RESERVED_ACCEPT_HEADERS or name.lower().startswith(
                ("set-meta-", "grip-")
            ):
                raise ValueError(
                    f"header {name!r} is set by faas-grip itself and cannot be passed to accept()"
                )
            extra[name] = check_header_value(value, f"accept header {name}")
        if not self.is_opening():
            return
        self._accepted = True
        self._protocol = protocol
        self._accept_headers = {**self._accept_headers, **extra}

    def reject(
        self, status: int, body: str | bytes = "", headers: Mapping[str, str] | None = None
    ) -> None:
        """Refuse the connection: the client's handshake gets this status, headers and body."""
        if not self.is_opening():
            raise RuntimeError("reject() only applies to the opening request; use close() later")
        if self._accepted:
            raise RuntimeError("the connection was already accepted")
        if not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError(f"rejection status must be 400-599, not {status!r}")
        checked = {
            check_header_name(k, "reject header name"): check_header_value(v, f"reject header {k}")
            for k, v in (headers or {}).items()
        }
        checked.setdefault("Content-Type", "text/plain; charset=utf-8")
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        self._rejection = (status, checked, data)

    @property
    def accepted(self) -> bool:
        return self._accepted

    @property
    def rejected(self) -> bool:
        return self._rejection is not None

    # -- writing -----------------------------------------------------------------------------

    def send(self, text: str) -> None:
        """Send a text message to this client."""
        if not isinstance(text, str):
            raise TypeError(f"send() takes str; use send_binary() for {type(text).__name__}")
        content = (self.message_prefix + text).encode()
        length = len(content)
        # _queue's size check, inline for the most frequent call: "TEXT", " ", hex digits,
        # CRLF, content, CRLF.
        size = self._reply_bytes + 9 + length + ((length.bit_length() + 3) >> 2 or 1)
        if size > MAX_REPLY_BYTES:
            self._queue(tuple.__new__(WebSocketEvent, (TEXT, content)))  # raises
        self._reply_bytes = size
        self._out.append(tuple.__new__(WebSocketEvent, (TEXT, content)))

    def send_binary(self, data: bytes) -> None:
        """Send a binary message to this client."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"send_binary() takes bytes, not {type(data).__name__}")
        self._queue(WebSocketEvent(BINARY, self.message_prefix.encode("utf-8") + bytes(data)))

    def send_control(self, message: Mapping[str, Any]) -> None:
        """Send a GRIP control message (`c:` + JSON) to the proxy."""
        if "type" not in message:
            raise ValueError("a control message needs a 'type'")
        body = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
        self._queue(WebSocketEvent(TEXT, ("c:" + body).encode("utf-8")))

    def subscribe(
        self,
        channel: str | Channel,
        filters: Iterable[str] | None = None,
        *,
        after: str | None = None,
        user: str | None = None,
    ) -> None:
        """Subscribe this connection to a channel (GRIP_PREFIX is added).

        `filters` are Pushpin's (faas_grip.protocol.filters). `user=NAME` first sets the
        subscriber meta `user` that `skip-self` and `skip-users` compare with a publish's
        `sender` / `skip_users` (it is the connection's, for all its channels).

        `after=ID` then sends the channel's stored events after ID from `history`, as JSON
        text messages `{"id", "event", "data"}` (ValueError when ID is not a decimal id). The
        subscription comes first, so an event published meanwhile may also arrive live: clients
        drop ids they have seen. A replay stops at 1,000 events or when the reply is full; the
        client asks again from the last id it got.
        """
        ch = channel if isinstance(channel, Channel) else Channel(channel, filters=filters or ())
        if isinstance(channel, Channel) and filters:
            ch = Channel(channel.name, channel.prev_id, (*channel.filters, *filters))
        message: dict[str, Any] = {"type": "subscribe", "channel": self.prefix + ch.name}
        if ch.filters:
            message["filters"] = list(ch.filters)
        if user is not None:
            self.set_meta("user", user)  # before subscribing: the first item is filtered too
        self.send_control(message)
        if after is not None:
            self._replay(ch.name, after)

    def _replay(self, channel: str, after: str) -> None:
        from faas_grip.history.config import default_history
        from faas_grip.history.render import ws_text

        store = self.history if self.history is not None else default_history()
        for event in store.after(channel, after, limit=_REPLAY_LIMIT):
            message = _event(TEXT, (self.message_prefix + ws_text(event)).encode("utf-8"))
            if self._reply_bytes + _encoded_size(message) > MAX_REPLY_BYTES:
                break  # the rest goes when the client asks again from the last id it got
            self._queue(message)

    def unsubscribe(self, channel: str | Channel) -> None:
        name = channel.name if isinstance(channel, Channel) else check_name(channel, "channel name")
        self.send_control({"type": "unsubscribe", "channel": self.prefix + name})

    def detach(self) -> None:
        """Stop sending this connection's events to the backend (the proxy keeps it open)."""
        self.send_control({"type": "detach"})

    def keep_alive(
        self,
        content: str | bytes | None,
        timeout: int = 55,
        mode: str = "idle",
        *,
        message_type: str | None = None,
    ) -> None:
        """Have the proxy send `content` to the client after `timeout` idle seconds, or every
        `timeout` seconds with `mode="interval"`.

        `message_type` ("text", "binary", "ping", "pong") is the frame it goes in; by default
        text for str content, binary for bytes. The proxy sends it as is (no message prefix).
        `None` turns a previous keep-alive off.
        """
        if mode not in ("idle", "interval"):
            raise ValueError(f"keep-alive mode must be 'idle' or 'interval', not {mode!r}")
        message: dict[str, Any] = {"type": "keep-alive"}
        if content is not None:
            _control_content(message, content, message_type)
            if not isinstance(timeout, int) or timeout < 1:
                raise ValueError(f"keep-alive timeout must be a positive integer, not {timeout!r}")
            message["timeout"] = timeout
            if mode != "idle":  # idle is the proxy's default: the wire stays as it always was
                message["mode"] = mode
        elif message_type is not None:
            raise ValueError("message_type applies to keep-alive content; None turns it off")
        self.send_control(message)

    def send_delayed(
        self, content: str | bytes, timeout: int = 1, *, message_type: str | None = None
    ) -> None:
        """Have the proxy send `content` to the client `timeout` seconds from now, unless
        `flush_delayed()` sends it sooner. A new delayed message first sends the one pending.

        Sent as is (no message prefix); `message_type` as for keep_alive().
        """
        if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout < 1:
            raise ValueError(f"send_delayed timeout must be a positive integer, not {timeout!r}")
        message: dict[str, Any] = {"type": "send-delayed"}
        _control_content(message, content, message_type)
        message["timeout"] = timeout
        self.send_control(message)

    def flush_delayed(self) -> None:
        """Have the proxy send the pending `send_delayed()` message now."""
        self.send_control({"type": "flush-delayed"})

    def set_meta(self, name: str, value: str) -> None:
        """Set subscriber meta in the proxy (the `set-meta` control), used by publish filters."""
        check_name(name, "meta name")
        if not isinstance(value, str):
            raise ValueError(f"meta value must be a string, not {type(value).__name__}")
        self.send_control({"type": "set-meta", "name": name, "value": value})

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection with a code and an optional reason (at most 123 UTF-8 bytes).

        On the opening request the connection is accepted first, unless the handler rejected it:
        the client's handshake succeeds and the close frame follows (a close without an OPEN
        makes Pushpin fail the handshake with 502). To refuse the handshake, use `reject()`.
        """
        check_close_code(code)
        raw_reason = check_close_reason(reason)
        if not self._accepted and self._rejection is None and self.is_opening():
            self.accept()
        self._queue(WebSocketEvent(CLOSE, struct.pack(">H", code) + raw_reason))
        self._closed = True

    def disconnect(self) -> None:
        """Drop the connection without a close handshake."""
        self._queue(WebSocketEvent(DISCONNECT))
        self._closed = True

    def _queue(self, event: WebSocketEvent) -> None:
        """Add an event to the reply, unless the reply would outgrow what the proxy accepts."""
        content = event[1]
        if content is None:
            size = self._reply_bytes + len(event[0]) + 2
        else:  # as _encoded_size: type, " ", hex digits, CRLF, content, CRLF
            length = len(content)
            size = self._reply_bytes + len(event[0]) + ((length.bit_length() + 3) >> 2 or 1)
            size += length + 5
        if size > MAX_REPLY_BYTES:
            raise ValueError(
                f"this {event.type} would make the reply {size} bytes; the GRIP proxy accepts at "
                f"most {MAX_REPLY_BYTES}: publish large content to a channel the connection is "
                "subscribed to instead"
            )
        self._reply_bytes = size
        self._out.append(event)

    # -- rendering ---------------------------------------------------------------------------

    def outgoing_events(self) -> list[WebSocketEvent]:
        """The reply's events: OPEN first when accepting, then what the handler queued.

        A client CLOSE the handler left unanswered is answered here, echoing its code, because
        Pushpin drops the TCP connection without one.
        """
        events = [_OPEN, *self._out] if self._accepted else list(self._out)
        if not self._closed and self._client_close is not None:
            code, _ = parse_close(self._client_close.content)
            events.append(WebSocketEvent(CLOSE, None if code is None else struct.pack(">H", code)))
        return events

    def status(self) -> int:
        return self._rejection[0] if self._rejection else 200

    def to_headers(self) -> dict[str, str]:
        """Headers of the reply: Content-Type, the GRIP extension, subprotocol, Set-Meta-*."""
        if self._rejection is not None:
            return dict(self._rejection[1])
        headers = {"Content-Type": CONTENT_TYPE}
        if self._accepted:
            headers["Sec-WebSocket-Extensions"] = (
                "grip"
                if self.message_prefix == "m:"
                else f'grip; message-prefix="{self.message_prefix}"'
            )
            if self._protocol is not None:
                headers["Sec-WebSocket-Protocol"] = self._protocol
            headers.update(self._accept_headers)
        for name, value in self.meta._changes.items():
            headers["Set-Meta-" + name] = value
        return headers

    def encode(self) -> bytes:
        """The reply body: the encoded events, or the rejection's body."""
        if self._rejection is not None:
            return self._rejection[2]
        if not self._accepted and self._client_close is None:
            return encode_events(self._out)  # outgoing_events() would add nothing
        return encode_events(self.outgoing_events())


_MESSAGE_TYPES = ("text", "binary", "ping", "pong")


def _control_content(
    message: dict[str, Any], content: str | bytes, message_type: str | None
) -> None:
    """Put `content` in a keep-alive or send-delayed control, as Pushpin reads it."""
    if isinstance(content, str):
        message["content"] = content
    elif isinstance(content, (bytes, bytearray, memoryview)):
        import base64

        message["content-bin"] = base64.b64encode(bytes(content)).decode("ascii")
    else:
        raise TypeError(f"content must be str or bytes, not {type(content).__name__}")
    if message_type is not None:
        if message_type not in _MESSAGE_TYPES:
            raise ValueError(
                f"message_type must be one of {', '.join(_MESSAGE_TYPES)}, not {message_type!r}"
            )
        message["message-type"] = message_type


def _event(type_: str, content: bytes | None) -> WebSocketEvent:
    # For events built here from checked parts: skips WebSocketEvent's validation.
    return tuple.__new__(WebSocketEvent, (type_, content))


_OPEN = _event(OPEN, None)


def _encoded_size(event: WebSocketEvent) -> int:
    """Bytes `event` takes in an encoded body (see encode_events)."""
    if event.content is None:
        return len(event.type) + 2
    length = len(event.content)
    hex_digits = (length.bit_length() + 3) // 4 or 1
    return len(event.type) + hex_digits + length + 5  # " ", hex digits, CRLF, content, CRLF
