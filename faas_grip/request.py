"""Request: one HTTP request as faas-grip reads it, whichever front door or framework delivered it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from faas_grip.errors import GripProtocolError
from faas_grip.protocol.events import CONTENT_TYPE
from faas_grip.protocol.headers import CaseInsensitiveDict

HeadersArg = Mapping[str, str] | Iterable[tuple[str, str]]


class EventHeaders(CaseInsensitiveDict):
    """Case-insensitive headers over an event's header dict, indexed only when first needed.

    Front doors hand over a dict of 20-30 headers on every invocation while a typical request
    reads three of them: `get` looks the usual spellings up in the event's dict directly, and
    the case-insensitive index (the parent's `_items` slot) is built on the first other use.
    Null values (found in real events) are skipped.
    """

    __slots__ = ("_raw",)

    def __init__(self, raw: Mapping[str, Any] | None = None) -> None:
        self._raw: Mapping[str, Any] | None = raw or {}

    def __getattr__(self, name: str) -> Any:
        if name != "_items" or self._raw is None:
            raise AttributeError(name)
        items = {
            k.lower(): (k, v)
            for k, v in self._raw.items()
            if isinstance(v, str) and isinstance(k, str)
        }
        self._items = items
        self._raw = None
        return items

    def get(self, name: str, default: Any = None) -> Any:
        value = self.peek(name)
        if value is not None:
            return value
        found = self._items.get(name.lower())
        return default if found is None else found[1]

    def peek(self, name: str) -> str | None:
        """The value of `name` when the event spells it as given or lower-case, else None;
        cheap: the index is not built for it."""
        raw = self._raw
        if raw is None:
            found = self._items.get(name.lower())
            return None if found is None else found[1]
        value = raw.get(name)
        if value.__class__ is str:
            return value
        value = raw.get(name.lower())
        return value if value.__class__ is str else None

    def with_prefix(self, prefix: str) -> dict[str, str]:
        """Headers named `prefix…` (any case): the rest of the name, lower-cased → value."""
        start = len(prefix)
        lower = prefix.lower()
        first = lower[:1] + lower[:1].upper()  # a cheap first test before slicing each name
        pairs = self._raw.items() if self._raw is not None else self.items()
        return {
            k[start:].lower(): v
            for k, v in pairs
            if isinstance(k, str)
            and k[:1] in first
            and k[:start].lower() == lower
            and isinstance(v, str)
        }


# Headers only the GRIP proxy may set: it strips what a client sends under these names and sets
# its own. It strips only the hyphen spelling, so `Meta_Nick` reaches the backend untouched, and
# CGI/WSGI (and frameworks built on them) fold `Meta_Nick` and `Meta-Nick` into one HTTP_META_NICK.
_PROXY_ONLY = ("meta_", "grip_")
_PROXY_ONLY_NAMES = frozenset(("connection_id", "content_type"))


def is_underscore_spelling(name: str) -> bool:
    """True when `name` spells, with underscores, a header only the proxy may set: `Meta-*`,
    `Grip-*` (Grip-Sig...), `Connection-Id` or `Content-Type`. A client can send it, and a
    framework that folds `_` and `-` together would trust it."""
    if "_" not in name:
        return False
    lower = name.lower().replace("-", "_")
    return lower.startswith(_PROXY_ONLY) or lower in _PROXY_ONLY_NAMES


def drop_underscore_spellings(headers: HeadersArg | None) -> list[tuple[str, str]]:
    """The request's headers without the underscore spellings of proxy-only headers (see
    `is_underscore_spelling`). Every framework entry runs the headers it is given through it;
    a WSGI environ has already folded the spellings together, so WSGI servers must drop
    header names with underscores (gunicorn >= 22, werkzeug and nginx do; wsgiref does not)."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers or ()
    return [(name, value) for name, value in pairs if not is_underscore_spelling(name)]


def join_multi(raw: Mapping[str, Any] | None) -> EventHeaders:
    """Headers from `multiValueHeaders`, repeated values joined with ", "."""
    return EventHeaders(
        {k: ", ".join(values) for k, vs in (raw or {}).items() if (values := _values(k, vs))}
    )


