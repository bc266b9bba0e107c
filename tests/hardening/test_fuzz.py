"""The fuzz targets' quick form: the seeds, then mutations of them under hypothesis.

`make stress` runs the same targets coverage-guided under atheris, a million inputs each
(tests/hardening/fuzz.py). The only outcomes allowed: a valid response, or 400/403 with a
plain-text reason; no other exception, no hang.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faas_grip.testing import DOORS
from tests.hardening.conftest import scaled
from tests.hardening.fuzzing import (
    CONTROL_BYTES,
    HANDLER_NAMES,
    decoder_seeds,
    fuzz_decode,
    fuzz_request,
    request_seeds,
)

NOISE = [b"\r", b"\n", b"\r\n", b" ", b":", b"0", b"f", b"F", b"\x00", b"\xff", b"\xe9", b"OPEN"]
QUICK = settings(
    max_examples=scaled(300, 5000),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes], keep: int = 0) -> bytes:
    """A seed with a few bytes inserted, deleted or replaced (the first `keep` bytes spared)."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(keep, len(data)))
        action = draw(st.sampled_from(("insert", "delete", "replace")))
        noise = draw(st.sampled_from(NOISE) | st.binary(min_size=1, max_size=3))
        if action == "insert":
            data[at:at] = noise
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        else:
            data[at : at + len(noise)] = noise
    return bytes(data)


def test_every_decoder_seed_decodes() -> None:
    for seed in decoder_seeds():
        fuzz_decode(seed)


@QUICK
@given(mutated(decoder_seeds()))
def test_mutated_capture_bodies_decode_or_raise_grip_protocol_error(body: bytes) -> None:
    fuzz_decode(body)


def test_every_request_seed_is_served() -> None:
    for seed in request_seeds():
        _, _, status = fuzz_request(seed)
        assert status in (200, 204)


@pytest.mark.parametrize("door", range(len(DOORS)), ids=DOORS)
@QUICK
@given(
    control=st.binary(min_size=CONTROL_BYTES - 1, max_size=CONTROL_BYTES - 1),
    tail=mutated(request_seeds(), keep=CONTROL_BYTES),
)
def test_mutated_requests_get_a_valid_response_or_400_403(
    door: int, control: bytes, tail: bytes
) -> None:
    # Fresh control bytes on a mutated request tail: every door, handler, Grip-Sig and flag mix.
    fuzz_request(bytes((door,)) + control + tail[CONTROL_BYTES:])


@pytest.mark.parametrize("handler", range(len(HANDLER_NAMES)), ids=HANDLER_NAMES)
@QUICK
@given(data=mutated(request_seeds(), keep=2))
def test_mutated_requests_to_each_handler_get_a_valid_response_or_400_403(
    handler: int, data: bytes
) -> None:
    fuzz_request(data[:1] + bytes((handler,)) + data[2:])
