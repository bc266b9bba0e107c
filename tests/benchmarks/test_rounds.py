"""Side-by-side rounds: who goes first, and the percentiles reported."""

from __future__ import annotations

from typing import Any

from benchmarks.rounds import alternate, percentile


def test_rounds_rotate_who_goes_first() -> None:
    calls: list[str] = []

    def contender(name: str) -> Any:
        return lambda: calls.append(name) or 0.0

    alternate(3, {name: contender(name) for name in "abc"})
    assert calls == list("abcbcacab")


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.99), percentile([7.0], 0.99)) == (
        50,
        99,
        7,
    )
