"""Property tests of the codec: round trips, and no exception but GripProtocolError on bad input."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from faas_grip import GripProtocolError, WebSocketEvent, decode_events, encode_events
from faas_grip.protocol.events import (
    EVENT_TYPES,
    _decode_sequential,
    _decode_split,
    _decode_walk,
)

# Contents rich in the bytes the format cares about, so CRLFs and event-like text inside
# messages are common rather than a one-in-a-million draw.
_tricky_bytes = st.lists(
    st.sampled_from([b"\r", b"\n", b"\r\n", b" ", b"TEXT 1", b"OPEN", b"\x00", b"\xff", b"a"]),
    max_size=12,
).map(b"".join)
contents = st.none() | st.binary(max_size=300) | _tricky_bytes
events = st.builds(WebSocketEvent, st.sampled_from(sorted(EVENT_TYPES)), contents)
event_lists = st.lists(events, max_size=20)


@st.composite
def damaged_bodies(draw: st.DrawFn) -> bytes:
    """A valid body with a few bytes inserted, removed or replaced."""
    body = bytearray(encode_events(draw(event_lists)))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(body)))
        action = draw(st.sampled_from(("insert", "delete", "replace")))
        noise = draw(st.sampled_from([b"\r", b"\n", b" ", b"0", b"f", b"F", b"-", b"Z", b"\x00"]))
        if action == "insert":
            body[at:at] = noise
        elif action == "delete":
            del body[at : at + 1]
        else:
            body[at : at + 1] = noise
    return bytes(body)


@settings(max_examples=300)
@given(event_lists)
def test_decode_inverts_encode(original: list[WebSocketEvent]) -> None:
    assert decode_events(encode_events(original)) == original


@settings(max_examples=300)
@given(st.binary(max_size=200))
@example(b"TEXT 9\r\nhel")
@example(b"TEXT ffffffffffffffff\r\n")
@example(b"\r\n")
def test_arbitrary_bytes_decode_or_raise_grip_protocol_error(body: bytes) -> None:
    try:
        decode_events(body)
    except GripProtocolError:
        pass


@settings(max_examples=300)
@given(damaged_bodies())
def test_damaged_bodies_decode_or_raise_grip_protocol_error(body: bytes) -> None:
    try:
        decode_events(body)
    except GripProtocolError:
        pass


@pytest.mark.parametrize("reader", [decode_events, _decode_split, _decode_walk])
@settings(max_examples=300)
@given(body=damaged_bodies() | st.binary(max_size=100) | event_lists.map(encode_events))
def test_fast_readers_agree_with_the_sequential_reading(
    reader: Callable[[bytes], list[WebSocketEvent]], body: bytes
) -> None:
    # decode_events splits at CRLFs or walks line to line, by the body's shape; the sequential
    # reading is the format's definition. Each must agree with it on every body, valid or not.
    try:
        expected: list[WebSocketEvent] | str = _decode_sequential(body)
    except GripProtocolError as exc:
        expected = str(exc)
    try:
        actual: list[WebSocketEvent] | str = reader(body)
    except GripProtocolError as exc:
        actual = str(exc)
    assert actual == expected


@settings(max_examples=200)
@given(damaged_bodies())
def test_whatever_decodes_reencodes_to_the_same_events(body: bytes) -> None:
    try:
        decoded = decode_events(body)
    except GripProtocolError:
        return
    assert decode_events(encode_events(decoded)) == decoded


@st.composite
def damaged_single_events(draw: st.DrawFn) -> bytes:
    """One event's body, with a byte or two inserted, removed or replaced."""
    body = bytearray(encode_events([draw(events)]))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(body)))
        noise = draw(st.sampled_from([b"\r", b"\n", b" ", b"0", b"f", b"Z", b""]))
        body[at : at + draw(st.integers(0, 1))] = noise
    return bytes(body)


@settings(max_examples=300)
@given(damaged_single_events())
def test_the_single_event_shortcut_agrees_with_the_sequential_reading(body: bytes) -> None:
    # decode_events answers a one-event body whose line it parsed before without the general
    # reading: decode the body's line once first (it warms that cache), then compare.
    line = body.split(b"\r\n", 1)[0]
    with contextlib.suppress(GripProtocolError):
        decode_events(line + b"\r\n" + b"x" * 300)
    try:
        expected: list[WebSocketEvent] | str = _decode_sequential(body)
    except GripProtocolError as exc:
        expected = str(exc)
    try:
        actual: list[WebSocketEvent] | str = decode_events(body)
    except GripProtocolError as exc:
        actual = str(exc)
    assert actual == expected
