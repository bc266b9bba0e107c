"""Protocol core benchmark: the WebSocket-over-HTTP codec and the import cost, beside gripcontrol.

    .venv/bin/python benchmarks/bench_protocol.py

Prints, from one run:
- encoding 10,000 TEXT events of 64 bytes (target: at least 10x faster than gripcontrol 4.4),
- decoding that body, strictly (target: at least 2x faster than gripcontrol's lax decoder),
- the cumulative `-X importtime` of `import faas_grip` beside `import gripcontrol`, each in fresh
  interpreters (target: under a quarter).

Times are medians of repeated runs (time.perf_counter). The measuring functions return dicts so
other suites can reuse them; `gripcontrol_python` lets gripcontrol run from another virtualenv.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from faas_grip import WebSocketEvent, decode_events, encode_events

TARGET_ENCODE_SPEEDUP = 10.0
TARGET_DECODE_SPEEDUP = 2.0
TARGET_IMPORT_RATIO = 0.25


def median_seconds(func: Callable[[], object], repeat: int) -> float:
    """Median wall time of `repeat` calls of `func`, after one warm-up call."""
    func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def measure_codec(count: int = 10_000, size: int = 64, repeat: int = 15) -> dict[str, Any]:
    """Encode `count` TEXT events of `size` bytes and decode the body, ours beside gripcontrol's."""
    import gripcontrol

    content = b"x" * size
    ours = [WebSocketEvent("TEXT", content) for _ in range(count)]
    theirs = [gripcontrol.WebSocketEvent("TEXT", content) for _ in range(count)]
    body = encode_events(ours)
    # Same work on both sides: identical bodies, identical events out.
    assert gripcontrol.encode_websocket_events(theirs) == body
    assert decode_events(body) == ours
    assert [e.content for e in gripcontrol.decode_websocket_events(body)] == [content] * count

    result: dict[str, Any] = {"events": count, "event_bytes": size, "body_bytes": len(body)}
    result["encode_s"] = median_seconds(lambda: encode_events(ours), repeat)
    result["encode_gripcontrol_s"] = median_seconds(
        lambda: gripcontrol.encode_websocket_events(theirs), max(3, repeat // 3)
    )
    result["decode_s"] = median_seconds(lambda: decode_events(body), repeat)
    result["decode_gripcontrol_s"] = median_seconds(
        lambda: gripcontrol.decode_websocket_events(body), repeat
    )
    result["encode_speedup"] = result["encode_gripcontrol_s"] / result["encode_s"]
    result["decode_speedup"] = result["decode_gripcontrol_s"] / result["decode_s"]
    return result


def import_time_ms(module: str, python: str = sys.executable) -> float:
    """Cumulative `-X importtime` of `import module` in a fresh interpreter, in milliseconds."""
    # As deployed (pip compiles bytecode, Lambda layers ship it): let the interpreter write and
    # read __pycache__ even where PYTHONDONTWRITEBYTECODE is set, or faas_grip, installed
    # editable, would be compiled from source on every run while gripcontrol loads its .pyc.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    run = subprocess.run(
        [python, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tempfile.gettempdir(),  # import from the installation, not from a source tree
    )
    for line in run.stderr.splitlines():
        # "import time: self [us] | cumulative | imported package"; top level has no indent.
        fields = line.split("|")
        if len(fields) == 3 and fields[2].rstrip() == f" {module}":
            return int(fields[1]) / 1000
    raise RuntimeError(f"no importtime line for {module}:\n{run.stderr[-2000:]}")


def measure_import(
    runs: int = 15, python: str = sys.executable, gripcontrol_python: str | None = None
) -> dict[str, Any]:
    """Median cumulative import time of faas_grip and of gripcontrol over `runs` fresh runs each."""
    gc_python = gripcontrol_python or python
    import_time_ms("faas_grip", python)  # warm-up: bytecode caches written, files in page cache
    import_time_ms("gripcontrol", gc_python)
    ours = statistics.median(import_time_ms("faas_grip", python) for _ in range(runs))
    theirs = statistics.median(import_time_ms("gripcontrol", gc_python) for _ in range(runs))
    return {"runs": runs, "faas_grip_ms": ours, "gripcontrol_ms": theirs, "ratio": ours / theirs}


def _verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def main() -> int:
    codec = measure_codec()
    imports = measure_import()
    encode_ok = codec["encode_speedup"] >= TARGET_ENCODE_SPEEDUP
    decode_ok = codec["decode_speedup"] >= TARGET_DECODE_SPEEDUP
    import_ok = imports["ratio"] < TARGET_IMPORT_RATIO
    print(f"python {sys.version.split()[0]}; medians of repeated runs")
    print(
        f"encode {codec['events']:,} TEXT events of {codec['event_bytes']} bytes "
        f"({codec['body_bytes']:,} bytes): faas_grip {codec['encode_s'] * 1000:.2f} ms, "
        f"gripcontrol {codec['encode_gripcontrol_s'] * 1000:.2f} ms -> "
        f"{codec['encode_speedup']:.1f}x faster ({_verdict(encode_ok)} >= {TARGET_ENCODE_SPEEDUP:g}x)"
    )
    print(
        f"decode that body (strict): faas_grip {codec['decode_s'] * 1000:.2f} ms, "
        f"gripcontrol {codec['decode_gripcontrol_s'] * 1000:.2f} ms (lax) -> "
        f"{codec['decode_speedup']:.1f}x faster ({_verdict(decode_ok)} >= {TARGET_DECODE_SPEEDUP:g}x)"
    )
    print(
        f"import (cumulative -X importtime, median of {imports['runs']}): "
        f"faas_grip {imports['faas_grip_ms']:.1f} ms, gripcontrol {imports['gripcontrol_ms']:.1f} ms "
        f"-> {imports['ratio']:.2f} ({_verdict(import_ok)} < {TARGET_IMPORT_RATIO:g})"
    )
    return 0 if encode_ok and decode_ok and import_ok else 1


if __name__ == "__main__":
    sys.exit(main())
