"""Settings from the environment: GRIP_URL, GRIP_PROXIES, GRIP_PREFIX, GRIP_VERIFY_KEY."""

from __future__ import annotations

import json

import pytest

from faas_grip import GripConfig, GripConfigError, get_settings, reset_settings
from faas_grip.settings import Settings, settings_from_env


def test_no_configuration_means_no_proxies_prefix_or_keys() -> None:
    settings = settings_from_env({})
    assert (settings.proxies, settings.prefix, settings.verify_key) == ([], "", None)
    assert settings.verify_keys() == []


def test_grip_url_configures_one_proxy() -> None:
    settings = settings_from_env({"GRIP_URL": "http://localhost:5561?key=changeme"})
    assert settings.proxies == [GripConfig("http://localhost:5561", key="changeme")]


def test_grip_proxies_takes_a_list_of_urls_and_objects() -> None:
    proxies = [
        "https://a.example/r?iss=R&key=base64:YWJj",
        {"control_uri": "https://b.example/", "control_iss": "B", "key": "base64:ZGVm"},
    ]
    settings = settings_from_env({"GRIP_PROXIES": json.dumps(proxies)})
    assert settings.proxies == [
        GripConfig("https://a.example/r", control_iss="R", key=b"abc"),
        GripConfig("https://b.example", control_iss="B", key=b"def"),
    ]


def test_grip_proxies_object_reads_verify_iss_and_verify_key() -> None:
    proxy = {"control_uri": "https://b.example", "verify_iss": "V", "verify_key": "base64:ZGVm"}
    (config,) = settings_from_env({"GRIP_PROXIES": json.dumps([proxy])}).proxies
    assert (config.verify_iss, config.verify_key) == ("V", b"def")


def test_grip_proxies_takes_a_single_object() -> None:
    settings = settings_from_env({"GRIP_PROXIES": '{"control_uri": "http://localhost:5561"}'})
    assert settings.proxies == [GripConfig("http://localhost:5561")]


def test_grip_url_and_grip_proxies_add_up() -> None:
    env = {"GRIP_URL": "http://one:5561", "GRIP_PROXIES": '["http://two:5561"]'}
    assert [p.control_uri for p in settings_from_env(env).proxies] == [
        "http://one:5561",
        "http://two:5561",
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[not json", "not valid JSON"),
        ("42", "JSON list"),
        ('[{"key": "k"}]', "control_uri"),
        ("[42]", "control_uri"),
        ('["ftp://x"]', "http"),
    ],
)
def test_bad_grip_proxies_raise_grip_config_error(value: str, message: str) -> None:
    with pytest.raises(GripConfigError, match=message):
        settings_from_env({"GRIP_PROXIES": value})


def test_bad_grip_url_raises_grip_config_error() -> None:
    with pytest.raises(GripConfigError):
        settings_from_env({"GRIP_URL": "not a url"})


def test_grip_prefix_is_read() -> None:
    assert settings_from_env({"GRIP_PREFIX": "app-"}).prefix == "app-"


def test_grip_verify_key_base64_is_decoded() -> None:
    assert settings_from_env({"GRIP_VERIFY_KEY": "base64:YWJj"}).verify_key == b"abc"


def test_grip_verify_key_text_is_kept() -> None:
    pem = "-----BEGIN PUBLIC KEY-----\n..."
    assert settings_from_env({"GRIP_VERIFY_KEY": pem}).verify_key == pem


def test_verify_keys_use_each_proxys_key_and_verify_iss() -> None:
    settings = Settings(
        [GripConfig("http://a", key="ka"), GripConfig("http://b", key="kb", verify_iss="B")]
    )
    assert settings.verify_keys() == [("ka", None), ("kb", "B")]


def test_verify_keys_prefer_a_proxys_verify_key_to_its_key() -> None:
    settings = Settings([GripConfig("http://a", key="publish-token", verify_key="verify")])
    assert settings.verify_keys() == [("verify", None)]


def test_verify_keys_skip_proxies_without_keys() -> None:
    assert Settings([GripConfig("http://a")]).verify_keys() == []


def test_grip_verify_key_wins_over_proxy_keys() -> None:
    settings = Settings([GripConfig("http://a", key="ka")], verify_key="global")
    assert settings.verify_keys() == [("global", None)]


def test_grip_verify_key_takes_the_issuer_the_proxies_agree_on() -> None:
    proxies = [
        GripConfig("http://a", key="ka", verify_iss="fastly:S"),
        GripConfig("http://b", verify_iss="fastly:S"),
    ]
    assert Settings(proxies, verify_key="k").verify_keys() == [("k", "fastly:S")]


def test_grip_verify_key_requires_no_issuer_when_proxies_disagree() -> None:
    proxies = [GripConfig("http://a", verify_iss="A"), GripConfig("http://b", verify_iss="B")]
    assert Settings(proxies, verify_key="k").verify_keys() == [("k", None)]


def test_get_settings_reads_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_PREFIX", "one-")
    assert get_settings().prefix == "one-"
    monkeypatch.setenv("GRIP_PREFIX", "two-")
    assert get_settings().prefix == "one-"


def test_reset_settings_makes_the_next_use_read_the_environment_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRIP_PREFIX", "one-")
    get_settings()
    monkeypatch.setenv("GRIP_PREFIX", "two-")
    reset_settings()
    assert get_settings().prefix == "two-"
