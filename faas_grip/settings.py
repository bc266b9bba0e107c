"""Configuration from the environment, read once per process (warm Lambdas reuse it).

GRIP_URL        one proxy: `https://host/path?iss=…&key=…&verify-iss=…&verify-key=…`
GRIP_PROXIES    several: a JSON list of GRIP URLs or objects {control_uri, control_iss, key, …}
GRIP_PREFIX     prefix added to every channel name
GRIP_VERIFY_KEY the key that verifies Grip-Sig (overrides the proxies' verify-key / key)

GRIP_URL_SECRET / GRIP_URL_PARAMETER name a Secrets Manager secret / SSM parameter holding the
GRIP URL (or a JSON object of the variables above): see faas_grip.aws.secrets. Its value is read
again after GRIP_URL_MAX_AGE seconds, and new Settings are made when it changed.

GRIP_HISTORY_TABLE / GRIP_HISTORY_TTL choose the default channel history store: see
faas_grip.history.config.
GRIP_CONNECTIONS_TABLE / GRIP_WS_ENDPOINT serve API Gateway WebSocket APIs: see
faas_grip.aws.websocket_api.config.

Tests that vary the environment call `reset_settings()`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from faas_grip.errors import GripConfigError
from faas_grip.protocol.instruct import check_name
from faas_grip.protocol.url import GripConfig, decode_key, parse_grip_url

if TYPE_CHECKING:
    from faas_grip.aws.secrets import AwsSource

logger = logging.getLogger("faas_grip")

# Every environment variable the settings are read from.
ENVIRONMENT = (
    "GRIP_URL",
    "GRIP_PROXIES",
    "GRIP_PREFIX",
    "GRIP_VERIFY_KEY",
    "GRIP_URL_SECRET",
    "GRIP_URL_PARAMETER",
    "GRIP_URL_MAX_AGE",
    "GRIP_HISTORY_TABLE",
    "GRIP_HISTORY_TTL",
    "GRIP_CONNECTIONS_TABLE",
    "GRIP_WS_ENDPOINT",
)


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
    prefix = environ.get("GRIP_PREFIX", "")
    if prefix:
        try:
            check_name(prefix, "GRIP_PREFIX")
        except ValueError as exc:
            raise GripConfigError(str(exc)) from None
    return Settings(
        proxies=proxies,
        prefix=prefix,
        verify_key=decode_key(verify_key) if verify_key else None,
    )


_settings: Settings | None = None
_refresh_at = 0.0  # time.monotonic() after which a value kept in AWS is read again
_aws_value: str | None = None  # the value _settings were made from
_lock = threading.Lock()


def get_settings() -> Settings:
    """The process's Settings: read from the environment on first use, and from
    GRIP_URL_SECRET / GRIP_URL_PARAMETER again once GRIP_URL_MAX_AGE has passed."""
    settings = _settings
    if settings is not None and time.monotonic() < _refresh_at:
        return settings
    with _lock:
        return _load()


def _load() -> Settings:
    global _settings, _refresh_at
    if _settings is not None and time.monotonic() < _refresh_at:
        return _settings  # another thread loaded them meanwhile
    environ = os.environ
    if environ.get("GRIP_URL_SECRET") or environ.get("GRIP_URL_PARAMETER"):
        from faas_grip.aws import secrets

        source = secrets.aws_source(environ)
        if source is not None:
            _settings = _load_from_aws(environ, source, _settings)
            _refresh_at = time.monotonic() + source.max_age
            return _settings
    _settings, _refresh_at = settings_from_env(environ), float("inf")
    return _settings


def _load_from_aws(
    environ: Mapping[str, str], source: AwsSource, current: Settings | None
) -> Settings:
    global _aws_value
    from faas_grip.aws import secrets

    try:
        value = secrets.fetch(source)
        if current is not None and value == _aws_value:
            return current
        overlay = secrets.overlay(source, value)
        try:
            settings = settings_from_env({**environ, **overlay})
        except GripConfigError as exc:
            raise GripConfigError(f"the {source.describe()}: {exc}") from exc
    except GripConfigError as exc:
        if current is None:
            raise
        # A passing AWS outage or a bad rotation must not take a warm function down.
        logger.warning(
            "%s; keeping the GRIP configuration read before, next try in %d s",
            exc,
            source.max_age,
        )
        return current
    _aws_value = value
    return settings


def reset_settings() -> None:
    """Forget cached configuration so the next use reads the environment again (for tests)."""
    global _settings, _refresh_at, _aws_value
    with _lock:
        _settings, _refresh_at, _aws_value = None, 0.0, None
        secrets = sys.modules.get("faas_grip.aws.secrets")
        if secrets is not None:
            secrets.reset()
        # The default history store (faas_grip.history.config), the boto3 session and DynamoDB
        # client both it and API Gateway WebSocket APIs use (faas_grip.aws.boto, .dynamodb), and
        # the latter's settings (faas_grip.aws.websocket_api): GRIP_CONNECTIONS_TABLE etc.
        for name in (
            "faas_grip.history.config",
            "faas_grip.aws.boto",
            "faas_grip.aws.dynamodb",
            "faas_grip.aws.websocket_api.config",
            "faas_grip.aws.websocket_api.clients",
            "faas_grip.aws.websocket_api.handler",
        ):
            module = sys.modules.get(name)
            if module is not None:
                module.reset()
