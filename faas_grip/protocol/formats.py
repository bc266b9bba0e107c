"""What gets published: formats per transport, and the Item that carries them.

Each format exports the JSON Pushpin's publish API expects; text travels as `content`/`body`,
binary as `content-bin`/`body-bin` (base64).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any

from faas_grip.protocol.filters import publish_meta
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
    """Content appended to every held HTTP stream; `close=True` ends the streams instead.

    `hint=True` carries no content: it tells the proxy that the channel has news, and the proxy
    fetches it from each stream's next link (`GripInstruct.set_next_link`).
    """

    name = "http-stream"
    __slots__ = ("close", "content", "hint")

    def __init__(
        self, content: str | bytes | None = None, close: bool = False, *, hint: bool = False
    ) -> None:
        if hint and (content is not None or close):
            raise ValueError("a hint carries no content and does not close")
        if content is None and not close and not hint:
            raise ValueError("HttpStreamFormat needs content, or close=True, or hint=True")
        self.content = content
        self.close = close
        self.hint = hint

    def export(self) -> JSON:
        if self.hint:
            return {"action": "hint"}
        if self.close:
            return {"action": "close"}
        out: JSON = {}
        _content("content", self.content or "", out)
        return out


class HttpResponseFormat(Format):
    """The response that completes every held long-poll request.

    `body_patch` (a JSON Patch, RFC 6902, as a list of operations) instead of `body` answers
    with the held request's own timeout body patched: that body must be a JSON object or array.
    `hint=True` carries no response: the proxy asks each request's next link instead.
    """

    name = "http-response"
    __slots__ = ("body", "body_patch", "code", "headers", "hint", "reason")

    def __init__(
        self,
        body: str | bytes | None = None,
        code: int | None = None,
        reason: str | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        body_patch: Iterable[Mapping[str, Any]] | None = None,
        hint: bool = False,
    ) -> None:
        if hint and (body is not None or body_patch is not None or code or reason or headers):
            raise ValueError("a hint carries no response: no body, body_patch, code or headers")
        if body is not None and body_patch is not None:
            raise ValueError("give body or body_patch, not both")
        self.hint = hint
        self.body_patch = None if body_patch is None else _json_patch(body_patch)
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
        if self.hint:
            return {"action": "hint"}
        out: JSON = {}
        if self.code is not None:
            out["code"] = self.code
        if self.reason is not None:
            out["reason"] = self.reason
        if self.headers:
            out["headers"] = dict(self.headers)
        if self.body_patch is not None:
            out["body-patch"] = [dict(op) for op in self.body_patch]
        elif self.body is not None:
            _content("body", self.body, out)
        return out


_PATCH_OPS = frozenset(("add", "remove", "replace", "move", "copy", "test"))


def _json_patch(patch: Iterable[Mapping[str, Any]]) -> tuple[dict[str, Any], ...]:
    ops = tuple(dict(op) for op in patch)
    if not ops:
        raise ValueError("body_patch needs at least one operation")
    for index, op in enumerate(ops):
        if op.get("op") not in _PATCH_OPS or not isinstance(op.get("path"), str):
            raise ValueError(
                f"body_patch operation {index} must have an 'op' ({', '.join(sorted(_PATCH_OPS))})"
                f" and a 'path' string (RFC 6902), got {op!r}"
            )
    return ops


class WebSocketMessageFormat(Format):
    """A message to every subscribed WebSocket; `close=True` closes them (code, reason).

    `refresh=True` has the proxy send each subscribed connection's backend a request (as a
    keep-alive does), so the handler can act for it. Pushpin 1.40 and later: 1.36 refuses it.
    """

    name = "ws-message"
    __slots__ = ("binary", "close", "code", "content", "reason", "refresh")

    def __init__(
        self,
        content: str | bytes | None = None,
        binary: bool = False,
        close: bool = False,
        code: int | None = None,
        reason: str | None = None,
        *,
        refresh: bool = False,
    ) -> None:
        if refresh and (content is not None or close):
            raise ValueError("refresh carries no content and does not close")
        if content is None and not close and not refresh:
            raise ValueError("WebSocketMessageFormat needs content, or close=True, or refresh=True")
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
        self.refresh = refresh

    def export(self) -> JSON:
        if self.refresh:
            return {"action": "refresh"}
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
    """One publish: formats for each transport, plus optional id / prev-id / meta.

    `no_seq=True` delivers the item at once even when its prev-id does not follow the channel's
    last id (the proxy would otherwise hold it back, then recover). `sender`, `skip_users` and
    `require_sub` set the publish meta Pushpin's filters read (faas_grip.protocol.filters):
    the item skips the subscriber whose `user` is `sender` (skip-self), the users in
    `skip_users` (skip-users), and HTTP sessions not also on channel `require_sub`
    (require-sub; GRIP_PREFIX is added to it as to the channel).
    """

    __slots__ = ("formats", "id", "meta", "no_seq", "prev_id", "require_sub")

    def __init__(
        self,
        formats: FormatsArg,
        id: str | None = None,
        prev_id: str | None = None,
        meta: Mapping[str, str] | None = None,
        *,
        no_seq: bool = False,
        sender: str | None = None,
        skip_users: Iterable[str] | None = None,
        require_sub: str | None = None,
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
        filter_meta = publish_meta(sender, skip_users)
        self.meta = {**meta, **filter_meta} if meta else filter_meta or None
        self.require_sub = None if require_sub is None else check_name(require_sub, "require_sub")
        self.no_seq = bool(no_seq)

    def export(self, channel: str, prefix: str = "") -> JSON:
        """Pushpin's JSON for this item on `channel` (the channel already prefixed; `prefix` is
        the one it got, added to `require_sub` too)."""
        out: JSON = {"channel": channel}
        if self.id is not None:
            out["id"] = self.id
        if self.prev_id is not None:
            out["prev-id"] = self.prev_id
        meta = self.meta
        if self.require_sub is not None:
            meta = {**(meta or {}), **publish_meta(require_sub=prefix + self.require_sub)}
        if meta:
            out["meta"] = meta
        if self.no_seq:
            out["no-seq"] = True
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
