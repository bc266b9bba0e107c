"""GripInstruct headers, Channel, and parse_grip_last."""

from __future__ import annotations

import pytest

from faas_grip import Channel, GripInstruct, parse_grip_last


def headers(instruct: GripInstruct) -> dict[str, str]:
    return instruct.to_headers()


# -- holds and channels ------------------------------------------------------------------------


def test_no_instructions_means_no_headers() -> None:
    assert GripInstruct().to_headers() == {}


def test_hold_stream_header() -> None:
    instruct = GripInstruct("news")
    instruct.set_hold_stream()
    assert headers(instruct) == {"Grip-Hold": "stream", "Grip-Channel": "news"}


def test_hold_longpoll_header() -> None:
    instruct = GripInstruct("news")
    instruct.set_hold_longpoll()
    assert headers(instruct) == {"Grip-Hold": "response", "Grip-Channel": "news"}


def test_longpoll_timeout_header() -> None:
    instruct = GripInstruct("news")
    instruct.set_hold_longpoll(timeout=30)
    assert headers(instruct)["Grip-Timeout"] == "30"


def test_timeout_is_not_sent_for_a_stream() -> None:
    instruct = GripInstruct("news")
    instruct.set_hold_longpoll(timeout=30)
    instruct.set_hold_stream()
    assert "Grip-Timeout" not in headers(instruct)


@pytest.mark.parametrize("timeout", [-1, 1.5, "30", True])
def test_longpoll_timeout_must_be_a_non_negative_integer(timeout: object) -> None:
    with pytest.raises(ValueError, match="non-negative integer"):
        GripInstruct("news").set_hold_longpoll(timeout=timeout)  # type: ignore[arg-type]


def test_channel_header_carries_prev_id_and_filters() -> None:
    instruct = GripInstruct(Channel("news", prev_id="7", filters=["skip-self", "require-sub"]))
    assert (
        headers(instruct)["Grip-Channel"] == "news; prev-id=7; filter=skip-self; filter=require-sub"
    )


def test_several_channels_are_comma_joined() -> None:
    instruct = GripInstruct(["a", Channel("b", prev_id="1")])
    assert headers(instruct)["Grip-Channel"] == "a, b; prev-id=1"


def test_add_channel_appends() -> None:
    instruct = GripInstruct("a")
    instruct.add_channel(["b", "c"])
    assert headers(instruct)["Grip-Channel"] == "a, b, c"


def test_prefix_is_added_to_every_channel_name() -> None:
    instruct = GripInstruct(["a", Channel("b", prev_id="1")], prefix="app-")
    assert headers(instruct)["Grip-Channel"] == "app-a, app-b; prev-id=1"


def test_channels_compare_by_value() -> None:
    assert Channel("a", "1", ["skip-self"]) == Channel("a", prev_id="1", filters=("skip-self",))
    assert len({Channel("a"), Channel("a")}) == 1
    assert Channel("a") != Channel("a", prev_id="1")


@pytest.mark.parametrize(
    "name", ["a,b", "a;b", 'a"b', "a b", "a\r\nGrip-Hold: stream", "a\nb", "café", "", "a\tb"]
)
def test_channel_name_refuses_separators_whitespace_and_non_ascii(name: str) -> None:
    with pytest.raises(ValueError, match="channel name"):
        Channel(name)


def test_prev_id_refuses_separators() -> None:
    with pytest.raises(ValueError, match="prev-id"):
        Channel("a", prev_id="1, evil")


def test_filter_refuses_separators() -> None:
    with pytest.raises(ValueError, match="filter"):
        Channel("a", filters=["skip-self; x=1"])


def test_instruct_refuses_a_bad_channel_name() -> None:
    with pytest.raises(ValueError, match="channel name"):
        GripInstruct("a\r\nX: 1")


# -- keep-alive --------------------------------------------------------------------------------


def test_keep_alive_plain_text_is_sent_raw() -> None:
    instruct = GripInstruct("a")
    instruct.set_keep_alive("ping", 20)
    assert headers(instruct)["Grip-Keep-Alive"] == "ping; format=raw; timeout=20"


def test_keep_alive_with_newline_is_sent_as_cstring() -> None:
    instruct = GripInstruct("a")
    instruct.set_keep_alive(":\n\n", 20)
    assert headers(instruct)["Grip-Keep-Alive"] == ":\\n\\n; format=cstring; timeout=20"


def test_keep_alive_cstring_escapes_what_pushpin_unescapes() -> None:
    instruct = GripInstruct("a")
    instruct.set_keep_alive(b'\\\r\n\x00 ;,"\xff', 5, format="cstring")
    value = headers(instruct)["Grip-Keep-Alive"]
    assert value == "\\\\\\r\\n\\x00\\x20\\x3b\\x2c\\x22\\xff; format=cstring; timeout=5"


