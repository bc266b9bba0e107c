"""GRIP URLs: `https://api.fanout.io/realm/R?iss=R&key=base64:SECRET` and friends.

The query parameters `iss`, `key`, `verify-iss` and `verify-key` configure auth and are taken
out; every other parameter stays on the control URI. Query values are percent-decoded but `+`
is kept (base64 keys contain it).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from faas_grip.errors import GripConfigError


class GripConfig:
    """Where and how to publish to one GRIP proxy, and how to verify its Grip-Sig."""

    __slots__ = ("basic_auth", "control_iss", "control_uri", "key", "verify_iss", "verify_key")

    def __init__(
        self,
        control_uri: str,
        control_iss: str | None = None,
        key: bytes | str | None = None,
        verify_iss: str | None = None,
        verify_key: bytes | str | Mapping[str, Any] | None = None,
        basic_auth: tuple[str, str] | None = None,
    ) -> None:
        if isinstance(key, Mapping):
            raise GripConfigError(
                f"GRIP proxy {control_uri}: key must be text or bytes (it signs publish tokens); "
                "a JWK belongs in verify_key"
            )
        if isinstance(verify_key, Mapping):
            # A JWK object (GRIP_PROXIES allows one): kept as canonical JSON text, so the
            # config stays hashable and comparable; load_verify_key reads it back as a JWK.
            verify_key = json.dumps(dict(verify_key), sort_keys=True)
        if not control_uri or not control_uri.startswith(("http://", "https://")):
            raise GripConfigError(f"control URI must be an http(s) URL, got {control_uri!r}")
        self.control_uri = control_uri
        self.control_iss = control_iss
        self.key = key
        self.verify_iss = verify_iss
        self.verify_key: bytes | str | None = verify_key
        self.basic_auth = basic_auth

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GripConfig):
            return NotImplemented
        return all(getattr(self, s) == getattr(other, s) for s in self.__slots__)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, s) for s in self.__slots__))

    def __repr__(self) -> str:
        # Never print secrets: this ends up in logs and error messages.
        return (
            f"GripConfig(control_uri={self.control_uri!r}, control_iss={self.control_iss!r}, "
            f"key={'***' if self.key else None}, verify_iss={self.verify_iss!r}, "
            f"verify_key={'***' if self.verify_key else None}, "
            f"basic_auth={'***' if self.basic_auth else None})"
        )


def decode_key(value: str) -> bytes | str:
    """`base64:XXXX` → the decoded bytes; anything else unchanged."""
    if value.startswith("base64:"):
        data = value[7:].rstrip("=")
        try:
            # Padding is optional: some dashboards show keys without it.
            return base64.b64decode(data + "=" * (-len(data) % 4), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise GripConfigError("a key given as base64:… is not valid base64") from exc
    return value


def parse_grip_url(url: str) -> GripConfig:
    """Parse a GRIP URL into a GripConfig; raise GripConfigError when it is not one."""
    if not isinstance(url, str) or not url.strip():
        raise GripConfigError("GRIP URL is empty")
    try:
        parts = urlsplit(url.strip())
        hostname = parts.hostname
    except ValueError as exc:
        raise GripConfigError(f"GRIP URL is not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https") or not hostname:
        raise GripConfigError(f"GRIP URL must be an http(s) URL with a host, got {_redact(url)}")

    params: dict[str, str] = {}
    kept: list[str] = []
    for pair in parts.query.split("&") if parts.query else []:
        name, _, value = pair.partition("=")
        if name in ("iss", "key", "verify-iss", "verify-key"):
            params[name] = unquote(value)
        elif pair:
            kept.append(pair)

    basic_auth = None
    if parts.username is not None:
        basic_auth = (unquote(parts.username), unquote(parts.password or ""))
    netloc = parts.netloc.rpartition("@")[2]
    path = parts.path[:-1] if parts.path.endswith("/") else parts.path
    control_uri = urlunsplit((parts.scheme, netloc, path, "&".join(kept), ""))

    key = decode_key(params["key"]) if "key" in params else None
    verify_key = decode_key(params["verify-key"]) if "verify-key" in params else None
    return GripConfig(
        control_uri=control_uri,
        control_iss=params.get("iss") or None,
        key=key,
        verify_iss=params.get("verify-iss") or None,
        verify_key=verify_key,
        basic_auth=basic_auth,
    )


def _redact(url: str) -> str:
    return url.split("?", 1)[0].rpartition("@")[2]
