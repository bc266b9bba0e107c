"""Inputs the fuzzer (tests/hardening/fuzz.py) found crashing, kept as regression tests.

Each is the raw fuzzer input (see fuzzing.py for its layout), named for what it found, plus the
behaviour it pinned down, checked directly.
"""

from __future__ import annotations

import base64

from faas_grip import WebSocketContext, WebSocketEvent
from tests.hardening.fuzzing import fuzz_request


def replay(encoded: str) -> tuple[str, str, int]:
    return fuzz_request(base64.b64decode(encoded))


# Found: `ws.accept(protocol=ws.protocols[0])` raised ValueError (a 500) when the client offered
# a subprotocol with control characters: `protocols` listed values `accept` refuses.


def test_subprotocol_offer_with_nul_bytes_is_not_offered_to_the_handler() -> None:
    assert replay("AgAAASB4AAAAAE9QRU4NCk9QRU4NCg==") == ("url", "ws-signed", 200)


def test_subprotocol_offer_with_cr_and_latin1_is_not_offered_to_the_handler() -> None:
    found = "AgD7AEVYVCA5Tg0CAPsARVhUIDlODQpPUEVOIDkNCi9tZXRhIHggeQ0KVEVYVCA5DQovbWV0YSB4IHkNCg=="
    assert replay(found) == ("url", "ws-signed", 200)


def test_protocols_lists_only_tokens_the_handler_can_echo() -> None:
    headers = {"Sec-WebSocket-Protocol": "a\x00b, caf\u00e9, chat, x y, v2.json"}
    ws = WebSocketContext("c", events=[WebSocketEvent("OPEN")], headers=headers)
    assert ws.protocols == ["chat", "v2.json"]


# Found: a request carrying a meta header whose name is not a header token (`Meta-x\xadfuzz`,
# only possible in a forged event) let a handler that deletes meta write `Set-Meta-x\xadfuzz`
# into the response headers.


def test_meta_name_with_latin1_from_a_forged_request_never_reaches_a_response_header() -> None:
    assert replay("AwEAAAAoACB4rWZ1enoKVEVYVCA3DQovdW5tZXRhDQo=") == ("alb", "ws-open", 200)


def test_meta_name_with_nul_from_a_forged_request_never_reaches_a_response_header() -> None:
    assert replay("AQEAAAAoAP//////AHgtZnV6egpURVhUIDcNCi91bm1ldGENCg==") == (
        "http",
        "ws-open",
        200,
    )


def test_meta_names_that_are_not_tokens_are_left_out() -> None:
    ws = WebSocketContext("c", meta={"nick": "bob", "a b": "x", "caf\u00e9": "y"})
    assert dict(ws.meta) == {"nick": "bob"}
    for name in list(ws.meta):
        del ws.meta[name]
    assert ws.to_headers() == {"Content-Type": "application/websocket-events", "Set-Meta-nick": ""}
