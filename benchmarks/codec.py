"""WebSocket-over-HTTP codec throughput: faas-grip, gripcontrol 4.4 and 3.3, and the lower bound.

Mixes (benchmarks/workload.py `mix_events`): "small-text" (10,000 TEXT events of 64 bytes, the
body bench_protocol.py uses), "mixed" (1,000 events, TEXT and BINARY, 16 B / 256 B / 4 KiB) and
"binary-1mb" (one BINARY event of 1 MB). The lower bound does only what no codec can skip:
encoding joins the same pieces (b"".join of type lines, contents, CRLFs), decoding slices the same
contents out at offsets known in advance. Every implementation must produce the same bytes and
contents. Throughput is the body's size over the median time per call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from benchmarks.anchors import WorkerProcess
from benchmarks.rounds import alternate, summarise
from benchmarks.workload import MIXES

ACTIONS = ("encode", "decode")


def contenders(workers: Mapping[str, WorkerProcess]) -> dict[str, tuple[WorkerProcess, str]]:
    """Codec name → (worker that runs it, implementation)."""
    found: dict[str, tuple[WorkerProcess, str]] = {}
    if "faas-grip" in workers:
        found["faas-grip"] = (workers["faas-grip"], "faas-grip")
    if "gripcontrol" in workers:
        found["gripcontrol 4.4"] = (workers["gripcontrol"], "gripcontrol")
    if "faas-grip-1.0.1" in workers:
        found["gripcontrol 3.3"] = (workers["faas-grip-1.0.1"], "gripcontrol")
    if "faas-grip" in workers:
        found["lower bound"] = (workers["faas-grip"], "bound")
    return found


def measure(
    workers: Mapping[str, WorkerProcess], rounds: int = 5, min_time: float = 0.2, scale: float = 1.0
) -> dict[str, Any]:
    """Per mix and action: each codec's MB/s (from the median seconds per call of `rounds`)."""
    results: dict[str, Any] = {}
    for mix in MIXES:
        for action in ACTIONS:
            request = {"mix": mix, "action": action, "scale": scale}
            # A warm-up call each, which also checks that every codec handles the same body.
            sizes = {
                w.call("codec", impl=i, min_time=0, **request)["body_bytes"]
                for w, i in contenders(workers).values()
            }
            (body_bytes,) = sizes

            def sample(
                worker: WorkerProcess, impl: str, request: dict[str, Any] = request
            ) -> float:
                return float(
                    worker.call("codec", impl=impl, min_time=min_time, **request)["seconds"]
                )

            runs = {
                name: (lambda w=w, i=i: sample(w, i))
                for name, (w, i) in contenders(workers).items()
            }
            seconds = summarise(alternate(rounds, runs))
            results[f"{mix} / {action}"] = {
                "body_bytes": body_bytes,
                "seconds": seconds,
                "mb_per_s": {name: body_bytes / s["median"] / 1e6 for name, s in seconds.items()},
            }
    return results
