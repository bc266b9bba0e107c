"""The Authorization header a publish request carries, chosen from the proxy's GripConfig.

- Basic, when the GRIP URL has `user:pass@` (UTF-8, base64 as RFC 7617 says).
- JWT (HS256, claims `iss` and `exp`), when the URL has `iss` and `key`; the token is reused
  and signed anew a minute before it expires, so a warm Lambda does not sign every publish.
- Bearer with the key itself, when there is a key but no `iss` (Fastly API tokens).

The precedence Basic > JWT > Bearer is the one pubcontrol and js-grip follow.
"""

from __future__ import annotations

import base64
import threading
import time
import warnings

from faas_grip.errors import GripConfigError
from faas_grip.protocol.url import GripConfig

TOKEN_LIFETIME = 600  # seconds a publish JWT is valid
RENEW_BEFORE = 60  # sign a new one when less than this is left


class Auth:
    """A constant Authorization header (Basic, Bearer) or none."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None) -> None:
        self._value = value

    def header(self) -> str | None:
        return self._value


class JwtAuth(Auth):
    """`Bearer <JWT>` signed with the proxy's key, renewed before it expires."""

    __slots__ = ("_expires", "_iss", "_key", "_lock")

    def __init__(self, iss: str, key: bytes | str) -> None:
        super().__init__(None)
        self._iss = iss
        self._key = key
        self._expires = 0.0
        self._lock = threading.Lock()

    def header(self) -> str:
        now = time.time()
        with self._lock:
            if self._value is None or now > self._expires - RENEW_BEFORE:
                self._expires = int(now) + TOKEN_LIFETIME
                self._value = "Bearer " + self._sign(int(self._expires))
            return self._value

    def _sign(self, exp: int) -> str:
        import jwt

        with warnings.catch_warnings():
            # The key is the proxy's (Pushpin's default is the short 'changeme'): not ours to
            # lengthen, and Grip-Sig verification already warns about short keys once.
            warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
            return jwt.encode({"iss": self._iss, "exp": exp}, self._key, algorithm="HS256")


def auth_for(config: GripConfig) -> Auth:
    """The Auth that publishing to `config` needs."""
    if config.basic_auth is not None:
        user, password = config.basic_auth
        raw = f"{user}:{password}".encode()
        return Auth("Basic " + base64.b64encode(raw).decode("ascii"))
    if config.control_iss is not None:
        if config.key is None:
            raise GripConfigError(
                f"GRIP proxy {config.control_uri} has iss={config.control_iss!r} but no key "
                "to sign publish tokens with: add key=… to the GRIP URL"
            )
        return JwtAuth(config.control_iss, config.key)
    if config.key is not None:
        key = config.key
        if isinstance(key, bytes):
            try:
                key = key.decode("ascii")
            except UnicodeDecodeError:
                raise GripConfigError(
                    f"GRIP proxy {config.control_uri}: a key without iss is sent as a Bearer "
                    "token and must be text; add iss=… to sign JWTs with a binary key"
                ) from None
        return Auth("Bearer " + key)
    return Auth(None)
