"""Publish formats, Item export, and Server-Sent Events helpers."""

from __future__ import annotations

import pytest

from faas_grip import (
    HttpResponseFormat,
    HttpStreamFormat,
    Item,
    WebSocketMessageFormat,
    sse_comment,
    sse_event,
)

# -- http-stream -------------------------------------------------------------------------------


def test_stream_text_is_exported_as_content() -> None:
    assert HttpStreamFormat("hello\n").export() == {"content": "hello\n"}


def test_stream_bytes_are_exported_as_base64_content_bin() -> None:
    assert HttpStreamFormat(b"\x00\xff").export() == {"content-bin": "AP8="}


def test_stream_close_is_exported_as_close_action() -> None:
    assert HttpStreamFormat(close=True).export() == {"action": "close"}


def test_stream_needs_content_or_close() -> None:
    with pytest.raises(ValueError, match="content, or close=True"):
        HttpStreamFormat()


def test_stream_format_name() -> None:
    assert HttpStreamFormat("x").name == "http-stream"


# -- http-response -----------------------------------------------------------------------------


def test_response_text_body_is_exported_as_body() -> None:
    assert HttpResponseFormat("done").export() == {"body": "done"}


def test_response_bytes_body_is_exported_as_base64_body_bin() -> None:
    assert HttpResponseFormat(b"\x00\xff").export() == {"body-bin": "AP8="}


def test_response_exports_code_reason_and_headers() -> None:
    fmt = HttpResponseFormat(
        "{}", code=201, reason="Created", headers={"Content-Type": "application/json"}
    )
    assert fmt.export() == {
        "code": 201,
        "reason": "Created",
        "headers": {"Content-Type": "application/json"},
        "body": "{}",
    }


def test_response_without_body_exports_no_body() -> None:
    assert HttpResponseFormat(code=204).export() == {"code": 204}


@pytest.mark.parametrize("code", [99, 1000, "200"])
def test_response_refuses_invalid_status_codes(code: object) -> None:
    with pytest.raises(ValueError, match="100-999"):
        HttpResponseFormat("x", code=code)  # type: ignore[arg-type]


def test_response_refuses_header_injection_in_values() -> None:
    with pytest.raises(ValueError):
        HttpResponseFormat("x", headers={"X-A": "1\r\nSet-Cookie: a=b"})


def test_response_refuses_invalid_header_names() -> None:
    with pytest.raises(ValueError, match="header name"):
        HttpResponseFormat("x", headers={"X A": "1"})


def test_response_refuses_reason_with_crlf() -> None:
    with pytest.raises(ValueError):
        HttpResponseFormat("x", reason="OK\r\nX: 1")


# -- ws-message --------------------------------------------------------------------------------


def test_ws_text_is_exported_as_content() -> None:
    assert WebSocketMessageFormat("hi").export() == {"content": "hi"}


def test_ws_bytes_are_exported_as_base64_content_bin() -> None:
    assert WebSocketMessageFormat(b"\x00\xff").export() == {"content-bin": "AP8="}


def test_ws_binary_flag_sends_text_as_binary_utf8() -> None:
    assert WebSocketMessageFormat("é", binary=True).export() == {"content-bin": "w6k="}


def test_ws_close_is_exported_as_close_action() -> None:
    assert WebSocketMessageFormat(close=True).export() == {"action": "close"}


def test_ws_close_exports_code_and_reason() -> None:
    fmt = WebSocketMessageFormat(close=True, code=4000, reason="bye")
    assert fmt.export() == {"action": "close", "code": 4000, "reason": "bye"}


def test_ws_close_refuses_invalid_code() -> None:
    with pytest.raises(ValueError, match="cannot be sent"):
        WebSocketMessageFormat(close=True, code=1005)


def test_ws_close_reason_fits_a_close_frame() -> None:
    fmt = WebSocketMessageFormat(close=True, code=1001, reason="x" * 123)
    assert fmt.export()["reason"] == "x" * 123
    with pytest.raises(ValueError, match="124 bytes"):  # 2 bytes each in UTF-8
        WebSocketMessageFormat(close=True, code=1001, reason="é" * 62)
    with pytest.raises(TypeError, match="must be a str"):
        WebSocketMessageFormat(close=True, reason=b"bye")  # type: ignore[arg-type]


def test_ws_code_without_close_is_refused() -> None:
    with pytest.raises(ValueError, match="only apply with close=True"):
        WebSocketMessageFormat("x", code=1000)


def test_ws_needs_content_or_close() -> None:
    with pytest.raises(ValueError, match="content, or close=True"):
        WebSocketMessageFormat()


def test_formats_compare_by_export() -> None:
    assert WebSocketMessageFormat("a") == WebSocketMessageFormat("a")
    assert WebSocketMessageFormat("a") != WebSocketMessageFormat(b"a")
    assert HttpStreamFormat("a") != WebSocketMessageFormat("a")


# -- Item --------------------------------------------------------------------------------------


def test_item_exports_channel_and_formats_under_formats() -> None:
    item = Item([HttpStreamFormat("a\n"), WebSocketMessageFormat("a")])
    assert item.export("news") == {
        "channel": "news",
        "formats": {"http-stream": {"content": "a\n"}, "ws-message": {"content": "a"}},
    }


def test_item_exports_id_prev_id_and_meta() -> None:
    item = Item(WebSocketMessageFormat("a"), id="2", prev_id="1", meta={"sender": "bob"})
    assert item.export("news") == {
        "channel": "news",
        "id": "2",
        "prev-id": "1",
        "meta": {"sender": "bob"},
        "formats": {"ws-message": {"content": "a"}},
    }


def test_item_takes_a_single_format() -> None:
    assert Item(HttpStreamFormat("a")).formats == (HttpStreamFormat("a"),)


def test_item_refuses_two_formats_of_one_kind() -> None:
    with pytest.raises(ValueError, match="at most one format of each kind"):
        Item([HttpStreamFormat("a"), HttpStreamFormat("b")])


def test_item_refuses_no_format() -> None:
    with pytest.raises(ValueError, match="at least one format"):
        Item([])


def test_item_id_refuses_separators() -> None:
    with pytest.raises(ValueError, match="item id"):
        Item(HttpStreamFormat("a"), id="1, 2")


# -- Server-Sent Events ------------------------------------------------------------------------


def test_sse_event_with_data_only() -> None:
    assert sse_event("hello") == "data: hello\n\n"


def test_sse_event_splits_multi_line_data() -> None:
    assert sse_event("a\nb\r\nc\rd") == "data: a\ndata: b\ndata: c\ndata: d\n\n"


def test_sse_event_with_event_id_and_retry() -> None:
    assert sse_event("x", event="update", id="7", retry=1500) == (
        "event: update\nid: 7\nretry: 1500\ndata: x\n\n"
    )


@pytest.mark.parametrize("field", ["event", "id"])
def test_sse_event_refuses_newlines_in_fields(field: str) -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        sse_event("x", **{field: "a\nb"})  # type: ignore[arg-type]


def test_sse_comment_with_text() -> None:
    assert sse_comment("keep-alive") == ": keep-alive\n\n"


def test_sse_comment_without_text() -> None:
    assert sse_comment() == ":\n\n"


def test_sse_comment_refuses_newlines() -> None:
    with pytest.raises(ValueError, match="one line"):
        sse_comment("a\nb")