def test_keep_alive_base64_format() -> None:
    instruct = GripInstruct("a")
    instruct.set_keep_alive(b"\x00\xff", 5, format="base64")
    assert headers(instruct)["Grip-Keep-Alive"] == "AP8=; format=base64; timeout=5"


def test_keep_alive_interval_mode() -> None:
    instruct = GripInstruct("a")
    instruct.set_keep_alive("ping", 20, mode="interval")
    assert headers(instruct)["Grip-Keep-Alive"] == "ping; format=raw; timeout=20; mode=interval"


def test_keep_alive_raw_refuses_separators() -> None:
    with pytest.raises(ValueError, match="cannot be sent raw"):
        GripInstruct("a").set_keep_alive("a;b", 20, format="raw")


def test_keep_alive_refuses_empty_data() -> None:
    with pytest.raises(ValueError, match="empty"):
        GripInstruct("a").set_keep_alive("", 20)


def test_keep_alive_refuses_unknown_format() -> None:
    with pytest.raises(ValueError, match="format"):
        GripInstruct("a").set_keep_alive("x", 20, format="hex")  # type: ignore[arg-type]


def test_keep_alive_refuses_unknown_mode() -> None:
    with pytest.raises(ValueError, match="mode"):
        GripInstruct("a").set_keep_alive("x", 20, mode="sometimes")  # type: ignore[arg-type]


# -- link, status, meta ------------------------------------------------------------------------


def test_next_link_header() -> None:
    instruct = GripInstruct("a")
    instruct.set_next_link("/stream?after=0")
    assert headers(instruct)["Grip-Link"] == "</stream?after=0>; rel=next"


def test_next_link_header_with_timeout() -> None:
    instruct = GripInstruct("a")
    instruct.set_next_link("https://example.com/s", timeout=60)
    assert headers(instruct)["Grip-Link"] == "<https://example.com/s>; rel=next; timeout=60"


@pytest.mark.parametrize("uri", ["", "/a>b", "/a b", "/a\r\nX: 1"])
def test_next_link_refuses_uris_that_break_the_header(uri: str) -> None:
    with pytest.raises(ValueError):
        GripInstruct("a").set_next_link(uri)


def test_status_header_with_reason() -> None:
    instruct = GripInstruct("a")
    instruct.set_status(304, "Not Modified")
    assert headers(instruct)["Grip-Status"] == "304 Not Modified"


def test_status_header_without_reason() -> None:
    instruct = GripInstruct("a")
    instruct.set_status(204)
    assert headers(instruct)["Grip-Status"] == "204"


@pytest.mark.parametrize("code", [99, 1000, "200"])
def test_status_refuses_invalid_codes(code: object) -> None:
    with pytest.raises(ValueError, match="100-999"):
        GripInstruct("a").set_status(code)  # type: ignore[arg-type]


def test_status_reason_refuses_crlf() -> None:
    with pytest.raises(ValueError):
        GripInstruct("a").set_status(200, "OK\r\nX: 1")


def test_set_meta_header() -> None:
    instruct = GripInstruct("a")
    instruct.set_meta("user", "alice")
    instruct.set_meta("room", "lobby")
    assert headers(instruct)["Grip-Set-Meta"] == 'user="alice", room="lobby"'


@pytest.mark.parametrize("value", ['a"b', "a\\b", "a\r\nb", "zoë"])
def test_set_meta_refuses_values_that_break_the_header(value: str) -> None:
    with pytest.raises(ValueError):
        GripInstruct("a").set_meta("user", value)


@pytest.mark.parametrize("name", ["a b", "a,b", "a;b", 'a"b', "a=b", "", "é"])
def test_set_meta_refuses_names_that_are_not_tokens(name: str) -> None:
    with pytest.raises(ValueError, match="meta name"):
        GripInstruct("a").set_meta(name, "x")


# -- Grip-Last ---------------------------------------------------------------------------------


def test_parse_grip_last_reads_one_channel() -> None:
    assert parse_grip_last("news; last-id=3") == {"news": "3"}


def test_parse_grip_last_reads_several_channels_and_quoted_ids() -> None:
    assert parse_grip_last('a; last-id=1, b; last-id="2"') == {"a": "1", "b": "2"}


def test_parse_grip_last_skips_malformed_parts() -> None:
    assert parse_grip_last("junk, ; last-id=1, c; last-id, d; last-id=4") == {"d": "4"}


def test_parse_grip_last_of_no_header_is_empty() -> None:
    assert parse_grip_last(None) == {}
    assert parse_grip_last("") == {}


def test_instruct_refuses_a_prefix_that_would_break_the_channel_header() -> None:
    with pytest.raises(ValueError, match="channel prefix"):
        GripInstruct("a", prefix="app, evil")
