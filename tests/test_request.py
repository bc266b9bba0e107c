"""Request and EventHeaders: what the front doors and the framework-free entry read requests into."""

from __future__ import annotations

import pytest

from faas_grip import GripProtocolError, Request
from faas_grip.protocol.headers import CaseInsensitiveDict
from faas_grip.request import EventHeaders

RAW = {
    "Content-Type": "text/plain",
    "x-lower": "1",
    "Meta-Nick": "bob",
    "meta-room": "a",
    "Nul": None,
}


def test_event_headers_are_a_case_insensitive_dict() -> None:
    headers = EventHeaders(RAW)
    assert isinstance(headers, CaseInsensitiveDict)
    assert headers["content-TYPE"] == "text/plain"
    assert headers.get("X-Lower") == "1"
    assert "CONTENT-TYPE" in headers


def test_event_headers_skip_null_values() -> None:
    headers = EventHeaders(RAW)
    assert headers.get("Nul") is None
    assert set(headers) == {"Content-Type", "x-lower", "Meta-Nick", "meta-room"}


def test_event_headers_can_be_changed() -> None:
    headers = EventHeaders(RAW)
    assert headers.get("Content-Type") == "text/plain"
    headers["content-type"] = "application/json"
    assert headers.get("Content-Type") == "application/json"


def test_with_prefix_reads_any_case_before_and_after_indexing() -> None:
    headers = EventHeaders(RAW)
    assert headers.with_prefix("Meta-") == {"nick": "bob", "room": "a"}
    len(headers)  # builds the index
    assert headers.with_prefix("Meta-") == {"nick": "bob", "room": "a"}


def test_event_headers_equal_a_plain_mapping() -> None:
    assert EventHeaders({"A": "1"}) == {"a": "1"}


def test_request_from_pairs_keeps_every_value() -> None:
    request = Request("post", [("Grip-Sig", "a"), ("grip-sig", "b"), ("X", "1")])
    assert request.method == "POST"
    assert request.header_values("GRIP-SIG") == ["a", "b"]
    assert request.headers["grip-sig"] == "a, b"


def test_request_parses_a_query_string() -> None:
    assert Request("GET", query="a=1&b=&a=2").query == {"a": "2", "b": ""}


def test_request_body_str_is_utf8() -> None:
    assert Request("POST", body="é").body == "é".encode()


def test_lazy_body_error_surfaces_on_access() -> None:
    def unreadable() -> bytes:
        raise GripProtocolError("bad body")

    request = Request("POST", {}, unreadable)
    with pytest.raises(GripProtocolError, match="bad body"):
        request.body  # noqa: B018


def test_is_websocket_needs_post_and_the_media_type() -> None:
    ws = {"Content-Type": "application/websocket-events; x=y"}
    assert Request("POST", ws).is_websocket
    assert not Request("GET", ws).is_websocket
    assert not Request("POST", {"Content-Type": "text/plain"}).is_websocket
