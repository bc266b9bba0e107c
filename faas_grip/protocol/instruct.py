"""GRIP hold instructions for plain HTTP responses (Grip-Hold, Grip-Channel, Grip-Keep-Alive…).

`GripInstruct` collects what the backend wants the proxy to do and renders it with `to_headers()`.
`parse_grip_last` reads the `Grip-Last` header Pushpin sends when it recovers a stream.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Literal

from faas_grip.protocol.filters import check_filter
from faas_grip.protocol.headers import check_header_name, check_header_value

# Printable ASCII minus the characters that separate values and parameters in GRIP headers.
_NAME_CHARS = frozenset(chr(c) for c in range(0x21, 0x7F)) - set(',;"')
_RAW_SAFE = frozenset(chr(c) for c in range(0x20, 0x7F)) - set(',;"\\')

KeepAliveFormat = Literal["raw", "cstring", "base64"]
KeepAliveMode = Literal["idle", "interval"]


def check_name(value: str, what: str) -> str:
    """Validate a channel name, id or filter: printable ASCII without whitespace, `,` `;` `"`."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")
    if not _NAME_CHARS.issuperset(value):
        bad = next(c for c in value if c not in _NAME_CHARS)
        raise ValueError(
            f"{what} {value!r} contains {bad!r}: use printable ASCII without spaces, "
            "commas, semicolons or double quotes"
        )
    return value


class Channel:
    """A channel to subscribe to, optionally with the id of the last item seen and filters
    (Pushpin's names: skip-self, skip-users, require-sub, build-id, var-subst; see
    faas_grip.protocol.filters)."""

    __slots__ = ("filters", "name", "prev_id")

    def __init__(self, name: str, prev_id: str | None = None, filters: Iterable[str] = ()) -> None:
        self.name = check_name(name, "channel name")
        self.prev_id = None if prev_id is None else check_name(str(prev_id), "prev-id")
        self.filters = tuple(check_filter(check_name(f, "filter")) for f in filters)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Channel):
            return NotImplemented
        return (self.name, self.prev_id, self.filters) == (other.name, other.prev_id, other.filters)

    def __hash__(self) -> int:
        return hash((self.name, self.prev_id, self.filters))

    def __repr__(self) -> str:
        return f"Channel({self.name!r}, prev_id={self.prev_id!r}, filters={self.filters!r})"

    def to_header(self, prefix: str = "") -> str:
        """Render as one `Grip-Channel` value: `name[; prev-id=X][; filter=F]...`."""
        parts = [prefix + self.name]
        if self.prev_id is not None:
            parts.append(f"prev-id={self.prev_id}")
        parts.extend(f"filter={f}" for f in self.filters)
        return "; ".join(parts)


ChannelsArg = str | Channel | Iterable[str | Channel] | None


def to_channels(channels: ChannelsArg) -> list[Channel]:
    """Normalise a name, a Channel, or an iterable of either into a list of Channels."""
    if channels is None:
        return []
    if isinstance(channels, (str, Channel)):
        channels = [channels]
    return [c if isinstance(c, Channel) else Channel(c) for c in channels]


def cstring_escape(data: bytes) -> str:
    """Escape bytes in the `cstring` form Pushpin unescapes (\\\\, \\r, \\n, \\xNN)."""
    out = []
    for byte in data:
        ch = chr(byte)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\n":
            out.append("\\n")
        elif ch in _RAW_SAFE and ch != " ":
            out.append(ch)
        else:
            out.append(f"\\x{byte:02x}")
    return "".join(out)


