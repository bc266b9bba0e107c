"""One tiny run of every measuring function, shared by the tests of tests/benchmarks.

Sizes are benchmarks.run.QUICK: this proves the harness works, it measures nothing. No anchor
virtualenv is made: faas-grip's side runs with this Python, and gripcontrol's codec and pubcontrol's
publishing (both in the test dependencies) too; handlers that need faas-grip 1.0.1 are left out.
"""

from __future__ import annotations

import secrets
import shutil
import sys
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import pytest

from benchmarks import codec, cold_start, e2e, history, layer_size, publishing, report, warm
from benchmarks.anchors import WorkerProcess
from benchmarks.run import NOWHERE, QUICK
from faas_grip.dev.pushpin import Pushpin


@pytest.fixture(scope="package")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if shutil.which("pushpin") is None:
        pytest.fail("pushpin is not installed: run scripts/install-system (make test does)")
    sizes = QUICK
    results: dict[str, Any] = {
        "machine": report.machine(),
        "sizes": asdict(sizes),
        "notes": ["a note from the run"],
        "sides": {},
    }
    key = secrets.token_hex(16)
    with (
        WorkerProcess("faas-grip", sys.executable) as ours,
        WorkerProcess("gripcontrol", sys.executable) as theirs,
        Pushpin([NOWHERE], sig_key=key) as first,
        Pushpin([NOWHERE], sig_key=key) as second,
    ):
        for side, worker in (("faas-grip", ours), ("gripcontrol", theirs)):
            info = worker.call("info")
            results["sides"][side] = {"versions": info["versions"], "where": ".venv"}
        pythons = {"faas-grip": sys.executable, "faas-grip-1.0.1": sys.executable}
        results["cold_start"] = cold_start.measure(pythons, first, runs=sizes.cold_runs)
        results["imports"] = cold_start.measure_imports({"faas-grip": sys.executable}, runs=1)
        results["warm"] = warm.measure({"faas-grip": ours}, 1, sizes.warm_min_time, sizes.scale)
        both = {"faas-grip": ours, "gripcontrol": theirs}
        results["codec"] = codec.measure(both, 1, sizes.codec_min_time, sizes.scale)
        results["publishing"] = publishing.measure(
            both, [first, second], n=5, rounds=1, batch=20, two_n=2
        )
        # No MiniStack here (it would add its start-up): its row is the moto row's code path.
        results["history"] = history.measure(first, None, n=2, rounds=1, read_events=5)
    results["e2e"] = e2e.measure((3,), rounds=2)
    layers = tmp_path_factory.mktemp("layers")
    results["layer"] = {
        "gripcontrol": layer_size.describe(layer_size.pack_anchor("gripcontrol", layers))
    }
    if layer_size.OURS.is_file():
        results["layer"] = {"faas-grip": layer_size.describe(layer_size.OURS), **results["layer"]}
    results["load_end"] = results["machine"]["load"]
    results["elapsed_s"] = 1.0
    yield results


@pytest.fixture
def page(smoke: dict[str, Any]) -> str:
    return report.render(smoke)
