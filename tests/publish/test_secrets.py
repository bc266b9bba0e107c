"""GRIP configuration from Secrets Manager and SSM Parameter Store (moto, in-process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from faas_grip.errors import GripConfigError
from faas_grip.protocol.formats import WebSocketMessageFormat
from faas_grip.publishing import publish
from faas_grip.settings import get_settings
from tests.support.publish_server import Jwt, PublishServer

MESSAGE = WebSocketMessageFormat("hi")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("POWERTOOLS_PARAMETERS_MAX_AGE", raising=False)
    with mock_aws():
        yield


def _secret(name: str, value: str) -> Any:
    client = boto3.client("secretsmanager")
    client.create_secret(Name=name, SecretString=value)
    return client


def test_secret_holding_a_grip_url_configures_publishing(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with PublishServer(auth=Jwt("realm", "k3y")) as server:
        _secret("grip", f"{server.url}?iss=realm&key=k3y")
        monkeypatch.setenv("GRIP_URL_SECRET", "grip")
        publish("ch", MESSAGE)
        assert len(server.items) == 1


def test_secret_given_by_arn_is_read(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    arn = _secret("grip", "http://pushpin:5561").describe_secret(SecretId="grip")["ARN"]
    monkeypatch.setenv("GRIP_URL_SECRET", arn)
    assert [p.control_uri for p in get_settings().proxies] == ["http://pushpin:5561"]


def test_secret_as_json_object_sets_url_and_verify_key(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _secret(
        "grip",
        json.dumps(
            {
                "GRIP_URL": "https://api.fastly.com/service/SID?key=TOKEN&verify-iss=fastly:SID",
                "GRIP_VERIFY_KEY": "base64:c2VjcmV0",
                "unrelated": "ignored",
            }
        ),
    )
    monkeypatch.setenv("GRIP_URL_SECRET", "grip")
    settings = get_settings()
    assert [p.control_uri for p in settings.proxies] == ["https://api.fastly.com/service/SID"]
    assert settings.verify_keys() == [(b"secret", "fastly:SID")]


def test_secret_json_with_a_list_of_proxies(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _secret("grip", json.dumps({"GRIP_PROXIES": ["http://a:5561", "http://b:5561"]}))
    monkeypatch.setenv("GRIP_URL_SECRET", "grip")
    assert [p.control_uri for p in get_settings().proxies] == ["http://a:5561", "http://b:5561"]


def test_ssm_securestring_parameter_is_decrypted(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    boto3.client("ssm").put_parameter(
        Name="/app/grip-url", Value="http://pushpin:5561?iss=realm&key=k", Type="SecureString"
    )
    monkeypatch.setenv("GRIP_URL_PARAMETER", "/app/grip-url")
    (proxy,) = get_settings().proxies
    assert (proxy.control_uri, proxy.control_iss, proxy.key) == (
        "http://pushpin:5561",
        "realm",
        "k",
    )


def test_value_is_reused_until_max_age_passes(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    client = _secret("grip", "http://old:5561")
    monkeypatch.setenv("GRIP_URL_SECRET", "grip")
    first = get_settings()
    client.put_secret_value(SecretId="grip", SecretString="http://new:5561")
    assert get_settings() is first  # default max age: 300 s


def test_rotated_secret_is_picked_up_after_max_age(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with PublishServer() as old, PublishServer() as new:
        client = _secret("grip", old.url)
        monkeypatch.setenv("GRIP_URL_SECRET", "grip")
        monkeypatch.setenv("GRIP_URL_MAX_AGE", "0")
        publish("ch", MESSAGE)
        client.put_secret_value(SecretId="grip", SecretString=new.url)
        publish("ch", MESSAGE)
        assert (len(old.items), len(new.items)) == (1, 1)


def test_unchanged_value_keeps_the_same_settings(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _secret("grip", "http://pushpin:5561")
    monkeypatch.setenv("GRIP_URL_SECRET", "grip")
    monkeypatch.setenv("GRIP_URL_MAX_AGE", "0")
    assert get_settings() is get_settings()


def test_missing_secret_names_it_and_the_permission(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIP_URL_SECRET", "nope")
    with pytest.raises(GripConfigError, match=r"'nope'.*secretsmanager:GetSecretValue"):
        get_settings()


def test_failed_refresh_keeps_the_previous_configuration(
    aws: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    client = _secret("grip", "http://pushpin:5561")
    monkeypatch.setenv("GRIP_URL_SECRET", "grip")
    monkeypatch.setenv("GRIP_URL_MAX_AGE", "0")
    first = get_settings()
    client.delete_secret(SecretId="grip", ForceDeleteWithoutRecovery=True)
    assert get_settings() is first
    assert "keeping the GRIP configuration read before" in caplog.text


def test_invalid_value_is_reported_without_echoing_it(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _secret("grip", '{"GRIP_URL": "ftp://s3cr3t@host"}')
    monkeypatch.setenv("GRIP_URL_SECRET", "grip")
    with pytest.raises(GripConfigError, match="Secrets Manager secret 'grip'") as caught:
        get_settings()
    assert "s3cr3t" not in str(caught.value)


def test_json_without_grip_keys_is_refused(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _secret("grip", '{"url": "http://pushpin:5561"}')
    monkeypatch.setenv("GRIP_URL_SECRET", "grip")
    with pytest.raises(GripConfigError, match="GRIP_URL or GRIP_PROXIES"):
        get_settings()


def test_secret_and_parameter_together_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_URL_SECRET", "a")
    monkeypatch.setenv("GRIP_URL_PARAMETER", "b")
    with pytest.raises(GripConfigError, match="not both"):
        get_settings()


def test_bad_max_age_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_URL_SECRET", "a")
    monkeypatch.setenv("GRIP_URL_MAX_AGE", "soon")
    with pytest.raises(GripConfigError, match="GRIP_URL_MAX_AGE"):
        get_settings()
