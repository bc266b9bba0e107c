"""parse_grip_url: GRIP URLs into GripConfig."""

from __future__ import annotations

import base64

import pytest

from faas_grip import GripConfig, GripConfigError, parse_grip_url


def test_control_uri_is_the_url_without_auth_parameters() -> None:
    config = parse_grip_url("https://api.fanout.io/realm/R?iss=R&key=secret")
    assert config.control_uri == "https://api.fanout.io/realm/R"


def test_iss_becomes_control_iss() -> None:
    assert parse_grip_url("https://h/realm?iss=R&key=k").control_iss == "R"


def test_plain_key_stays_text() -> None:
    assert parse_grip_url("http://localhost:5561?key=changeme").key == "changeme"


def test_base64_key_is_decoded_to_bytes() -> None:
    secret = b"\x00\x01binary secret\xff"
    url = "https://h/realm?key=base64:" + base64.b64encode(secret).decode()
    assert parse_grip_url(url).key == secret


def test_plus_in_a_base64_key_survives() -> None:
    assert base64.b64encode(b"\xfb\xef") == b"++8="
    assert parse_grip_url("https://h/r?key=base64:++8=").key == b"\xfb\xef"


def test_percent_encoded_key_is_decoded() -> None:
    assert parse_grip_url("https://h/r?key=base64:%2B%2B8%3D").key == b"\xfb\xef"


def test_base64_key_without_padding_is_accepted() -> None:
    assert parse_grip_url("https://h/r?key=base64:YWI").key == b"ab"


def test_verify_iss_and_verify_key_are_read() -> None:
    config = parse_grip_url(
        "https://api.fastly.com/service/S?key=TOKEN&verify-iss=fastly:S&verify-key=base64:YWJj"
    )
    assert (config.key, config.verify_iss, config.verify_key) == ("TOKEN", "fastly:S", b"abc")
    assert config.control_uri == "https://api.fastly.com/service/S"
    assert config.control_iss is None


def test_basic_auth_credentials_are_taken_out_and_percent_decoded() -> None:
    config = parse_grip_url("http://user%40x:p%40ss%3A@localhost:5561/")
    assert config.basic_auth == ("user@x", "p@ss:")
    assert config.control_uri == "http://localhost:5561"


def test_other_query_parameters_stay_on_the_control_uri() -> None:
    config = parse_grip_url("https://h/realm?a=1&key=k&b=x%20y&iss=R")
    assert config.control_uri == "https://h/realm?a=1&b=x%20y"


def test_trailing_slash_is_dropped() -> None:
    assert parse_grip_url("http://localhost:5561/").control_uri == "http://localhost:5561"
    assert parse_grip_url("https://h/realm/R/?key=k").control_uri == "https://h/realm/R"


def test_url_without_auth_has_no_keys() -> None:
    assert parse_grip_url("http://localhost:5561") == GripConfig("http://localhost:5561")


def test_empty_iss_counts_as_none() -> None:
    assert parse_grip_url("https://h/r?iss=&key=k").control_iss is None


def test_repr_hides_secrets() -> None:
    text = repr(parse_grip_url("http://u:pw@h/r?key=topsecret&verify-key=alsosecret"))
    assert "topsecret" not in text and "alsosecret" not in text and "pw" not in text


@pytest.mark.parametrize(
    "url", ["", "   ", "localhost:5561", "ftp://h/r", "https://", "http://[::1/r", "/relative"]
)
def test_invalid_urls_raise_grip_config_error(url: str) -> None:
    with pytest.raises(GripConfigError):
        parse_grip_url(url)


def test_invalid_base64_key_raises_grip_config_error() -> None:
    with pytest.raises(GripConfigError, match="not valid base64"):
        parse_grip_url("https://h/r?key=base64:not*base64")


def test_error_message_does_not_show_the_key() -> None:
    with pytest.raises(GripConfigError) as caught:
        parse_grip_url("ftp://h/r?key=topsecret")
    assert "topsecret" not in str(caught.value)


def test_config_error_answers_500() -> None:
    with pytest.raises(GripConfigError) as caught:
        parse_grip_url("")
    assert caught.value.status == 500


def test_invalid_base64_key_error_does_not_show_the_key() -> None:
    with pytest.raises(GripConfigError) as caught:
        parse_grip_url("https://h/r?key=base64:sec*retvalue")
    assert "sec" not in str(caught.value)