def _values(name: object, values: Any) -> list[str]:
    """A `multiValueHeaders` entry's values; GripProtocolError when it is not a list of strings
    (an event shape AWS never sends: answered with 400)."""
    if isinstance(values, list):
        if all(v.__class__ is str for v in values):
            return values
        if all(v is None or v.__class__ is str for v in values):
            return [v for v in values if v is not None]
    elif values is None:
        return []
    raise GripProtocolError(
        f"event field 'multiValueHeaders[{name!r}]' must be a list of strings, "
        f"not {type(values).__name__}"
    )


def read_query(query: Mapping[str, str] | str | None) -> dict[str, str]:
    """Query parameters, one value per name (the last), from a mapping or a raw query string."""
    if isinstance(query, str):
        return dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    return dict(query) if query else {}


def header_values(
    headers: CaseInsensitiveDict, multi: Mapping[str, Any] | None, name: str
) -> list[str]:
    """Every value of header `name`: from `multi` (name → list of values) when the front door
    listed them separately, else the one value in `headers`."""
    if multi is None:
        value = headers.get(name)
        return [] if value is None else [value]
    lower = name.lower()
    size = len(name)  # compared first: most names are not even that long
    return [
        v
        for key, values in multi.items()
        if isinstance(key, str) and len(key) == size and key.lower() == lower
        for v in _values(key, values)
    ]


class Request:
    """The parts of an HTTP request faas-grip uses.

    `headers` is case-insensitive, one value per name (repeated headers joined with ", ");
    `header_values(name)` gives every value the front door reported separately, which is how a
    duplicated Grip-Sig is caught. `query` holds one value per name (the last one). `source`
    names what delivered the request ("rest", "http", "url", "alb", or "direct").

    `body` may be given as a function that reads it: it then runs on first use (front doors
    decode base64 only for the requests that need the body), and any GripProtocolError it
    raises surfaces there.
    """

    __slots__ = ("_body", "_multi", "_read_body", "headers", "method", "path", "query", "source")

    def __init__(
        self,
        method: str,
        headers: HeadersArg | None = None,
        body: bytes | str | Callable[[], bytes] = b"",
        *,
        path: str = "/",
        query: Mapping[str, str] | str | None = None,
        source: str = "direct",
        multi: Mapping[str, Any] | None = None,
    ) -> None:
        self.method = method.upper()
        self.path = path or "/"
        self.source = source
        self._read_body: Callable[[], bytes] | None = None
        self._body: bytes | None = None
        if callable(body):
            self._read_body = body
        else:
            self._body = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        self.query = read_query(query)
        self._multi = multi
        if isinstance(headers, EventHeaders):
            self.headers = headers
        elif isinstance(headers, Mapping):
            self.headers = EventHeaders(dict(headers.items()))
        else:
            grouped: dict[str, list[str]] = {}
            spelling: dict[str, str] = {}  # names compare case-insensitively; keep the first
            for name, value in headers or ():
                grouped.setdefault(spelling.setdefault(name.lower(), name), []).append(value)
            self.headers = join_multi(grouped)
            self._multi = grouped

    @property
    def body(self) -> bytes:
        if self._body is None:
            self._body = self._read_body() if self._read_body is not None else b""
        return self._body

    def header_values(self, name: str) -> list[str]:
        """Every value of header `name` the request carried, as the front door listed them."""
        return header_values(self.headers, self._multi, name)

    @property
    def content_type(self) -> str:
        """The media type of the body, lower-cased, without parameters ("" when absent)."""
        value: str = self.headers.get("Content-Type") or ""
        return value.partition(";")[0].strip().lower()

    @property
    def is_websocket(self) -> bool:
        """True for a WebSocket-over-HTTP request: a POST of application/websocket-events."""
        return self.method == "POST" and self.content_type == CONTENT_TYPE

    def __repr__(self) -> str:
        return f"Request({self.method} {self.path}, source={self.source!r})"
