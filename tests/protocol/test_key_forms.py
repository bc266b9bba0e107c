"""One verify-key parser for every entry point: a decorator's `verify_key=`, GRIP_VERIFY_KEY,
a GRIP URL's `verify-key`, and a GRIP_PROXIES entry's `verify_key` (text or a JWK object) all
read the same forms the same way: a shared secret, `base64:<secret>`, a PEM or a JWK, each
also as `base64:<PEM or JWK>`."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from faas_grip import (
    GripConfigError,
    WebSocketContext,
    grip_websocket,
    load_verify_key,
    publish,
    reset_settings,
)
from faas_grip.protocol.formats import WebSocketMessageFormat
from faas_grip.testing import websocket_event
from tests.support.publish_server import PublishServer

_PRIVATE = ec.generate_private_key(ec.SECP256R1())
PEM = (
    _PRIVATE.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode("ascii")
)
JWK: dict[str, Any] = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(_PRIVATE.public_key()))


def b64(text: str) -> str:
    return "base64:" + base64.b64encode(text.encode()).decode("ascii")


def es256_sig(iss: str = "fastly:svc") -> str:
    return jwt.encode({"iss": iss, "exp": int(time.time()) + 600}, _PRIVATE, algorithm="ES256")


def signed_open() -> dict[str, Any]:
    return websocket_event(open=True, headers={"Grip-Sig": es256_sig()})


def handler(ws: WebSocketContext, event: Any) -> None:
    ws.accept()


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    reset_settings()
    yield
    reset_settings()


@pytest.mark.parametrize(
    "key",
    [
        PEM,
        b64(PEM),
        JWK,
        json.dumps(JWK),
        b64(json.dumps(JWK)),
        PEM.encode(),
        json.dumps(JWK).encode(),
    ],
    ids=["pem", "base64-pem", "jwk-dict", "jwk-text", "base64-jwk", "pem-bytes", "jwk-bytes"],
)
def test_every_public_key_form_loads_as_es256(key: Any) -> None:
    assert load_verify_key(key).algorithms == ("ES256",)


def test_base64_secret_still_loads_as_an_hmac_secret() -> None:
    loaded = load_verify_key(b64("a-shared-secret-of-at-least-32-bytes!"))
    assert (loaded.kind, loaded.key) == ("hmac", b"a-shared-secret-of-at-least-32-bytes!")


@pytest.mark.parametrize("key", [b64(PEM), b64(json.dumps(JWK))], ids=["pem", "jwk"])
def test_decorator_verify_key_base64_public_key_accepts_an_es256_grip_sig(key: str) -> None:
    response = grip_websocket(verify_key=key)(handler)(signed_open(), None)
    assert response["statusCode"] == 200


@pytest.mark.parametrize("key", [b64(PEM), b64(json.dumps(JWK))], ids=["pem", "jwk"])
def test_grip_verify_key_base64_public_key_accepts_an_es256_grip_sig(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIP_VERIFY_KEY", key)
    assert grip_websocket(handler)(signed_open(), None)["statusCode"] == 200


def test_grip_url_verify_key_base64_jwk_accepts_an_es256_grip_sig(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = b64(json.dumps(JWK)).replace("+", "%2B")
    monkeypatch.setenv("GRIP_URL", f"http://127.0.0.1:5561?verify-key={key}")
    assert grip_websocket(handler)(signed_open(), None)["statusCode"] == 200


def test_grip_proxies_jwk_object_verify_key_accepts_an_es256_grip_sig(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = {"control_uri": "http://127.0.0.1:5561", "verify_key": JWK}
    monkeypatch.setenv("GRIP_PROXIES", json.dumps([entry]))
    assert grip_websocket(handler)(signed_open(), None)["statusCode"] == 200


def test_grip_proxies_jwk_object_verify_key_does_not_break_publish(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with PublishServer() as server:
        entry = {"control_uri": server.url, "verify_key": JWK}
        monkeypatch.setenv("GRIP_PROXIES", json.dumps([entry]))
        publish("ch", WebSocketMessageFormat("hi"))
        assert [item["channel"] for item in server.items] == ["ch"]


def test_grip_proxies_unusable_key_object_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = {"control_uri": "http://127.0.0.1:5561", "key": {"kty": "EC"}}
    monkeypatch.setenv("GRIP_PROXIES", json.dumps([entry]))
    with pytest.raises(GripConfigError, match="key"):
        publish("ch", WebSocketMessageFormat("hi"))