class GripInstruct:
    """Hold instructions for a plain HTTP response, rendered as GRIP headers.

    >>> i = GripInstruct("news")
    >>> i.set_hold_longpoll(timeout=30)
    >>> i.to_headers()
    {'Grip-Hold': 'response', 'Grip-Channel': 'news', 'Grip-Timeout': '30'}
    """

    def __init__(self, channels: ChannelsArg = None, *, prefix: str = "") -> None:
        self.channels: list[Channel] = to_channels(channels)
        # The prefix (GRIP_PREFIX) goes into the same header as the names: same rules.
        self.prefix = check_name(prefix, "channel prefix") if prefix else ""
        self.hold: Literal["stream", "response"] | None = None
        self.timeout: int | None = None
        self.keep_alive: tuple[str, KeepAliveFormat, int, KeepAliveMode | None] | None = None
        self.next_link: tuple[str, int | None] | None = None
        self.gone_link: str | None = None
        self.expose_headers: list[str] = []
        self.status: str | None = None
        self.meta: dict[str, str] = {}

    def add_channel(self, channels: ChannelsArg) -> None:
        self.channels.extend(to_channels(channels))

    def set_hold_stream(self) -> None:
        self.hold = "stream"

    def set_hold_longpoll(self, timeout: int | None = None) -> None:
        """Hold as a long-poll; Pushpin answers with the original response after `timeout` s."""
        self.hold = "response"
        if timeout is not None:
            self.timeout = _non_negative(timeout, "long-poll timeout")

    def set_keep_alive(
        self,
        data: str | bytes,
        timeout: int,
        *,
        format: KeepAliveFormat | None = None,
        mode: KeepAliveMode | None = None,
    ) -> None:
        """Send `data` to the client every `timeout` seconds of silence (or of time, `interval`).

        The header format is chosen from the data: raw when it is plain printable ASCII,
        otherwise cstring; pass `format="base64"` for binary data.
        """
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if not raw:
            raise ValueError("keep-alive data must not be empty")
        if format is None:
            text = raw.decode("latin-1")
            format = "raw" if _RAW_SAFE.issuperset(text) and text.strip() == text else "cstring"
        if format == "raw":
            value = check_header_value(raw.decode("latin-1"), "keep-alive data")
            if not _RAW_SAFE.issuperset(value):
                raise ValueError(f"keep-alive data {value!r} cannot be sent raw; use cstring")
        elif format == "cstring":
            value = cstring_escape(raw)
        elif format == "base64":
            value = base64.b64encode(raw).decode("ascii")
        else:
            raise ValueError(f"unknown keep-alive format {format!r}")
        if mode not in (None, "idle", "interval"):
            raise ValueError(f"keep-alive mode must be 'idle' or 'interval', not {mode!r}")
        self.keep_alive = (value, format, _non_negative(timeout, "keep-alive timeout"), mode)

    def set_next_link(self, uri: str, timeout: int | None = None) -> None:
        """Ask the proxy to fetch `uri` when the stream needs more (recovery, continuation)."""
        _check_link(uri, "next link")
        self.next_link = (uri, None if timeout is None else _non_negative(timeout, "link timeout"))

    def set_gone_link(self, uri: str) -> None:
        """Ask the proxy to POST to `uri` when the client's stream or long-poll has ended
        (`Grip-Link: <uri>; rel=gone`), to let the backend clean up.

        Pushpin 1.41 and later: older versions (Debian's 1.36) ignore it.
        """
        _check_link(uri, "gone link")
        self.gone_link = uri

    def set_expose_headers(self, names: Iterable[str]) -> None:
        """Pass only these headers of this response on to the client (`Grip-Expose-Headers`);
        without it the proxy passes every header but the Grip-* ones."""
        self.expose_headers = [check_header_name(name, "exposed header") for name in names]
        if not self.expose_headers:
            raise ValueError("set_expose_headers needs at least one header name")

    def set_status(self, code: int, reason: str | None = None) -> None:
        """Status for the proxy to give the client (when the real status would be misread)."""
        if not isinstance(code, int) or not 100 <= code <= 999:
            raise ValueError(f"status code must be an integer 100-999, not {code!r}")
        self.status = (
            f"{code} {check_header_value(reason, 'status reason')}" if reason else str(code)
        )

    def set_meta(self, name: str, value: str) -> None:
        """Bind connection meta (Grip-Set-Meta), usable by publish filters."""
        check_header_name(name, "meta name")
        check_header_value(value, "meta value")
        if '"' in value or "\\" in value:
            raise ValueError(f"meta value {value!r} must not contain double quotes or backslashes")
        self.meta[name] = value

    def to_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.hold is not None:
            headers["Grip-Hold"] = self.hold
        if self.channels:
            headers["Grip-Channel"] = ", ".join(c.to_header(self.prefix) for c in self.channels)
        if self.hold == "response" and self.timeout is not None:
            headers["Grip-Timeout"] = str(self.timeout)
        if self.keep_alive is not None:
            value, fmt, timeout, mode = self.keep_alive
            ka = f"{value}; format={fmt}; timeout={timeout}"
            headers["Grip-Keep-Alive"] = ka + (f"; mode={mode}" if mode else "")
        links = []
        if self.next_link is not None:
            uri, link_timeout = self.next_link
            link = f"<{uri}>; rel=next"
            links.append(link + (f"; timeout={link_timeout}" if link_timeout is not None else ""))
        if self.gone_link is not None:
            links.append(f"<{self.gone_link}>; rel=gone")
        if links:
            headers["Grip-Link"] = ", ".join(links)
        if self.expose_headers:
            headers["Grip-Expose-Headers"] = ", ".join(self.expose_headers)
        if self.status is not None:
            headers["Grip-Status"] = self.status
        if self.meta:
            headers["Grip-Set-Meta"] = ", ".join(f'{k}="{v}"' for k, v in self.meta.items())
        return headers


def _check_link(uri: str, what: str) -> None:
    check_header_value(uri, what)
    # `,` would split the Grip-Link header where the proxy reads several links.
    if not uri or any(c in uri for c in "<> \t,"):
        raise ValueError(f"{what} {uri!r} must be a non-empty URI without <, >, commas or spaces")


def parse_grip_last(value: str | None) -> dict[str, str]:
    """Parse `Grip-Last: ch; last-id=X[, ch2; last-id=Y]` into {channel: last_id}.

    Malformed parts are skipped: the header comes from the proxy and only guides recovery.
    """
    result: dict[str, str] = {}
    if not value:
        return result
    for part in value.split(","):
        fields = [f.strip() for f in part.split(";")]
        channel = fields[0]
        for field in fields[1:]:
            key, _, val = field.partition("=")
            last_id = val.strip().strip('"')
            if key.strip().lower() == "last-id" and channel and last_id:
                result[channel] = last_id
    return result


def _non_negative(value: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{what} must be a non-negative integer (seconds), not {value!r}")
    return value
