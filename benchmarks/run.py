"""`make bench`: every benchmark in one run, then docs/benchmarks.md and docs/benchmarks.png.

    .venv/bin/python -m benchmarks [--only SECTION ...] [--quick] [--no-doc]

Makes the anchor virtualenvs (benchmarks/anchors.py), starts a worker per side and two Pushpins,
runs the sections (layer, cold, warm, codec, publish, e2e), stops everything, writes the raw
results to build/bench/results.json and, after a full run, the page and the chart, then prints a
summary. `--only` runs some sections and leaves the page alone; `--quick` shrinks every size (to
check the harness, not to measure). Exits 1 if an end-to-end delivery was lost.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks import (
    codec,
    cold_start,
    e2e,
    history,
    layer_size,
    platforms,
    publishing,
    report,
    warm,
    websocket_api,
)
from benchmarks.anchors import (
    ANCHORS,
    ROOT,
    AnchorError,
    WorkerProcess,
    ensure_anchor,
    ensure_layer_python,
)
from faas_grip.dev.pushpin import Pushpin

SECTIONS = (
    "layer",
    "cold",
    "warm",
    "codec",
    "publish",
    "history",
    "platforms",
    "e2e",
    "websocket-api",
)
DOC = ROOT / "docs" / "benchmarks.md"
CHART = ROOT / "docs" / "benchmarks.png"
RESULTS = ROOT / "build" / "bench" / "results.json"
NOWHERE = "* 127.0.0.1:9,over_http"  # the publish benchmarks need no backend


@dataclass(frozen=True)
class Sizes:
    cold_runs: int = 31
    import_runs: int = 21
    warm_rounds: int = 9
    warm_min_time: float = 0.3
    codec_rounds: int = 7
    codec_min_time: float = 0.2
    scale: float = 1.0  # of the 1 MB messages and the codec mixes
    publish_n: int = 1000
    publish_rounds: int = 5
    batch: int = 1000
    two_n: int = 200
    e2e_counts: tuple[int, ...] = (100, 1000)
    e2e_rounds: int = 50
    history_n: int = 100
    history_rounds: int = 5
    history_read: int = 1000
    platforms_n: int = 2000
    platforms_rounds: int = 7
    websocket_api_counts: tuple[int, ...] = (100, 1000)
    websocket_api_rounds: int = 3


FULL = Sizes()
QUICK = Sizes(
    cold_runs=2,
    import_runs=2,
    warm_rounds=2,
    warm_min_time=0.02,
    codec_rounds=2,
    codec_min_time=0.01,
    scale=0.01,
    publish_n=20,
    publish_rounds=2,
    batch=50,
    two_n=5,
    e2e_counts=(5,),
    e2e_rounds=3,
    history_n=3,
    history_rounds=1,
    history_read=20,
    platforms_n=20,
    platforms_rounds=1,
    websocket_api_counts=(5,),
    websocket_api_rounds=1,
)


def progress(message: str, started: float) -> None:
    print(f"[bench {time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)


def _relative(path: str) -> str:
    try:
        return str(Path(path).relative_to(ROOT))
    except ValueError:
        return path


def prepare_sides(results: dict[str, Any], started: float) -> dict[str, str]:
    """Side → its Python: the project's own, and each anchor's virtualenv (made if needed)."""
    pythons = {"faas-grip": sys.executable}
    for name, anchor in ANCHORS.items():
        progress(f"anchor virtualenv .tools/anchors/{name}", started)
        try:
            pythons[name] = str(ensure_anchor(anchor))
        except AnchorError as exc:
            if name != "faas-grip-1.0.1":
                raise
            results["notes"].append(
                f"faas-grip 1.0.1 could not be installed with its pins on Python "
                f"{sys.version.split()[0]} (`{str(exc).splitlines()[-1]}`): its code path is measured "
                "on gripcontrol 4.4 (the gripcontrol side) only."
            )
    return pythons


def add_notes(results: dict[str, Any]) -> None:
    """What the run found out about the anchors, said once, above the tables."""
    notes = results["notes"]
    failures = {
        **results.get("cold_start", {}).get("failed", {}),
        **results.get("publishing", {}).get("failed", {}),
    }
    if "faas-grip-1.0.1" in failures:
        notes.append(
            "faas-grip 1.0.1 installs with its own pins, handles events and decodes/encodes, but "
            f"cannot publish on Python {sys.version.split()[0]}: pubcontrol 2.4 fails on its first "
            f"publish (`{failures['faas-grip-1.0.1']}`; `collections.Mapping` went away in Python "
            "3.10). Its cold start and publishing are therefore measured on gripcontrol 4.4 + "
            "pubcontrol 3.5, running the same 1.0.1 code (the gripcontrol side)."
        )
    http_failures = {
        reason
        for case, data in results.get("warm", {}).items()
        if case.startswith("HTTP API")
        for reason in data.get("unshimmed", {}).values()
    }
    if http_failures:
        notes.append(
            "faas-grip 1.0.1's `lambda_get_websocket` reads `event['httpMethod']`, which HTTP API "
            f"(payload 2.0) events do not have: it fails on them as they come "
            f"(`{sorted(http_failures)[0]}`). Its HTTP API rows therefore run it after a minimal "
            "shim (benchmarks/workload.py `rest_shape`) that maps the fields it reads "
            "(httpMethod from requestContext.http.method, headers, body, isBase64Encoded)."
        )
    notes.append(
        "faas-grip 1.0.1's `to_response` returns the base64 body as `str` "
        "(`b64encode(body).decode('utf-8')`): its responses are JSON-serialisable, and every "
        "side's response is serialised in the cold start."
    )


def run(sections: set[str], sizes: Sizes) -> dict[str, Any]:
    started = time.perf_counter()
    results: dict[str, Any] = {
        "machine": report.machine(),
        "sizes": asdict(sizes),
        "notes": [],
        "sides": {},
    }
    pythons = prepare_sides(results, started)
    if "layer" in sections:
        progress("layer sizes (make layer's zip; the anchors' stacks packed the same way)", started)
        results["layer"] = layer_size.measure(tuple(ANCHORS))
    with contextlib.ExitStack() as stack:
        workers = {
            side: stack.enter_context(WorkerProcess(side, py)) for side, py in pythons.items()
        }
        for side, worker in workers.items():
            info = worker.call("info")
            results["sides"][side] = {
                "versions": info["versions"],
                "where": _relative(str(Path(info["executable"]).parent.parent)),
            }
        if "cold" in sections:
            results["sides"]["faas-grip"]["where"] += (
                "; cold start and import: .tools/anchors/faas-grip-layer (the built layer only)"
            )
        if sections & {"cold", "publish", "history"}:
            key = secrets.token_hex(16)  # 32 bytes: no short-HMAC-key warnings
            first = stack.enter_context(Pushpin([NOWHERE], sig_key=key))
            second = stack.enter_context(Pushpin([NOWHERE], sig_key=key))
        if "cold" in sections:
            progress(f"cold start: {sizes.cold_runs} runs per side", started)
            # faas-grip as deployed: its layer on the path, nothing else installed.
            deployed = {**pythons, "faas-grip": str(ensure_layer_python())}
            results["cold_start"] = cold_start.measure(deployed, first, sizes.cold_runs)
            results["imports"] = cold_start.measure_imports(deployed, sizes.import_runs)
        if "warm" in sections:
            progress("warm invocations", started)
            results["warm"] = warm.measure(
                workers, sizes.warm_rounds, sizes.warm_min_time, sizes.scale
            )
        if "codec" in sections:
            progress("codec throughput", started)
            results["codec"] = codec.measure(
                workers, sizes.codec_rounds, sizes.codec_min_time, sizes.scale
            )
        if "publish" in sections:
            progress("publishing", started)
            results["publishing"] = publishing.measure(
                workers,
                [first, second],
                sizes.publish_n,
                sizes.publish_rounds,
                sizes.batch,
                sizes.two_n,
            )
        if "history" in sections:
            progress("channel history: publish_event beside publish", started)
            results["history"] = _history(first, sizes, results["notes"], stack)
    if "platforms" in sections:
        progress("platform adapters beside bare handlers", started)
        results["platforms"] = platforms.measure(sizes.platforms_n, sizes.platforms_rounds)
    if "e2e" in sections:
        progress(f"end to end: {', '.join(map(str, sizes.e2e_counts))} clients", started)
        results["e2e"] = e2e.measure(sizes.e2e_counts, sizes.e2e_rounds)
    if "websocket-api" in sections:
        progress("broadcast through Pushpin beside API Gateway's fan-out (MiniStack)", started)
        results["websocket_api"] = websocket_api.measure(
            sizes.websocket_api_counts, sizes.websocket_api_rounds
        )
    add_notes(results)
    results["load_end"] = os.getloadavg()
    results["elapsed_s"] = time.perf_counter() - started
    progress("done", started)
    return results


def _history(
    pushpin: Pushpin, sizes: Sizes, notes: list[str], stack: contextlib.ExitStack
) -> dict[str, Any]:
    from tools.aws_local import MINISTACK_BIN, MiniStack

    endpoint = None
    if MINISTACK_BIN.exists():
        endpoint = stack.enter_context(MiniStack()).endpoint
    else:
        notes.append("MiniStack is not installed (`make ministack`): its DynamoDB row is left out.")
    return history.measure(
        pushpin, endpoint, sizes.history_n, sizes.history_rounds, sizes.history_read
    )


def summary(results: dict[str, Any]) -> list[str]:
    """One line per headline figure."""
    lines = []
    for side, data in results.get("cold_start", {}).get("sides", {}).items():
        lines.append(
            f"cold start {side}: {data['script_ms']:.1f} ms (process {data['wall_ms']:.1f} ms)"
        )
    for case, data in results.get("warm", {}).items():
        figures = ", ".join(f"{side} {d['median']:.1f} µs" for side, d in data["us"].items())
        lines.append(f"warm {case}: {figures}")
    for case, data in results.get("codec", {}).items():
        figures = ", ".join(f"{name} {rate:,.0f}" for name, rate in data["mb_per_s"].items())
        lines.append(f"codec {case} (MB/s): {figures}")
    pub = results.get("publishing", {})
    for section in ("sequential", "batch"):
        if section in pub:
            figures = ", ".join(
                f"{name} {d['median']:,.0f}/s" for name, d in pub[section]["items_per_s"].items()
            )
            lines.append(f"publish {section}: {figures}")
    if "two_proxies" in pub:
        figures = ", ".join(
            f"{name} {d['median']:.2f} ms" for name, d in pub["two_proxies"]["ms"].items()
        )
        lines.append(f"publish to two proxies: {figures}")
    for name, data in results.get("history", {}).get("ms", {}).items():
        lines.append(f"history {name}: {data['median']:.2f} ms per call")
    for case, sides in results.get("platforms", {}).get("us", {}).items():
        bare, ours = sides["bare"]["median"], sides["faas-grip"]["median"]
        lines.append(f"{case}: {ours:.1f} µs per request, {ours / bare:.2f}x the bare handler")
    for count, data in results.get("e2e", {}).items():
        for kind in ("fan_out", "round_trip"):
            d = data[kind]
            lines.append(
                f"e2e {count} clients {kind}: p50 {d['p50_ms']:.1f} ms, p99 {d['p99_ms']:.1f} ms, "
                f"{d['deliveries']:,} delivered, {d['lost']} lost"
            )
    for side, data in results.get("layer", {}).items():
        lines.append(f"layer {side}: {data['zip_bytes']:,} bytes")
    return lines


def lost(results: dict[str, Any]) -> int:
    return sum(
        d[k]["lost"] for d in results.get("e2e", {}).values() for k in ("fan_out", "round_trip")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run these sections only")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: check the harness")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/benchmarks.* alone")
    args = parser.parse_args(argv)
    sections = set(args.only or SECTIONS)
    results = run(sections, QUICK if args.quick else FULL)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1))
    if sections == set(SECTIONS) and not args.no_doc:
        DOC.write_text(report.render(results))
        report.chart(results, CHART)
        print(f"wrote {_relative(str(DOC))} and {_relative(str(CHART))}")
    print(*summary(results), sep="\n")
    print(f"raw results: {_relative(str(RESULTS))}")
    missing = lost(results)
    if missing:
        print(f"FAILED: {missing} end-to-end deliveries lost", file=sys.stderr)
        return 1
    return 0
