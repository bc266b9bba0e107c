"""Cold start: a fresh interpreter imports the library, handles one event and publishes once.

Each run is `PYTHON benchmarks/cold_child.py SIDE EVENT.json` with the side's Python (the same
interpreter everywhere, in its own virtualenv). The event is a REST API WebSocket-over-HTTP request
carrying OPEN and one TEXT message, signed by the proxy (Grip-Sig); the handler accepts, subscribes
and publishes the message once to a local Pushpin (benchmarks/workload.py `chat_handler`).
faas-grip verifies the Grip-Sig with the key in GRIP_URL; 1.0.1 has no such check.

Runs alternate between the sides. Bytecode caches are written and warmed once per side before
measuring, as a deployed layer ships .pyc files (PYTHONDONTWRITEBYTECODE is taken out of the
children's environment). Reported per side: the median of the child's own clock (first line of
the script to the serialised response, publish included) and of the whole process's wall time.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchmarks.anchors import BENCH_DIR, side_environment
from benchmarks.publishing import proxy
from benchmarks.rounds import alternate, summarise
from faas_grip.dev.pushpin import Pushpin
from faas_grip.testing import websocket_event


class ColdStartError(RuntimeError):
    """A side's cold start failed: the last line of its traceback, and the traceback."""

    def __init__(self, reason: str, stderr: str) -> None:
        super().__init__(reason)
        self.stderr = stderr


def run_once(python: str, side: str, event_file: Path, grip_url: str) -> tuple[float, float]:
    """(script ms, process wall ms) of one cold start."""
    env = side_environment({"GRIP_URL": grip_url})
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    run = subprocess.run(
        [python, str(BENCH_DIR / "cold_child.py"), side, str(event_file)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    wall = (time.perf_counter() - start) * 1000
    if run.returncode != 0:
        lines = run.stderr.strip().splitlines() or [f"exit status {run.returncode}"]
        raise ColdStartError(lines[-1], run.stderr[-3000:])
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    if answer["status"] != 200:
        raise RuntimeError(f"{side} answered {answer['status']} to the cold-start event")
    return float(answer["ms"]), wall


def measure(pythons: Mapping[str, str], pushpin: Pushpin, runs: int = 21) -> dict[str, Any]:
    """Per side: median script and wall ms over `runs` fresh interpreters, runs alternating.
    A side whose first run fails is left out, with the reason under "failed"."""
    event = websocket_event(open=True, text="hello", meta={"nick": "bob"}, sign_key=pushpin.sig_key)
    urls = {
        side: proxy(pushpin)["grip_url" if side == "faas-grip" else "anchor_url"]
        for side in pythons
    }
    samples: dict[str, dict[str, list[float]]] = {s: {"script": [], "wall": []} for s in pythons}
    with tempfile.TemporaryDirectory(prefix="faas-grip-cold-") as folder:
        event_file = Path(folder) / "event.json"
        event_file.write_text(json.dumps(event))
        failed: dict[str, str] = {}
        for side, python in pythons.items():  # bytecode written, files in the page cache
            try:
                run_once(python, side, event_file, urls[side])
            except ColdStartError as exc:
                failed[side] = str(exc)
        sides = [side for side in pythons if side not in failed]
        for index in range(runs):
            shift = index % len(sides)
            for side in sides[shift:] + sides[:shift]:
                script, wall = run_once(pythons[side], side, event_file, urls[side])
                samples[side]["script"].append(script)
                samples[side]["wall"].append(wall)
    measured = {
        side: {
            "runs": runs,
            "script_ms": statistics.median(values["script"]),
            "wall_ms": statistics.median(values["wall"]),
            "script_samples": values["script"],
            "wall_samples": values["wall"],
        }
        for side, values in samples.items()
        if side not in failed
    }
    return {"sides": measured, "failed": failed}


IMPORTED = {"faas-grip": "faas_grip", "gripcontrol": "gripcontrol", "faas-grip-1.0.1": "faas_grip"}


def measure_imports(pythons: Mapping[str, str], runs: int = 15) -> dict[str, Any]:
    """Per side: the median cumulative `-X importtime` of the module its users import first
    (bench_protocol.py's `import_time_ms`), runs alternating."""
    from benchmarks.bench_protocol import import_time_ms

    for side, python in pythons.items():
        import_time_ms(IMPORTED[side], python)  # warm-up: bytecode written
    samples = alternate(
        runs,
        {
            side: (lambda s=side, p=python: import_time_ms(IMPORTED[s], p))
            for side, python in pythons.items()
        },
    )
    return {side: {"module": IMPORTED[side], **stats} for side, stats in summarise(samples).items()}
