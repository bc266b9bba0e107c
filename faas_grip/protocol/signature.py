"""Grip-Sig: proof that a request came through the GRIP proxy.

Pushpin signs every request to the backend with a JWT (HS256, shared key); Fastly Fanout signs
with ES256 (a public key is published). The algorithms accepted are chosen from the key's type,
never from the token: an HMAC secret allows HS256 only, a P-256 public key ES256 only, and so on.
PyJWT (and cryptography, for public keys) load on first use.
"""

from __future__ import annotations

import functools
import json
import logging
import warnings
from collections.abc import Mapping
from typing import Any

from faas_grip.errors import GripConfigError
from faas_grip.protocol.url import decode_key

logger = logging.getLogger("faas_grip")

_EC_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
_RSA_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
_MIN_HMAC_BYTES = 32


class VerifyKey:
    """A key ready to verify Grip-Sig tokens, with the algorithms its type allows."""

    __slots__ = ("algorithms", "key", "kind")

    def __init__(self, key: Any, algorithms: tuple[str, ...], kind: str) -> None:
        self.key = key
        self.algorithms = algorithms
        self.kind = kind

    def __repr__(self) -> str:
        return f"VerifyKey(kind={self.kind!r}, algorithms={self.algorithms!r})"


def load_verify_key(key: bytes | str | Mapping[str, Any] | VerifyKey) -> VerifyKey:
    """Interpret a verify key: a shared secret (text or bytes), a PEM public key, or a JWK
    (JSON text or dict); any text form may also come as `base64:…`. This is the one parser
    behind every entry point (decorators, GRIP_VERIFY_KEY, GRIP URLs, GRIP_PROXIES). Raise
    GripConfigError when the key cannot be used."""
    if isinstance(key, VerifyKey):
        return key
    if isinstance(key, Mapping):
        return _load_cached(json.dumps(dict(key), sort_keys=True))
    if isinstance(key, (bytes, bytearray)):
        return _load_cached(bytes(key))
    if isinstance(key, str):
        return _load_cached(key)
    raise GripConfigError(
        f"a verify key must be str, bytes or a JWK dict, not {type(key).__name__}"
    )


@functools.lru_cache(maxsize=16)
def _load_cached(key: bytes | str) -> VerifyKey:
    # `base64:` only wraps the value: what it holds (secret, PEM, JWK) is told apart below,
    # the same way whether it came from a decorator argument, the environment or a GRIP URL.
    value = decode_key(key) if isinstance(key, str) else key
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    stripped = text.strip()
    if stripped.startswith("-----BEGIN"):
        return _from_pem(stripped.encode("ascii", "replace"))
    if stripped.startswith("{"):
        try:
            jwk = json.loads(stripped)
        except ValueError as exc:
            if isinstance(value, str):  # typed as text: a broken JWK, not a secret
                raise GripConfigError(
                    f"verify key looks like a JWK but is not valid JSON: {exc}"
                ) from exc
        else:
            if isinstance(jwk, dict) and "kty" in jwk:
                return _from_jwk(jwk)
            if isinstance(value, str):
                raise GripConfigError("a JWK verify key must be a JSON object with a 'kty'")
    raw = value.encode("utf-8") if isinstance(value, str) else value
    if not raw:
        raise GripConfigError("the Grip-Sig verify key is empty")
    if len(raw) < _MIN_HMAC_BYTES:
        logger.warning(
            "the Grip-Sig key is %d bytes; use a random secret of at least %d bytes "
            "(Pushpin's default 'changeme' is for local development only)",
            len(raw),
            _MIN_HMAC_BYTES,
        )
    return VerifyKey(raw, ("HS256",), "hmac")


def _crypto_missing(exc: ImportError) -> GripConfigError:
    return GripConfigError(
        "verifying a public-key Grip-Sig (ES256, as Fastly Fanout signs) needs the 'cryptography' "
        "package: pip install 'faas-grip[crypto]', or attach the faas-grip crypto layer"
    )


def _from_pem(pem: bytes) -> VerifyKey:
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    except ImportError as exc:
        raise _crypto_missing(exc) from exc
    try:
        if b"PRIVATE KEY" in pem:
            public: Any = serialization.load_pem_private_key(pem, password=None).public_key()
        else:
            public = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise GripConfigError(f"verify key is not a usable PEM key: {exc}") from exc
    if isinstance(public, ec.EllipticCurvePublicKey):
        alg = _EC_ALGORITHMS.get(public.curve.name)
        if alg is None:
            raise GripConfigError(f"unsupported elliptic curve {public.curve.name}")
        return VerifyKey(public, (alg,), "ec")
    if isinstance(public, rsa.RSAPublicKey):
        return VerifyKey(public, _RSA_ALGORITHMS, "rsa")
    if isinstance(public, ed25519.Ed25519PublicKey):
        return VerifyKey(public, ("EdDSA",), "okp")
    raise GripConfigError(f"unsupported public key type {type(public).__name__}")


def _from_jwk(jwk: Any) -> VerifyKey:
    if not isinstance(jwk, dict) or "kty" not in jwk:
        raise GripConfigError("a JWK verify key must be a JSON object with a 'kty'")
    if jwk["kty"] == "oct":
        raise GripConfigError("give a shared secret as text or base64:…, not as an 'oct' JWK")
    try:
        import jwt
    except ImportError as exc:  # pragma: no cover - PyJWT is a dependency
        raise GripConfigError("PyJWT is not installed") from exc
    try:
        parsed = jwt.PyJWK(jwk)
    except jwt.exceptions.MissingCryptographyError as exc:
        raise _crypto_missing(ImportError(str(exc))) from exc
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError) as exc:
        raise GripConfigError(f"verify key is not a usable JWK: {exc}") from exc
    key = parsed.key
    if hasattr(key, "public_key"):  # a private JWK: verify with its public half
        key = key.public_key()
    pem = key.public_bytes(
        encoding=_serialization().Encoding.PEM,
        format=_serialization().PublicFormat.SubjectPublicKeyInfo,
    )
    return _from_pem(pem)


def _serialization() -> Any:
    from cryptography.hazmat.primitives import serialization

    return serialization


def validate_grip_sig(
    token: str | None,
    key: bytes | str | Mapping[str, Any] | VerifyKey,
    iss: str | None = None,
) -> bool:
    """True when `token` is a JWT signed with `key`, unexpired (`exp` required) and, when `iss`
    is given, issued by it. Any malformed token gives False, never an exception.

    A key that cannot be used at all raises GripConfigError: that is a deployment fault, not a
    bad request.
    """
    verify_key = load_verify_key(key)
    if not isinstance(token, str) or not token or len(token) > 8192:
        return False
    import jwt

    try:
        with warnings.catch_warnings():
            # Short HMAC keys are reported once by load_verify_key, not on every request.
            warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
            jwt.decode(
                token.strip(),
                verify_key.key,
                algorithms=list(verify_key.algorithms),
                issuer=iss,
                options={"require": ["exp"], "verify_iss": iss is not None},
            )
    except Exception:
        return False
    return True
