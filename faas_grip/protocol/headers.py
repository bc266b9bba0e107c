"""Header names and values: validation and a case-insensitive mapping.

Everything faas-grip writes into a response header passes through `check_header_name` /
`check_header_value`, so a value taken from a client can never add a header or split a response.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping

# RFC 9110 token characters: what a header name may contain.
_TCHAR = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Visible ASCII plus space and tab: what a header value may contain. Non-ASCII is refused because
# API Gateway and Lambda re-encode it unpredictably.
_VCHAR = frozenset(chr(c) for c in range(0x20, 0x7F)) | {"\t"}


def is_token(value: str) -> bool:
    """True when `value` is an RFC 9110 token: a valid header name, or WebSocket subprotocol."""
    return bool(value) and _TCHAR.issuperset(value)


def check_header_name(name: str, what: str = "header name") -> str:
    """Return `name` if it is a valid HTTP header name (a token), else raise ValueError."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"{what} must be a non-empty string, got {name!r}")
    if not _TCHAR.issuperset(name):
        raise ValueError(
            f"{what} {name!r} has characters not allowed in an HTTP header name "
            "(use letters, digits and !#$%&'*+-.^_`|~)"
        )
    return name


def check_header_value(value: str, what: str = "header value") -> str:
    """Return `value` if it can be sent as an HTTP header value, else raise ValueError."""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, got {type(value).__name__}")
    if not _VCHAR.issuperset(value):
        bad = next(c for c in value if c not in _VCHAR)
        raise ValueError(
            f"{what} {value!r} contains {bad!r}: header values must be printable ASCII "
            "(no CR, LF or other control characters)"
        )
    return value


class CaseInsensitiveDict(MutableMapping[str, str]):
    """A str→str mapping whose keys compare case-insensitively and keep the case last set."""

    __slots__ = ("_items",)

    def __init__(self, data: Mapping[str, str] | Iterable[tuple[str, str]] | None = None) -> None:
        self._items: dict[str, tuple[str, str]] = {}
        if data is not None:
            self.update(data)

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()][1]

    def __setitem__(self, key: str, value: str) -> None:
        self._items[key.lower()] = (key, value)

    def __delitem__(self, key: str) -> None:
        del self._items[key.lower()]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            other = CaseInsensitiveDict(other)
            return {k: v for k, (_, v) in self._items.items()} == {
                k: v for k, (_, v) in other._items.items()
            }
        return NotImplemented

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.items())!r})"

    def copy(self) -> CaseInsensitiveDict:
        return CaseInsensitiveDict(self.items())
