"""docs/benchmarks.md and docs/benchmarks.png, written whole from one run's results.

Nothing here measures: `render` turns the driver's results into Markdown, `chart` into a PNG
(matplotlib, Agg backend; requirements/bench.txt), `machine` describes where they were taken.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SIDE_NAMES = {
    "faas-grip": "faas-grip",
    "gripcontrol": "gripcontrol 4.4 + pubcontrol 3.5",
    "faas-grip-1.0.1": "faas-grip 1.0.1",
}
COLOURS = {
    "faas-grip": "#2a7ab9",
    "gripcontrol": "#e08a2c",
    "faas-grip-1.0.1": "#9a9a9a",
    "lower bound": "#5aa05a",
}
# Who publishes, for each side.
PUBLISHERS = {
    "faas-grip": "faas-grip",
    "gripcontrol": "pubcontrol 3.5",
    "faas-grip-1.0.1": "faas-grip 1.0.1",
}
COMMAND = "make bench"
MODULE_COMMAND = ".venv/bin/python -m benchmarks"


# -- the machine -----------------------------------------------------------------------------


def _first(path: str, prefix: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def machine() -> dict[str, Any]:
    """Cores, CPU model, memory, OS, Python, Pushpin version, load and date of this run."""
    memory = _first("/proc/meminfo", "MemTotal")
    try:
        pushpin = subprocess.run(
            ["pushpin", "--version"], capture_output=True, text=True, check=False
        ).stdout.split("\n")[0]
    except OSError:
        pushpin = "not installed"
    return {
        "cores": os.cpu_count(),
        "cpu": _first("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "memory_gib": round(int(memory.split()[0]) / 1024**2, 1) if memory else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "pushpin": pushpin.strip() or "unknown",
        "load": os.getloadavg(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


# -- Markdown --------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def times(ratio: float) -> str:
    """A ratio of medians, said as faster/slower (ratio = theirs / ours, > 1: ours is faster)."""
    if round(ratio, 2) == 1:
        return "on par (1.00x)"
    if ratio > 1:
        return f"**{ratio:.2f}x** faster"
    return f"{1 / ratio:.2f}x slower"


def _num(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _side(results: dict[str, Any], side: str) -> str:
    versions = results["sides"].get(side, {}).get("versions", {})
    if side == "faas-grip":
        return f"faas-grip {versions.get('faas-grip', '')}".strip()
    return SIDE_NAMES[side]


def _sides_section(results: dict[str, Any]) -> str:
    rows = []
    for side, info in results["sides"].items():
        versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
        rows.append([_side(results, side), info["where"], versions])
    notes = "\n".join(f"- {note}" for note in results["notes"])
    return table(["side", "virtualenv", "installed versions"], rows) + (
        "\n\n" + notes if notes else ""
    )


def _cold(results: dict[str, Any]) -> str:
    cold = results["cold_start"]
    ours = cold["sides"].get("faas-grip")
    rows = []
    for side, data in cold["sides"].items():
        ratio = (
            "" if side == "faas-grip" or not ours else times(data["script_ms"] / ours["script_ms"])
        )
        rows.append(
            [
                _side(results, side),
                _num(data["script_ms"]),
                _num(data["wall_ms"]),
                data["runs"],
                ratio,
            ]
        )
    for side, reason in cold["failed"].items():
        rows.append([_side(results, side), "fails", "", "", f"`{reason}`"])
    text = table(
        ["side", "import + event + publish (ms)", "whole process (ms)", "runs", "faas-grip is"],
        rows,
    )
    imports = results.get("imports")
    if imports:
        ours_ms = imports.get("faas-grip", {}).get("median")
        rows = [
            [
                _side(results, side),
                f"`import {data['module']}`",
                _num(data["median"]),
                "" if side == "faas-grip" or not ours_ms else times(data["median"] / ours_ms),
            ]
            for side, data in imports.items()
        ]
        text += (
            "\n\nThe import alone (cumulative `-X importtime`, median of "
            f"{len(next(iter(imports.values()))['samples'])} fresh interpreters each, "
            "bench_protocol.py's `import_time_ms`):\n\n"
            + table(["side", "statement", "ms", "faas-grip is"], rows)
        )
    return text


def _warm(results: dict[str, Any]) -> str:
    warm = results["warm"]
    sides = [
        s for s in results["sides"] if any(s in c["us"] or s in c["unable"] for c in warm.values())
    ]
    headers = ["event / messages"] + [f"{_side(results, s)} (µs)" for s in sides]
    headers += [f"faas-grip vs {SIDE_NAMES[s]}" for s in sides if s != "faas-grip"]
    rows = []
    for case, data in warm.items():
        row: list[object] = [case]
        for side in sides:
            if side in data["us"]:
                row.append(_num(data["us"][side]["median"]))
            else:
                row.append("fails")
        ours = data["us"].get("faas-grip")
        for side in sides:
            if side == "faas-grip":
                continue
            if side in data["us"] and ours:
                row.append(times(data["us"][side]["median"] / ours["median"]))
            else:
                row.append(f"`{data['unable'].get(side, 'not measured')}`")
        rows.append(row)
    return table(headers, rows)


def _codec(results: dict[str, Any]) -> str:
    codec = results["codec"]
    names = list(next(iter(codec.values()))["mb_per_s"])
    headers = ["mix / action", "body"] + [f"{n} (MB/s)" for n in names]
    headers += ["faas-grip vs gripcontrol 4.4", "faas-grip / lower bound"]
    rows = []
    for case, data in codec.items():
        rate = data["mb_per_s"]
        row: list[object] = [case, f"{data['body_bytes']:,} B"]
        row += [_num(rate[n]) for n in names]
        row.append(
            times(rate["faas-grip"] / rate["gripcontrol 4.4"]) if "gripcontrol 4.4" in rate else ""
        )
        row.append(
            f"{rate['faas-grip'] / rate['lower bound']:.0%}" if "lower bound" in rate else ""
        )
        rows.append(row)
    return table(headers, rows)


def _publishing(results: dict[str, Any]) -> str:
    pub = results["publishing"]
    parts = []
    seq = pub["sequential"]["items_per_s"]
    ours = seq.get("faas-grip", {}).get("median")
    rows = [
        [
            _side(results, side),
            _num(data["median"], 0),
            "" if side == "faas-grip" or not ours else times(ours / data["median"]),
        ]
        for side, data in seq.items()
    ]
    rows += [
        [_side(results, side), "fails", f"`{reason}`"] for side, reason in pub["failed"].items()
    ]
    parts.append(
        f"Sequential blocking publishes of one small item ({pub['sequential']['n']:,} per sample):\n\n"
        + table(["side", "items/s", "faas-grip is"], rows)
    )
    batch = pub["batch"]["items_per_s"]
    base = batch.get("faas-grip publish_many", {}).get("median")
    rows = [
        [
            name,
            _num(data["median"], 0),
            "" if not base or name == "faas-grip publish_many" else times(base / data["median"]),
        ]
        for name, data in batch.items()
    ]
    parts.append(
        f"{pub['batch']['n']:,} items handed over and accepted:\n\n"
        + table(["how", "items/s", "publish_many is"], rows)
    )
    if "two_proxies" in pub:
        two = pub["two_proxies"]["ms"]
        base = two.get("faas-grip parallel", {}).get("median")
        rows = [
            [
                name,
                _num(data["median"], 2),
                "" if not base or name == "faas-grip parallel" else times(data["median"] / base),
            ]
            for name, data in two.items()
        ]
        parts.append(
            f"One item to two Pushpins, ms per publish ({pub['two_proxies']['n']} per sample):\n\n"
            + table(["how", "ms", "faas-grip parallel is"], rows)
        )
    return "\n\n".join(parts)


def _e2e(results: dict[str, Any]) -> str:
    rows = []
    for count, data in results["e2e"].items():
        for kind, label in (
            ("fan_out", "publish → every client"),
            ("round_trip", "client → handler → publish → every client"),
        ):
            d = data[kind]
            rows.append(
                [
                    f"{int(count):,}",
                    label,
                    f"{d['deliveries']:,}",
                    d["lost"],
                    _num(d["p50_ms"], 2) if d["p50_ms"] is not None else "",
                    _num(d["p99_ms"], 2) if d["p99_ms"] is not None else "",
                    _num(d["max_ms"], 2) if d["max_ms"] is not None else "",
                ]
            )
    return table(
        ["clients", "path", "deliveries", "lost", "p50 (ms)", "p99 (ms)", "max (ms)"], rows
    )


def _layer(results: dict[str, Any]) -> str:
    layer = results["layer"]
    ours = layer.get("faas-grip", {}).get("zip_bytes")
    rows = [
        [
            _side(results, side),
            f"`{data['path']}`",
            f"{data['zip_bytes'] / 1000:,.0f}",
            f"{data['unpacked_bytes'] / 1000:,.0f}",
            data["files"],
            ", ".join(data["packages"]),
            "" if side == "faas-grip" or not ours else f"{ours / data['zip_bytes']:.2f}",
        ]
        for side, data in layer.items()
    ]
    return table(
        ["side", "zip", "zip (kB)", "unpacked (kB)", "files", "contents", "faas-grip's zip ÷ this"],
        rows,
    )


def render(results: dict[str, Any]) -> str:
    """docs/benchmarks.md for `results` (the driver's dict)."""
    m = results["machine"]
    sections = results["sizes"]
    e2e_counts = " and ".join(f"{int(c):,}" for c in results.get("e2e", {}))
    out = [
        "# Benchmarks",
        "",
        "<!-- Written by `make bench` (benchmarks/run.py): edit the code, not this page. -->",
        "",
        f"faas-grip beside what its users would otherwise pick, measured in one run on one machine "
        f"with `{COMMAND}` (the driver is `{MODULE_COMMAND}`; `--only SECTION` reruns one section "
        "without rewriting this page). Every comparison is a ratio of medians taken side by side: "
        "the contenders run in turns, the order rotating each round, so the machine's noise falls "
        "on all of them. No figure here was typed by hand.",
        "",
        "![benchmark chart](benchmarks.png)",
        "",
        "## Machine",
        "",
        table(
            ["", ""],
            [
                ["date", m["date"]],
                ["CPU", f"{m['cpu']}, {m['cores']} cores"],
                ["memory", f"{m['memory_gib']} GiB"],
                ["OS", m["os"]],
                ["Python", f"{m['python']} (every side)"],
                ["Pushpin", m["pushpin"]],
                [
                    "load average at start / end",
                    " / ".join(
                        ", ".join(f"{x:.2f}" for x in load)
                        for load in (m["load"], results["load_end"])
                    ),
                ],
                ["whole run", f"{results['elapsed_s']:.0f} s"],
            ],
        ),
        "",
        "## Sides",
        "",
        _sides_section(results),
    ]
    if "cold_start" in results:
        out += [
            "",
            "## Cold start",
            "",
            f"A fresh interpreter per run ({sections['cold_runs']} runs per side, alternating): it "
            "imports the library, handles one REST API WebSocket-over-HTTP event (OPEN + one TEXT "
            "message, signed by the proxy) and publishes the message once to a local Pushpin "
            "(benchmarks/cold_start.py, benchmarks/cold_child.py). faas-grip runs from its built "
            "layer (`make layer`'s build/layers/faas-grip/python, copied beside a bare virtualenv "
            "whose path lists it, as Lambda lists /opt/python: no other package installed); the "
            "anchors from their virtualenvs. faas-grip verifies the Grip-Sig "
            "(its default when GRIP_URL carries a key); 1.0.1 never checks it. Bytecode caches are "
            "written and warmed first, as a deployed layer has them. The first column is the "
            "child's own clock, from its first line to the response serialised with the publish "
            "done; the second, the process from spawn to exit (interpreter start-up included).",
            "",
            _cold(results),
            "",
            f"Reproduce: `{COMMAND}`, or `{MODULE_COMMAND} --only cold`.",
        ]
    if "warm" in results:
        out += [
            "",
            "## Warm invocation of a WebSocket handler",
            "",
            "Microseconds per call of a warm handler (each sample the mean of a loop of at least "
            f"{sections['warm_min_time']} s, median of {sections['warm_rounds']} samples per side), "
            "each side in its own worker process with its own virtualenv (benchmarks/warm.py, "
            "benchmarks/worker.py). The handler answers every message (TEXT with `nick: text`, "
            "BINARY with its size: a 1 MB echo would be over Pushpin's 1,000,000-byte reply limit, "
            "which faas-grip refuses to build); every side must give the same answer. Events from faas_grip.testing: "
            "API Gateway REST API (base64 body, binary media type) and HTTP API (payload 2.0). "
            "faas-grip runs `@grip_websocket`; the others run 1.0.1's `lambda_get_websocket` and "
            "`to_response`; behind the HTTP API, after a shim mapping the payload 2.0 event to the "
            "fields 1.0.1 reads (`httpMethod`, `headers`, `body`, `isBase64Encoded`), which that "
            "side's time includes. No Grip-Sig key anywhere.",
            "",
            _warm(results),
            "",
            f"Reproduce: `{COMMAND}`, or `{MODULE_COMMAND} --only warm`.",
        ]
    if "codec" in results:
        out += [
            "",
            "## Codec throughput",
            "",
            "WebSocket-over-HTTP bodies encoded from events and decoded back, MB/s (body bytes over "
            f"the median time per call, {sections['codec_rounds']} samples each; benchmarks/codec.py). "
            "small-text: 10,000 TEXT events of 64 bytes; mixed: 1,000 TEXT and BINARY events of "
            "16 B, 256 B and 4 KiB; binary-1mb: one BINARY event of 1 MB of pseudo-random bytes. The lower bound does "
            'only what no codec can skip: `b"".join` of the same pieces to encode, slicing the '
            "same contents at known offsets to decode. faas-grip's decoder is strict (it checks "
            "every length and CRLF); gripcontrol's is not.",
            "",
            _codec(results),
            "",
            f"Reproduce: `{COMMAND}`, or `{MODULE_COMMAND} --only codec`.",
        ]
    if "publishing" in results:
        out += [
            "",
            "## Publishing to a local Pushpin",
            "",
            "Each side publishes from its own worker process to Pushpins started for the run "
            "(benchmarks/publishing.py), JWT auth, connections kept alive, "
            f"median of {sections['publish_rounds']} samples.",
            "",
            _publishing(results),
            "",
            f"Reproduce: `{COMMAND}`, or `{MODULE_COMMAND} --only publish`.",
        ]
    if "history" in results:
        from benchmarks import history

        out += [
            "",
            "## Channel history: publish_event beside publish",
            "",
            "What keeping events for reconnecting clients costs a publisher (benchmarks/history.py; "
            "docs/reliable-delivery.md): the same item published alone, and by `publish_event` "
            "after an append to each store, to a local Pushpin from the driver's process, median "
            f"of {sections['history_rounds']} samples. MiniStack is a local HTTP emulator: real "
            "DynamoDB adds its network round trips (a transaction takes milliseconds).",
            "",
            history.render(results["history"]),
            "",
            f"Reproduce: `{COMMAND}`, or `{MODULE_COMMAND} --only history`.",
        ]
    if "platforms" in results:
        from benchmarks import platforms

        out += [
            "",
            "## Platform adapters beside bare handlers",
            "",
            "What faas-grip adds per request on each platform (benchmarks/platforms.py; "
            "docs/platforms.md): each framework called in-process as its server calls it, a bare "
            "handler of that framework beside the same handler under faas-grip's adapter.",
            "",
            platforms.render(results["platforms"]),
            "",
            f"Reproduce: `{COMMAND}`, or `{MODULE_COMMAND} --only platforms`.",
        ]
    if "websocket_api" in results:
        from benchmarks import websocket_api

        out += ["", websocket_api.section(results["websocket_api"], COMMAND, MODULE_COMMAND)]
    if "e2e" in results:
        out += [
            "",
            "## End to end through Pushpin and the local gateway",
            "",
            f"examples/chat behind `DevServer` (Pushpin + the local API Gateway, in-process runtime) "
            f"with {e2e_counts} real WebSocket clients in one asyncio process (benchmarks/e2e.py), "
            f"{sections['e2e_rounds']} rounds each: a publish from outside fanned out to every "
            "client, and a chat line sent by one client that the handler publishes to every client "
            "(the sender too). Latency per delivery, all rounds pooled; a round waits until every "
            "client has its message, and a delivery missing after 15 s counts as lost. The clients "
            "share one process: at 1,000 the tail includes reading 1,000 messages in turn. No anchor "
            "runs here: neither gripcontrol nor faas-grip 1.0.1 has a local loop.",
            "",
            _e2e(results),
            "",
            f"Reproduce: `{COMMAND}`, or `{MODULE_COMMAND} --only e2e`.",
        ]
    if "layer" in results:
        out += [
            "",
            "## Layer size",
            "",
            "faas-grip's layer from `make layer` beside the anchors' dependencies packed the same "
            "way: pip's pure-Python resolution for Lambda (`--platform any --implementation py`, "
            "no bytecode), console scripts dropped, zipped by layer/zip_layer.py "
            "(benchmarks/layer_size.py). The shared dependencies have the same pins everywhere.",
            "",
            _layer(results),
            "",
            f"Reproduce: `{COMMAND}`, or `{MODULE_COMMAND} --only layer`.",
        ]
    return "\n".join(out) + "\n"


# -- the chart -------------------------------------------------------------------------------


def _plain(axis: Any) -> None:
    """Tick labels as plain numbers (log axes default to powers of ten)."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.10g}"))
    axis.set_minor_formatter(NullFormatter())


def chart(results: dict[str, Any], path: Path) -> None:
    """docs/benchmarks.png: one panel per section that ran."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [name for name in PANELS if name in results]
    columns = 3 if len(panels) > 4 else 2
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(6.2 * columns, 4.6 * rows), squeeze=False)
    for ax in axes.flat[len(panels) :]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, panels, strict=False):
        PANELS[name](ax, results)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    fig.suptitle(
        f"faas-grip beside the anchors — {results['machine']['date']}, "
        f"{results['machine']['cores']} cores, Python {results['machine']['python']}",
        fontsize=12,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _bars(
    ax: Any, groups: list[str], series: dict[str, list[float | None]], colours: dict[str, str]
) -> None:
    width = 0.8 / max(1, len(series))
    for index, (label, values) in enumerate(series.items()):
        xs = [g + (index - (len(series) - 1) / 2) * width for g in range(len(groups))]
        heights = [v if v is not None else 0 for v in values]
        ax.bar(xs, heights, width, label=label, color=colours.get(label))
    ax.set_xticks(range(len(groups)), groups, fontsize=8)
    ax.legend(fontsize=7, loc="upper left")


def _panel_cold_start(ax: Any, results: dict[str, Any]) -> None:
    cold = results["cold_start"]["sides"]
    names = [SIDE_NAMES[s] for s in cold]
    bars = ax.bar(names, [d["script_ms"] for d in cold.values()], color=[COLOURS[s] for s in cold])
    ax.bar_label(bars, fmt="%.1f", fontsize=8)
    ax.set_title("Cold start: import + event + publish (ms, lower is better)", fontsize=10)
    ax.tick_params(axis="x", labelsize=8)


def _panel_warm(ax: Any, results: dict[str, Any]) -> None:
    warm = results["warm"]
    sides = [s for s in SIDE_NAMES if any(s in c["us"] for c in warm.values())]
    groups = [case.replace(" / ", "\n") for case in warm]
    series = {
        SIDE_NAMES[s]: [c["us"][s]["median"] if s in c["us"] else None for c in warm.values()]
        for s in sides
    }
    _bars(ax, groups, series, {SIDE_NAMES[s]: COLOURS[s] for s in sides})
    ax.set_yscale("log")
    _plain(ax.yaxis)
    ax.set_title("Warm WebSocket invocation (µs, log, lower is better)", fontsize=10)


def _panel_codec(ax: Any, results: dict[str, Any]) -> None:
    codec = results["codec"]
    names = list(next(iter(codec.values()))["mb_per_s"])
    colours = {"faas-grip": COLOURS["faas-grip"], "gripcontrol 4.4": COLOURS["gripcontrol"],
               "gripcontrol 3.3": COLOURS["faas-grip-1.0.1"], "lower bound": COLOURS["lower bound"]}  # fmt: skip
    groups = [case.replace(" / ", "\n") for case in codec]
    series = {n: [c["mb_per_s"][n] for c in codec.values()] for n in names}
    _bars(ax, groups, series, colours)
    ax.set_yscale("log")
    _plain(ax.yaxis)
    ax.set_title("Codec throughput (MB/s, log, higher is better)", fontsize=10)


def _panel_publishing(ax: Any, results: dict[str, Any]) -> None:
    pub = results["publishing"]
    labels, values, colours = [], [], []
    for side, data in pub["sequential"]["items_per_s"].items():
        labels.append(f"{PUBLISHERS[side]} sequential")
        values.append(data["median"])
        colours.append(COLOURS[side])
    for name, data in pub["batch"]["items_per_s"].items():
        labels.append(f"{name.replace('non-blocking, ', '')}, {pub['batch']['n']:,} items")
        values.append(data["median"])
        colours.append(COLOURS["faas-grip" if name.startswith("faas-grip") else "gripcontrol"])
    ax.barh(range(len(labels)), values, color=colours)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    _plain(ax.xaxis)
    ax.bar_label(ax.containers[0], labels=[f"{v:,.0f}" for v in values], fontsize=7, padding=2)
    ax.set_xlim(right=max(values) * 5)  # room for the labels
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Publishing to Pushpin (items/s, log, higher is better)", fontsize=10)


def _panel_e2e(ax: Any, results: dict[str, Any]) -> None:
    e2e = results["e2e"]
    groups = [
        f"{int(count):,} clients\n{label}" for count in e2e for label in ("fan-out", "round trip")
    ]
    p50 = [e2e[c][k]["p50_ms"] for c in e2e for k in ("fan_out", "round_trip")]
    p99 = [e2e[c][k]["p99_ms"] for c in e2e for k in ("fan_out", "round_trip")]
    _bars(ax, groups, {"p50": p50, "p99": p99}, {"p50": "#2a7ab9", "p99": "#9cc3e4"})
    ax.set_title("faas-grip end to end via Pushpin (ms per delivery)", fontsize=10)


def _panel_layer(ax: Any, results: dict[str, Any]) -> None:
    layer = results["layer"]
    bars = ax.bar(
        [SIDE_NAMES[s] for s in layer],
        [d["zip_bytes"] / 1000 for d in layer.values()],
        color=[COLOURS[s] for s in layer],
    )
    ax.bar_label(bars, fmt="%.0f", fontsize=8)
    ax.set_title("Layer zip (kB, lower is better)", fontsize=10)
    ax.tick_params(axis="x", labelsize=8)


PANELS = {
    "cold_start": _panel_cold_start,
    "warm": _panel_warm,
    "codec": _panel_codec,
    "publishing": _panel_publishing,
    "e2e": _panel_e2e,
    "layer": _panel_layer,
}
