"""Headers only the GRIP proxy may set (Meta-*, Grip-*, Connection-Id, Content-Type) cannot be
forged with underscores: Pushpin strips only the hyphen spelling, and WSGI folds `Meta_Nick`
into the same HTTP_META_NICK as `Meta-Nick` (issue 14, defect 7)."""

from __future__ import annotations

import pytest

from faas_grip import WebSocketContext, handle_websocket, hold_stream
from faas_grip.request import drop_underscore_spellings, is_underscore_spelling
from faas_grip.testing import read_response, websocket_event

WS_HEADERS = [("Content-Type", "application/websocket-events"), ("Connection-Id", "c1")]


@pytest.mark.parametrize(
    "name", ["Meta_Nick", "meta_user", "Grip_Sig", "grip-sig_x", "Connection_Id", "Content_Type"]
)
def test_underscore_spellings_of_proxy_only_headers_are_recognised(name: str) -> None:
    assert is_underscore_spelling(name)


@pytest.mark.parametrize("name", ["Meta-Nick", "Grip-Sig", "X_Api_Key", "Content-Type", "Accept"])
def test_other_names_are_kept(name: str) -> None:
    assert not is_underscore_spelling(name)


def test_drop_underscore_spellings_keeps_the_rest_in_order() -> None:
    headers = [("Meta_Nick", "mallory"), ("X_Custom", "1"), ("Meta-Nick", "bob")]
    assert drop_underscore_spellings(headers) == [("X_Custom", "1"), ("Meta-Nick", "bob")]
    assert drop_underscore_spellings({"Grip_Sig": "forged", "Accept": "*/*"}) == [("Accept", "*/*")]


def _nick(ws: WebSocketContext, context: object) -> None:
    ws.send(ws.meta.get("nick", "anonymous"))


def test_handle_websocket_ignores_a_client_meta_with_underscores() -> None:
    body = b"TEXT 2\r\nhi\r\n"
    status, _, reply = handle_websocket(
        _nick, "POST", [*WS_HEADERS, ("Meta_Nick", "mallory")], body
    )
    assert (status, reply) == (200, b"TEXT b\r\nm:anonymous\r\n")


def test_handle_websocket_ignores_a_connection_id_with_underscores() -> None:
    headers = [("Content-Type", "application/websocket-events"), ("Connection_Id", "forged")]
    status, _, reply = handle_websocket(_nick, "POST", headers, b"")
    assert status == 400 and b"Connection-Id" in reply


def test_hold_stream_does_not_take_a_grip_sig_with_underscores() -> None:
    from faas_grip.testing import grip_sig

    key = "a-long-enough-secret-for-hs256-keys"
    status, _, _ = hold_stream([("Grip_Sig", grip_sig(key))], "room", verify_key=key)
    assert status == 403


def test_lambda_doors_never_read_underscore_spellings_as_meta() -> None:
    from faas_grip import grip_websocket

    for door in ("rest", "http", "alb"):
        event = websocket_event(door=door, text="hi", headers={"Meta_Nick": "mallory"})
        assert read_response(grip_websocket(_nick)(event, None)).messages == ["anonymous"]
