"""Fastly Fanout's documented setup, against a local stand-in for api.fastly.com."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from faas_grip.errors import PublishError
from faas_grip.protocol.formats import WebSocketMessageFormat
from faas_grip.publishing import publish
from faas_grip.settings import get_settings
from tests.support.publish_server import Bearer, PublishServer

FASTLY_JWK = (
    '{"kty":"EC","crv":"P-256","x":"CKo5A1ebyFcnmVV8SE5On-8G81JyBjSvcrx4VLetWCg",'
    '"y":"7gwJqaU6N8TP88--twjkwoB36f-pT3QsmI46nPhjO7M"}'
)
SERVICE = "2ZdLqKfUD4TfAMzqXqSBWl"


@pytest.fixture
def fastly() -> Iterator[PublishServer]:
    with PublishServer(auth=Bearer("fastly-api-token"), path=f"/service/{SERVICE}/publish/") as s:
        yield s


def _configure(monkeypatch: pytest.MonkeyPatch, base: str, token: str) -> None:
    monkeypatch.setenv(
        "GRIP_URL", f"{base}/service/{SERVICE}?key={token}&verify-iss=fastly:{SERVICE}"
    )
    monkeypatch.setenv("GRIP_VERIFY_KEY", FASTLY_JWK)


def test_fastly_grip_url_publishes_with_the_api_token_as_bearer(
    fastly: PublishServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(monkeypatch, fastly.url, "fastly-api-token")
    publish("updates", WebSocketMessageFormat("hi"))
    assert fastly.received[0].path == f"/service/{SERVICE}/publish/"
    assert fastly.received[0].headers["Authorization"] == "Bearer fastly-api-token"
    assert [item["channel"] for item in fastly.items] == ["updates"]


def test_fastly_grip_sig_is_verified_with_fastly_key_and_issuer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _configure(monkeypatch, "https://api.fastly.com", "fastly-api-token")
    assert get_settings().verify_keys() == [(FASTLY_JWK, f"fastly:{SERVICE}")]


def test_fastly_rejecting_the_token_is_reported_without_retry(
    fastly: PublishServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(monkeypatch, fastly.url, "revoked-token")
    with pytest.raises(PublishError) as caught:
        publish("updates", WebSocketMessageFormat("hi"))
    (failure,) = caught.value.failures
    assert (failure.status, failure.attempts) == (401, 1)
    assert "revoked-token" not in str(caught.value)
