"""Configuration from the environment, read once per process (warm Lambdas reuse it).

GRIP_URL        one proxy: `https://host/path?iss=…&key=…&verify-iss=…&verify-key=…`
GRIP_PROXIES    several: a JSON list of GRIP URLs or objects {control_uri, control_iss, key, …}
GRIP_PREFIX     prefix added to every channel name
GRIP_VERIFY_KEY the key that verifies Grip-Sig (overrides the proxies' verify-key / key)

Tests that vary the environment call `reset_settings()`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from faas_grip.errors import GripConfigError
from faas_grip.protocol.url import GripConfig, decode_key, parse_grip_url


class Settings:
    """The process-wide configuration faas-grip runs with."""

    __slots__ = ("prefix", "proxies", "verify_key")

    def __init__(
        self,
        proxies: list[GripConfig] | None = None,
        prefix: str = "",
        verify_key: bytes | str | None = None,
    ) -> None:
        self.proxies = list(proxies or [])
        self.prefix = prefix
        self.verify_key = verify_key

    def verify_keys(self) -> list[tuple[bytes | str, str | None]]:
        """(key, required issuer) pairs a Grip-Sig may be signed with; empty when none is known.

        GRIP_VERIFY_KEY wins; otherwise each proxy's verify-key, else its key.
        """
        if self.verify_key is not None:
            issuers = {p.verify_iss for p in self.proxies if p.verify_iss}
            return [(self.verify_key, next(iter(issuers)) if len(issuers) == 1 else None)]
        keys: list[tuple[bytes | str, str | None]] = []
        for proxy in self.proxies:
            key = proxy.verify_key if proxy.verify_key is not None else proxy.key
            if key is not None:
                keys.append((key, proxy.verify_iss))
        return keys


def proxy_config(value: str | Mapping[str, Any]) -> GripConfig:
    """A GripConfig from a GRIP URL or from a config object as gripcontrol accepts them."""
    if isinstance(value, str):
        return parse_grip_url(value)
    if not isinstance(value, Mapping) or "control_uri" not in value:
        raise GripConfigError(
            "each GRIP_PROXIES entry must be a GRIP URL or an object with control_uri"
        )

    def key(name: str) -> bytes | str | None:
        raw = value.get(name)
        return decode_key(raw) if isinstance(raw, str) else raw

    uri = str(value["control_uri"]).rstrip("/")
    return GripConfig(
        control_uri=uri,
        control_iss=value.get("control_iss"),
        key=key("key"),
        verify_iss=value.get("verify_iss"),
        verify_key=key("verify_key"),
    )


def settings_from_env(environ: Mapping[str, str]) -> Settings:
    """Build Settings from environment variables; raise GripConfigError on bad values."""
    proxies: list[GripConfig] = []
    if environ.get("GRIP_URL"):
        proxies.append(parse_grip_url(environ["GRIP_URL"]))
    if environ.get("GRIP_PROXIES"):
        try:
            entries = json.loads(environ["GRIP_PROXIES"])
        except ValueError as exc:
            raise GripConfigError(f"GRIP_PROXIES is not valid JSON: {exc}") from exc
        if isinstance(entries, (str, dict)):
            entries = [entries]
        if not isinstance(entries, list):
            raise GripConfigError("GRIP_PROXIES must be a JSON list of GRIP URLs or config objects")
        proxies.extend(proxy_config(e) for e in entries)
    verify_key = environ.get("GRIP_VERIFY_KEY") or None
    return Settings(
        proxies=proxies,
        prefix=environ.get("GRIP_PREFIX", ""),
        verify_key=decode_key(verify_key) if verify_key else None,
    )


_settings: Settings | None = None


def get_settings() -> Settings:
    """The process's Settings, read from the environment on first use."""
    global _settings
    if _settings is None:
        _settings = settings_from_env(os.environ)
    return _settings


def reset_settings() -> None:
    """Forget cached configuration so the next use reads the environment again (for tests)."""
    global _settings
    _settings = None
