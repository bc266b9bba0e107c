"""What gets published: formats per transport, and the Item that carries them.

Each format exports the JSON Pushpin's publish API expects; text travels as `content`/`body`,
binary as `content-bin`/`body-bin` (base64).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any

from faas_grip.protocol.headers import check_header_name, check_header_value
from faas_grip.protocol.instruct import check_name

JSON = dict[str, Any]


def _content(key: str, value: str | bytes, out: JSON) -> None:
    if isinstance(value, str):
        out[key] = value
    elif isinstance(value, (bytes, bytearray, memoryview)):
        out[f"{key}-bin"] = base64.b64encode(bytes(value)).decode("ascii")
    else:
        raise TypeError(f"{key} must be str or bytes, not {type(value).__name__}")


class Format:
    """Base class of the publish formats; `name` is the key Pushpin knows it by."""

    name: str = ""

    def export(self) -> JSON:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.export() == other.export()

    def __hash__(self) -> int:
        return hash((self.name, repr(sorted(self.export().items()))))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.export()!r})"


class HttpStreamFormat(Format):
    """Content appended to every held HTTP stream; `close=True` ends the streams instead."""

    name = "http-stream"
    __slots__ = ("close", "content")

    def __init__(self, content: str | bytes | None = None, close: bool = False) -> None:
        if content is None and not close:
            raise ValueError("HttpStreamFormat needs content, or close=True")
        self.content = content
        self.close = close

    def export(self) -> JSON:
        if self.close:
            return {"action": "close"}
        out: JSON = {}
        _content("content", self.content or "", out)
        return out


class HttpResponseFormat(Format):
    """The response that completes every held long-poll request."""

    name = "http-response"
    __slots__ = ("body", "code", "headers", "reason")

    def __init__(
        self,
        body: str | bytes | None = None,
        code: int | None = None,
        reason: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if code is not None and (not isinstance(code, int) or not 100 <= code <= 999):
            raise ValueError(f"status code must be an integer 100-999, not {code!r}")
        self.body = body
        self.code = code
        self.reason = None if reason is None else check_header_value(reason, "reason")
        self.headers = {
            check_header_name(k): check_header_value(v, f"header {k}")
            for k, v in (headers or {}).items()
        }

    def export(self) -> JSON:
        out: JSON = {}
        if self.code is not None:
            out["code"] = self.code
        if self.reason is not None:
            out["reason"] = self.reason
        if self.headers:
            out["headers"] = dict(self.headers)
        if self.body is not None:
            _content("body", self.body, out)
        return out


class WebSocketMessageFormat(Format):
    """A message to every subscribed WebSocket; `close=True` closes them (code, reason)."""

    name = "ws-message"
    __slots__ = ("binary", "close", "code", "content", "reason")

    def __init__(
        self,
        content: str | bytes | None = None,
        binary: bool = False,
        close: bool = False,
        code: int | None = None,
        reason: str | None = None,
    ) -> None:
        if content is None and not close:
            raise ValueError("WebSocketMessageFormat needs content, or close=True")
        if (code is not None or reason is not None) and not close:
            raise ValueError("code and reason only apply with close=True")
        if code is not None or reason is not None:
            from faas_grip.protocol.websocket import check_close_code, check_close_reason

            if code is not None:
                check_close_code(code)
            if reason is not None:
                check_close_reason(reason)
        self.content = content
        self.binary = binary
        self.close = close
        self.code = code
        self.reason = reason

    def export(self) -> JSON:
        if self.close:
            out: JSON = {"action": "close"}
            if self.code is not None:
                out["code"] = self.code
            if self.reason:
                out["reason"] = self.reason
            return out
        out = {}
        content = self.content if self.content is not None else ""
        if self.binary and isinstance(content, str):
            content = content.encode("utf-8")
        _content("content", content, out)
        return out


FormatsArg = Format | Iterable[Format]


class Item:
    """One publish: formats for each transport, plus optional id / prev-id / meta."""

    __slots__ = ("formats", "id", "meta", "prev_id")

    def __init__(
        self,
        formats: FormatsArg,
        id: str | None = None,
        prev_id: str | None = None,
        meta: Mapping[str, str] | None = None,
    ) -> None:
        fmts = [formats] if isinstance(formats, Format) else list(formats)
        if not fmts:
            raise ValueError("an item needs at least one format")
        names = [f.name for f in fmts]
        if len(set(names)) != len(names):
            raise ValueError(f"an item holds at most one format of each kind, got {names}")
        self.formats: tuple[Format, ...] = tuple(fmts)
        self.id = None if id is None else check_name(str(id), "item id")
        self.prev_id = None if prev_id is None else check_name(str(prev_id), "item prev-id")
        self.meta = dict(meta) if meta else None

    def export(self, channel: str) -> JSON:
        """Pushpin's JSON for this item on `channel` (the channel already prefixed)."""
        out: JSON = {"channel": channel}
        if self.id is not None:
            out["id"] = self.id
        if self.prev_id is not None:
            out["prev-id"] = self.prev_id
        if self.meta:
            out["meta"] = self.meta
        out["formats"] = {f.name: f.export() for f in self.formats}
        return out

    def __repr__(self) -> str:
        return f"Item({list(self.formats)!r}, id={self.id!r}, prev_id={self.prev_id!r})"


def sse_event(
    data: str,
    event: str | None = None,
    id: str | None = None,
    retry: int | None = None,
) -> str:
    """Format one Server-Sent Event as stream content (multi-line data becomes several lines)."""
    lines = []
    for field, value in (("event", event), ("id", id)):
        if value is not None:
            if any(c in value for c in "\r\n\0"):
                raise ValueError(f"SSE {field} {value!r} must not contain CR, LF or NUL")
            lines.append(f"{field}: {value}")
    if retry is not None:
        lines.append(f"retry: {int(retry)}")
    lines.extend(
        f"data: {line}" for line in data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    )
    return "\n".join(lines) + "\n\n"


def sse_comment(text: str = "") -> str:
    """An SSE comment line (ignored by clients; used as a keep-alive)."""
    if any(c in text for c in "\r\n"):
        raise ValueError("SSE comment must be one line")
    return f":{' ' + text if text else ''}\n\n"
