"""Warm per-invocation cost of a WebSocket handler, each side in its own worker process.

The events are what the proxy sends through API Gateway (faas_grip.testing builds them): a REST
API event (application/websocket-events as a binary media type, so the body is base64) and an
HTTP API (payload 2.0) event, each carrying 1 TEXT message, 50 TEXT messages, or one 1 MB BINARY
message, with a Meta-Nick. Every side runs the same handler (benchmarks/workload.py `echo_handler`) and must
answer with the same messages; 1.0.1's code reads REST's `httpMethod`, so behind an HTTP API it
runs after workload.py's `rest_shape` shim, as its users would have to. No Grip-Sig key is configured on any side (1.0.1 never checks one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from benchmarks.anchors import WorkerError, WorkerProcess
from benchmarks.rounds import alternate, summarise
from benchmarks.workload import binary_message
from faas_grip.testing import read_response, websocket_event

BINARY_SIZE = 1_000_000


def cases(scale: float = 1.0) -> dict[str, dict[str, Any]]:
    """Case name → event. `scale` < 1 shrinks the 1 MB message (smoke tests)."""
    binary = binary_message(max(1, int(BINARY_SIZE * scale)))
    messages: dict[str, dict[str, Any]] = {
        "1 TEXT": {"text": "hello"},
        "50 TEXT": {"text": [f"message {i}" for i in range(50)]},
        "1 MB BINARY": {"binary": binary},
    }
    return {
        f"{door_label} / {name}": websocket_event(door=door, meta={"nick": "bob"}, **kwargs)
        for door, door_label in (("rest", "REST API"), ("http", "HTTP API"))
        for name, kwargs in messages.items()
    }


def measure(
    workers: Mapping[str, WorkerProcess], rounds: int = 7, min_time: float = 0.3, scale: float = 1.0
) -> dict[str, Any]:
    """Per case: each side's µs per warm invocation (median of `rounds`), or why it has none."""
    results: dict[str, Any] = {}
    for case, event in cases(scale).items():
        able: dict[str, WorkerProcess] = {}
        unable: dict[str, str] = {}
        unshimmed: dict[str, str] = {}
        expected = None
        for side, worker in workers.items():
            worker.call("load_event", key=case, event=event)
            failure = worker.call("unshimmed_failure", key=case)
            if failure:
                unshimmed[side] = failure
            try:
                reply = read_response(worker.call("reply", key=case))
            except WorkerError as exc:
                unable[side] = str(exc)
                continue
            if reply.status != 200:
                raise AssertionError(f"{case}: {side} answered {reply.status}: {reply.text[:200]}")
            if expected is None:
                expected = reply.messages
            elif reply.messages != expected:
                raise AssertionError(f"{case}: {side} answers differently from the others")
            worker.call("warm", key=case, min_time=min_time / 3)  # warm-up
            able[side] = worker

        def sample(worker: WorkerProcess, case: str = case) -> float:
            return float(worker.call("warm", key=case, min_time=min_time)) * 1e6

        samples = alternate(rounds, {side: (lambda w=w: sample(w)) for side, w in able.items()})
        results[case] = {"us": summarise(samples), "unable": unable, "unshimmed": unshimmed}
    return results
