"""Header name/value checks and the case-insensitive header mapping."""

from __future__ import annotations

import pytest

from faas_grip.protocol.headers import CaseInsensitiveDict, check_header_name, check_header_value


def test_token_header_names_pass() -> None:
    assert check_header_name("X-Custom_Header.1!#$%&'*+^`|~") == "X-Custom_Header.1!#$%&'*+^`|~"


@pytest.mark.parametrize("name", ["", "X A", "X:A", "X\r\nA", "Ünicode", "X(A)", 'X"A', "X,A"])
def test_header_names_that_are_not_tokens_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="header name"):
        check_header_name(name)


def test_printable_header_values_pass() -> None:
    assert check_header_value('a b\t"c"; d=1, e') == 'a b\t"c"; d=1, e'


@pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\x00b", "a\x7fb", "café"])
def test_header_values_with_control_or_non_ascii_characters_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        check_header_value(value)


def test_header_value_must_be_a_string() -> None:
    with pytest.raises(ValueError, match="must be a string"):
        check_header_value(5)  # type: ignore[arg-type]


def test_case_insensitive_lookup_keeps_the_case_last_set() -> None:
    headers = CaseInsensitiveDict({"content-type": "a"})
    headers["Content-Type"] = "b"
    assert headers["CONTENT-TYPE"] == "b"
    assert list(headers) == ["Content-Type"]
    assert len(headers) == 1


def test_case_insensitive_mappings_compare_equal_across_case() -> None:
    assert CaseInsensitiveDict({"A": "1"}) == {"a": "1"}
    assert CaseInsensitiveDict({"A": "1"}) != {"a": "2"}


def test_case_insensitive_membership_and_deletion() -> None:
    headers = CaseInsensitiveDict([("Meta-User", "alice")])
    assert "meta-user" in headers and 5 not in headers
    del headers["META-USER"]
    assert "Meta-User" not in headers
