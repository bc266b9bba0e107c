"""The wire form of Pushpin's publish actions, item flags, filters, link/expose headers and
WebSocket controls, as Pushpin's source reads them (src/handler/publishformat.cpp,
publishitem.cpp, filter.cpp, instruct.cpp, wscontrolmessage.cpp). Behaviour through real Pushpin
is in tests/e2e/test_pushpin_features.py; what Pushpin 1.36 cannot show (ws-message `refresh`,
`rel=gone`) is checked here only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from faas_grip import (
    Channel,
    GripInstruct,
    HttpResponseFormat,
    HttpStreamFormat,
    Item,
    WebSocketContext,
    WebSocketEvent,
    WebSocketMessageFormat,
)
from faas_grip.protocol.filters import FILTERS, check_filter
from faas_grip.publishing import Publisher
from tests.support.publish_server import PublishServer

# -- publish actions -------------------------------------------------------------------------


def test_stream_hint_is_the_hint_action_alone() -> None:
    assert HttpStreamFormat(hint=True).export() == {"action": "hint"}


def test_response_hint_is_the_hint_action_alone() -> None:
    assert HttpResponseFormat(hint=True).export() == {"action": "hint"}


def test_websocket_refresh_is_the_refresh_action_alone() -> None:
    assert WebSocketMessageFormat(refresh=True).export() == {"action": "refresh"}


@pytest.mark.parametrize(
    "make",
    [
        lambda: HttpStreamFormat("x", hint=True),
        lambda: HttpStreamFormat(close=True, hint=True),
        lambda: HttpResponseFormat("x", hint=True),
        lambda: HttpResponseFormat(code=200, hint=True),
        lambda: WebSocketMessageFormat("x", refresh=True),
        lambda: WebSocketMessageFormat(close=True, refresh=True),
    ],
)
def test_a_hint_or_refresh_with_content_raises(make: Any) -> None:
    with pytest.raises(ValueError):
        make()


def test_body_patch_is_sent_instead_of_a_body() -> None:
    patch = [{"op": "replace", "path": "/state", "value": "done"}]
    assert HttpResponseFormat(body_patch=patch, code=200).export() == {
        "code": 200,
        "body-patch": patch,
    }


def test_body_and_body_patch_together_raise() -> None:
    with pytest.raises(ValueError, match="not both"):
        HttpResponseFormat("x", body_patch=[{"op": "remove", "path": "/a"}])


@pytest.mark.parametrize(
    "patch", [[], [{"op": "frobnicate", "path": "/a"}], [{"op": "add"}], [{"path": "/a"}]]
)
def test_a_body_patch_that_is_not_json_patch_raises(patch: Any) -> None:
    with pytest.raises(ValueError, match="body_patch"):
        HttpResponseFormat(body_patch=patch)


# -- item flags and filter meta --------------------------------------------------------------

MESSAGE = WebSocketMessageFormat("hi")


def test_no_seq_item_carries_the_no_seq_flag() -> None:
    assert Item(MESSAGE, no_seq=True).export("ch")["no-seq"] is True
    assert "no-seq" not in Item(MESSAGE).export("ch")


def test_sender_skip_users_and_require_sub_become_the_meta_filters_read() -> None:
    item = Item(MESSAGE, sender="alice", skip_users=["bob", "carol"], require_sub="lobby")
    assert item.export("p-ch", prefix="p-")["meta"] == {
        "sender": "alice",
        "skip_users": "bob,carol",
        "require_sub": "p-lobby",  # the prefix goes on it as on the channel
    }


def test_filter_meta_adds_to_the_meta_given() -> None:
    assert Item(MESSAGE, meta={"topic": "x"}, sender="alice").export("ch")["meta"] == {
        "topic": "x",
        "sender": "alice",
    }


@pytest.mark.parametrize(("users"), [["a,b"], [""], [" "]])
def test_skip_users_names_with_a_comma_or_empty_raise(users: list[str]) -> None:
    with pytest.raises(ValueError, match="skip_users"):
        Item(MESSAGE, skip_users=users)


def test_publish_sender_reaches_the_proxy_as_publish_meta() -> None:
    with PublishServer() as server, Publisher(server.url) as publisher:
        publisher.publish("ch", MESSAGE, sender="alice")
        assert server.items[0]["meta"] == {"sender": "alice"}


# -- filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["skip-self", "skip-users", "require-sub", "build-id", "var-subst"]
)
def test_pushpins_filter_names_are_accepted(name: str) -> None:
    assert Channel("ch", filters=[name]).to_header() == f"ch; filter={name}"
    assert name in FILTERS


def test_var_sub_is_refused_with_the_right_name() -> None:
    with pytest.raises(ValueError, match="did you mean 'var-subst'"):
        check_filter("var-sub")


def test_unknown_filter_on_a_subscription_raises() -> None:
    ws = WebSocketContext("c", events=[WebSocketEvent("OPEN")])
    with pytest.raises(ValueError, match="unknown filter 'skipself'"):
        ws.subscribe("room", filters=["skipself"])


# -- links and exposed headers ---------------------------------------------------------------


def test_gone_link_is_a_grip_link_with_rel_gone() -> None:
    instruct = GripInstruct("ch")
    instruct.set_hold_stream()
    instruct.set_gone_link("/gone?user=1")
    assert instruct.to_headers()["Grip-Link"] == "</gone?user=1>; rel=gone"


def test_next_and_gone_links_share_the_grip_link_header() -> None:
    instruct = GripInstruct("ch")
    instruct.set_next_link("/next", timeout=30)
    instruct.set_gone_link("/gone")
    assert instruct.to_headers()["Grip-Link"] == "</next>; rel=next; timeout=30, </gone>; rel=gone"


@pytest.mark.parametrize("uri", ["", "/a,b", "/a b", "/<a>", "/a\r\nX: y"])
def test_a_link_that_would_break_the_header_raises(uri: str) -> None:
    with pytest.raises(ValueError):
        GripInstruct("ch").set_gone_link(uri)


def test_expose_headers_are_listed_in_grip_expose_headers() -> None:
    instruct = GripInstruct("ch")
    instruct.set_expose_headers(["X-Kept", "Content-Type"])
    assert instruct.to_headers()["Grip-Expose-Headers"] == "X-Kept, Content-Type"


@pytest.mark.parametrize("names", [[], ["Bad Name"], ["X-A\r\n"]])
def test_bad_expose_headers_raise(names: list[str]) -> None:
    with pytest.raises(ValueError):
        GripInstruct("ch").set_expose_headers(names)


# -- WebSocket controls ----------------------------------------------------------------------


def controls(ws: WebSocketContext) -> list[dict[str, Any]]:
    return [
        json.loads(e.content[2:])
        for e in ws.outgoing_events()
        if e.type == "TEXT" and e.content and e.content.startswith(b"c:")
    ]


def opened() -> WebSocketContext:
    return WebSocketContext("c", events=[WebSocketEvent("OPEN")])


def test_send_delayed_and_flush_delayed_are_controls() -> None:
    ws = opened()
    ws.send_delayed("later", timeout=5)
    ws.send_delayed(b"\x00", message_type="binary")
    ws.flush_delayed()
    assert controls(ws) == [
        {"type": "send-delayed", "content": "later", "timeout": 5},
        {"type": "send-delayed", "content-bin": "AA==", "message-type": "binary", "timeout": 1},
        {"type": "flush-delayed"},
    ]


def test_keep_alive_message_type_is_sent() -> None:
    ws = opened()
    ws.keep_alive("ka", timeout=20, message_type="ping")
    assert controls(ws) == [
        {"type": "keep-alive", "content": "ka", "message-type": "ping", "timeout": 20}
    ]


@pytest.mark.parametrize("message_type", ["close", "TEXT", ""])
def test_unknown_message_type_raises(message_type: str) -> None:
    with pytest.raises(ValueError, match="message_type"):
        opened().keep_alive("ka", message_type=message_type)
    with pytest.raises(ValueError, match="message_type"):
        opened().send_delayed("x", message_type=message_type)


@pytest.mark.parametrize("timeout", [0, -1, 1.5, True])
def test_send_delayed_timeout_must_be_a_positive_integer(timeout: Any) -> None:
    with pytest.raises(ValueError, match="timeout"):
        opened().send_delayed("x", timeout=timeout)


def test_subscribe_with_user_sets_the_user_meta_before_subscribing() -> None:
    ws = opened()
    ws.subscribe("room", filters=["skip-self"], user="alice")
    assert controls(ws) == [
        {"type": "set-meta", "name": "user", "value": "alice"},
        {"type": "subscribe", "channel": "room", "filters": ["skip-self"]},
    ]
