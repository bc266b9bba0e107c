"""Side-by-side rounds: every contender measured once per round, the order turning each round.

The machine is shared, so noise comes in waves: alternating spreads it over all contenders, and
medians keep a wave from deciding a figure. Comparisons are ratios of those medians.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping
from typing import Any


def alternate(rounds: int, contenders: Mapping[str, Callable[[], float]]) -> dict[str, list[float]]:
    """`rounds` samples of each contender, taken in turns (the first one to go rotates)."""
    names = list(contenders)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for index in range(rounds if names else 0):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(contenders[name]())
    return samples


def summarise(samples: Mapping[str, list[float]]) -> dict[str, dict[str, Any]]:
    """Median, min and max of each contender's samples, the samples kept."""
    return {
        name: {
            "median": statistics.median(values),
            "min": min(values),
            "max": max(values),
            "samples": values,
        }
        for name, values in samples.items()
    }


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (fraction 0.5 = p50, 0.99 = p99) of `values`."""
    ordered = sorted(values)
    rank = max(1, math.ceil(len(ordered) * fraction))
    return ordered[rank - 1]
