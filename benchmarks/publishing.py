"""Publishing to local Pushpins, each side from its own worker process.

1. Sequential small items: blocking publishes of one `ws-message` "hello", JWT auth, keep-alive
   (faas-grip `Publisher.publish`, pubcontrol 3.5 `PubControl.publish(blocking=True)`, faas-grip
   1.0.1's `publish()`).
2. 1,000 items: faas-grip `publish_many` (one request) beside 1,000 single publishes, as
   benchmarks/bench_publish.py's `batch` measures them, and pubcontrol's own batching
   (non-blocking publishes queued on its thread, up to 10 items a request, then `wait_all_sent`).
3. Two proxies: one publish that reaches both, in parallel (faas-grip's Publisher with two
   proxies; pubcontrol's non-blocking publish, a thread per proxy, then `wait_all_sent`) or one
   after the other (two single-proxy publishes; pubcontrol's blocking publish to two clients).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from benchmarks.anchors import WorkerError, WorkerProcess
from benchmarks.rounds import alternate, summarise
from faas_grip.dev.pushpin import Pushpin

BATCH = 1000


def proxy(pushpin: Pushpin) -> dict[str, str]:
    """How each side is told about `pushpin`."""
    return {
        "grip_url": pushpin.grip_url,
        # gripcontrol's parse_grip_uri keeps unknown parameters (verify-iss) on the control URI.
        "anchor_url": f"{pushpin.control_uri}?iss={pushpin.sig_iss}&key={pushpin.sig_key}",
        "control_uri": pushpin.control_uri,
        "iss": pushpin.sig_iss,
        "key": pushpin.sig_key,
    }


def measure(
    workers: Mapping[str, WorkerProcess],
    pushpins: Sequence[Pushpin],
    n: int = 1000,
    rounds: int = 5,
    batch: int = BATCH,
    two_n: int = 200,
) -> dict[str, Any]:
    """Items/s and ms per publish of each side; a side that cannot publish at all is left out,
    with the reason under "failed"."""
    first = proxy(pushpins[0])
    both = [proxy(p) for p in pushpins[:2]]
    results: dict[str, Any] = {}

    def publish(worker: WorkerProcess, kind: str, **args: Any) -> Any:
        return worker.call("publish", kind=kind, **args)

    # 1. sequential small items, items/s
    failed: dict[str, str] = {}
    for side, worker in workers.items():
        try:
            publish(worker, "sequential", proxies=[first], n=max(1, n // 10))  # warm-up
        except WorkerError as exc:
            failed[side] = str(exc)
    results["failed"] = failed
    workers = {side: worker for side, worker in workers.items() if side not in failed}
    runs = {
        side: (lambda w=w: n / publish(w, "sequential", proxies=[first], n=n))
        for side, w in workers.items()
    }
    results["sequential"] = {"n": n, "items_per_s": summarise(alternate(rounds, runs))}

    # 2. 1,000 items, items/s
    contenders = {}
    if "faas-grip" in workers:
        ours = workers["faas-grip"]
        pair: dict[str, float] = {}

        def ours_batch() -> float:
            # bench_publish.batch alternates publish_many and single publishes itself.
            pair.update(publish(ours, "publish_many_vs_single", proxy=first, n=batch, rounds=1))
            return pair["publish_many"]

        contenders["faas-grip publish_many"] = ours_batch
        contenders["faas-grip single publishes"] = lambda: pair["single"]
    if "gripcontrol" in workers:
        theirs = workers["gripcontrol"]
        publish(theirs, "batch", proxy=first, n=batch)  # warm-up: its thread, its connection
        contenders["pubcontrol non-blocking, batched"] = lambda: (
            batch / publish(theirs, "batch", proxy=first, n=batch)
        )
        contenders["pubcontrol blocking publishes"] = lambda: (
            batch / publish(theirs, "sequential", proxies=[first], n=batch)
        )
    # The pair from one bench_publish.batch call must stay together: no rotation between them.
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for index in range(rounds):
        names = list(contenders)
        order = names if index % 2 == 0 else names[2:] + names[:2]
        for name in order:
            samples[name].append(contenders[name]())
    results["batch"] = {"n": batch, "items_per_s": summarise(samples)}

    # 3. two proxies, ms per publish reaching both
    if len(both) == 2:
        modes = {}
        for side, label in (("faas-grip", "faas-grip"), ("gripcontrol", "pubcontrol")):
            if side in workers:
                worker = workers[side]
                for mode in ("parallel", "sequential"):
                    modes[f"{label} {mode}"] = lambda w=worker, m=mode: (
                        1000 * publish(w, "two", proxies=both, mode=m, n=two_n)
                    )
        results["two_proxies"] = {"n": two_n, "ms": summarise(alternate(rounds, modes))}
    return results
