"""validate_grip_sig and load_verify_key: Grip-Sig checks for Pushpin (HS256) and Fastly (ES256)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import warnings
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from faas_grip import GripConfigError, load_verify_key, validate_grip_sig

SECRET = "a-shared-secret-of-at-least-32-bytes!"
FASTLY_JWK = {
    "kty": "EC",
    "crv": "P-256",
    "x": "CKo5A1ebyFcnmVV8SE5On-8G81JyBjSvcrx4VLetWCg",
    "y": "7gwJqaU6N8TP88--twjkwoB36f-pT3QsmI46nPhjO7M",
}


def claims(**overrides: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"iss": "pushpin", "exp": int(time.time()) + 3600}
    out.update(overrides)
    return {k: v for k, v in out.items() if v is not None}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def handmade_token(header: dict[str, Any], payload: dict[str, Any], hmac_key: bytes | None) -> str:
    """A JWT built by hand, for tokens PyJWT refuses to sign (alg none, HMAC over a PEM)."""
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    signature = b""
    if hmac_key is not None:
        signature = hmac.new(hmac_key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


@pytest.fixture(scope="module")
def p256() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def p256_public_pem(p256: ec.EllipticCurvePrivateKey) -> str:
    return (
        p256.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def es256(p256: ec.EllipticCurvePrivateKey, **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), p256, algorithm="ES256")


def hs256(key: str | bytes = SECRET, **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), key, algorithm="HS256")


# -- HS256 (Pushpin) ---------------------------------------------------------------------------


def test_valid_hs256_token_is_accepted() -> None:
    assert validate_grip_sig(hs256(), SECRET, iss="pushpin")


def test_issuer_is_not_checked_when_none_is_required() -> None:
    assert validate_grip_sig(hs256(iss="anyone"), SECRET)


def test_expired_token_is_refused() -> None:
    assert not validate_grip_sig(hs256(exp=int(time.time()) - 10), SECRET)


def test_token_without_exp_is_refused() -> None:
    assert not validate_grip_sig(hs256(exp=None), SECRET)


def test_token_from_another_issuer_is_refused() -> None:
    assert not validate_grip_sig(hs256(iss="mallory"), SECRET, iss="pushpin")


def test_token_without_issuer_is_refused_when_one_is_required() -> None:
    assert not validate_grip_sig(hs256(iss=None), SECRET, iss="pushpin")


def test_token_signed_with_another_key_is_refused() -> None:
    assert not validate_grip_sig(hs256(key="another-secret-of-at-least-32-bytes"), SECRET)


def test_base64_secret_is_decoded_before_checking() -> None:
    raw = b"\x00\xffbinary-secret-of-at-least-32-bytes"
    key = "base64:" + base64.b64encode(raw).decode()
    assert validate_grip_sig(hs256(key=raw), key)


def test_bytes_secret_is_used_as_is() -> None:
    assert validate_grip_sig(hs256(key=SECRET.encode()), SECRET.encode())


def test_alg_none_token_is_refused() -> None:
    token = handmade_token({"alg": "none", "typ": "JWT"}, claims(), hmac_key=None)
    assert not validate_grip_sig(token, SECRET)


def short_key_token(key: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        return hs256(key=key)


def test_short_secret_is_reported_once_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    key = "short-key-for-the-log-test"
    token = short_key_token(key)
    with caplog.at_level(logging.WARNING, logger="faas_grip"):
        assert validate_grip_sig(token, key)
        assert validate_grip_sig(token, key)
    assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
    assert "at least 32 bytes" in caplog.records[0].getMessage()


def test_short_secret_does_not_raise_pyjwts_warning_on_each_check() -> None:
    key = "changeme"
    token = short_key_token(key)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert validate_grip_sig(token, key)


def test_secret_allows_hs256_only() -> None:
    assert load_verify_key(SECRET).algorithms == ("HS256",)


# -- ES256 (Fastly Fanout) ---------------------------------------------------------------------


def test_es256_token_is_accepted_with_a_pem_public_key(
    p256: ec.EllipticCurvePrivateKey, p256_public_pem: str
) -> None:
    assert validate_grip_sig(es256(p256), p256_public_pem, iss="pushpin")


def test_es256_token_is_accepted_with_a_jwk(p256: ec.EllipticCurvePrivateKey) -> None:
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(p256.public_key()))
    assert validate_grip_sig(es256(p256), jwk)


def test_es256_token_is_accepted_with_a_jwk_given_as_json_text(
    p256: ec.EllipticCurvePrivateKey,
) -> None:
    jwk_text = jwt.algorithms.ECAlgorithm.to_jwk(p256.public_key())
    assert validate_grip_sig(es256(p256), jwk_text)


def test_es256_token_is_accepted_with_the_private_pem(p256: ec.EllipticCurvePrivateKey) -> None:
    private_pem = p256.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    assert validate_grip_sig(es256(p256), private_pem)


def test_es256_token_from_another_key_is_refused(p256_public_pem: str) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    assert not validate_grip_sig(es256(other), p256_public_pem)


def test_expired_es256_token_is_refused(
    p256: ec.EllipticCurvePrivateKey, p256_public_pem: str
) -> None:
    assert not validate_grip_sig(es256(p256, exp=int(time.time()) - 10), p256_public_pem)


def test_hs256_token_signed_with_the_public_key_text_is_refused(p256_public_pem: str) -> None:
    # The classic confusion: an attacker who knows the public key signs HS256 with its text.
    token = handmade_token(
        {"alg": "HS256", "typ": "JWT"}, claims(), hmac_key=p256_public_pem.encode("ascii")
    )
    assert not validate_grip_sig(token, p256_public_pem)


def test_es256_token_is_refused_by_a_shared_secret(p256: ec.EllipticCurvePrivateKey) -> None:
    assert not validate_grip_sig(es256(p256), SECRET)


def test_pem_public_key_allows_es256_only(p256_public_pem: str) -> None:
    key = load_verify_key(p256_public_pem)
    assert (key.kind, key.algorithms) == ("ec", ("ES256",))


def test_fastly_public_jwk_loads_as_es256() -> None:
    key = load_verify_key(FASTLY_JWK)
    assert (key.kind, key.algorithms) == ("ec", ("ES256",))


def test_fastly_public_jwk_as_json_text_loads_as_es256() -> None:
    assert load_verify_key(json.dumps(FASTLY_JWK)).algorithms == ("ES256",)


def test_load_verify_key_returns_a_verify_key_unchanged() -> None:
    key = load_verify_key(SECRET)
    assert load_verify_key(key) is key


# -- malformed tokens and unusable keys --------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [None, "", "abc", "a.b.c", "a.b", "....", "é.é.é", "x" * 9000, b"bytes.are.refused", 42],
)
def test_malformed_tokens_are_refused_without_raising(token: Any) -> None:
    assert validate_grip_sig(token, SECRET) is False


def test_token_with_a_corrupted_signature_is_refused() -> None:
    token = hs256()
    head, payload, signature = token.split(".")
    corrupted = signature[:-2] + ("AA" if not signature.endswith("AA") else "BB")
    assert not validate_grip_sig(f"{head}.{payload}.{corrupted}", SECRET)


@pytest.mark.parametrize(
    "key",
    [
        "",
        b"",
        "base64:***",
        "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----",
        '{"kty": "EC"',
        '{"kty": "EC", "crv": "P-256"}',
        {"kty": "oct", "k": "c2VjcmV0"},
        {"crv": "P-256"},
        42,
    ],
)
def test_unusable_key_raises_grip_config_error(key: Any) -> None:
    with pytest.raises(GripConfigError):
        validate_grip_sig(hs256(), key)


def test_unusable_key_raises_even_when_the_token_is_missing() -> None:
    with pytest.raises(GripConfigError):
        validate_grip_sig(None, "")
