"""Publish requests authenticate the way the GRIP URL says, checked by a local endpoint."""

from __future__ import annotations

import time

import jwt
import pytest

from faas_grip.errors import GripConfigError, PublishError
from faas_grip.protocol.formats import WebSocketMessageFormat
from faas_grip.protocol.url import GripConfig
from faas_grip.publishing import Publisher, auth
from tests.support.publish_server import Basic, Bearer, Jwt, PublishServer

MESSAGE = WebSocketMessageFormat("hi")


def test_jwt_with_iss_and_exp_is_accepted() -> None:
    with PublishServer(auth=Jwt("realm", b"0123456789abcdef0123456789abcdef")) as server:
        url = f"{server.url}?iss=realm&key=base64:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
        with Publisher(url) as publisher:
            publisher.publish("ch", MESSAGE)
        assert len(server.items) == 1


def test_jwt_claims_are_iss_and_an_exp_in_the_future() -> None:
    with PublishServer(auth=Jwt("realm", "secret")) as server:
        with Publisher(f"{server.url}?iss=realm&key=secret") as publisher:
            publisher.publish("ch", MESSAGE)
        token = server.received[0].headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "HS256"
    assert set(claims) == {"iss", "exp"}
    assert claims["iss"] == "realm"
    assert claims["exp"] > time.time()


def test_jwt_signed_with_another_key_is_refused() -> None:
    with (
        PublishServer(auth=Jwt("realm", "right")) as server,
        Publisher(f"{server.url}?iss=realm&key=wrong", attempts=1) as publisher,
        pytest.raises(PublishError) as caught,
    ):
        publisher.publish("ch", MESSAGE)
    assert caught.value.failures[0].status == 401
    assert "Signature verification failed" in (caught.value.failures[0].body or "")


def test_jwt_is_reused_then_renewed_before_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1_000_000.0]
    monkeypatch.setattr(auth.time, "time", lambda: clock[0])
    jwt_auth = auth.auth_for(GripConfig("http://h", control_iss="realm", key="k"))
    first = jwt_auth.header()
    # docs/publishing.md: a token lives 10 minutes; a new one is signed a minute before it expires.
    lifetime, renew_before = 600, 60
    first_exp = jwt.decode(first.removeprefix("Bearer "), options={"verify_signature": False})
    assert first_exp["exp"] == 1_000_000 + lifetime
    clock[0] += lifetime - renew_before - 1
    assert jwt_auth.header() == first
    clock[0] += 2
    renewed = jwt_auth.header()
    assert renewed != first
    exp = jwt.decode(renewed.removeprefix("Bearer "), options={"verify_signature": False})["exp"]
    assert exp == int(clock[0]) + lifetime


def test_key_without_iss_is_sent_as_bearer_token() -> None:
    with PublishServer(auth=Bearer("api-token-123")) as server:
        with Publisher(f"{server.url}?key=api-token-123") as publisher:
            publisher.publish("ch", MESSAGE)
        assert len(server.items) == 1


def test_basic_credentials_from_the_url_are_percent_decoded_and_utf8_encoded() -> None:
    with PublishServer(auth=Basic("usér", "p@ss:wörd")) as server:
        host = server.url.removeprefix("http://")
        with Publisher(f"http://us%C3%A9r:p%40ss%3Aw%C3%B6rd@{host}") as publisher:
            publisher.publish("ch", MESSAGE)
        assert len(server.items) == 1
        assert server.received[0].headers["Authorization"].startswith("Basic ")


def test_no_authorization_header_without_credentials() -> None:
    with PublishServer() as server:
        with Publisher(server.url) as publisher:
            publisher.publish("ch", MESSAGE)
        assert "Authorization" not in server.received[0].headers


def test_iss_without_key_is_a_configuration_error() -> None:
    with pytest.raises(GripConfigError, match="no key"):
        Publisher("http://127.0.0.1:9?iss=realm")
