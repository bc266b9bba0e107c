"""The benchmark harness works end to end (tiny sizes; no timing is asserted)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks import warm
from benchmarks.run import QUICK

pytestmark = pytest.mark.pushpin


def test_cold_start_runs_a_fresh_interpreter_each_time(smoke: dict[str, Any]) -> None:
    ours = smoke["cold_start"]["sides"]["faas-grip"]
    assert len(ours["script_samples"]) == len(ours["wall_samples"]) == QUICK.cold_runs
    assert all(
        script < wall
        for script, wall in zip(ours["script_samples"], ours["wall_samples"], strict=True)
    )


def test_cold_start_reports_why_a_side_fails(smoke: dict[str, Any]) -> None:
    # Here faas-grip-1.0.1's handler meets this project's faas_grip, which has no 1.0.1 API.
    assert "lambda_get_websocket" in smoke["cold_start"]["failed"]["faas-grip-1.0.1"]
    assert "faas-grip-1.0.1" not in smoke["cold_start"]["sides"]


def test_warm_covers_both_event_sources_and_every_message_mix(smoke: dict[str, Any]) -> None:
    assert list(smoke["warm"]) == list(warm.cases(QUICK.scale))
    assert all(case["us"]["faas-grip"]["median"] > 0 for case in smoke["warm"].values())


def test_codec_puts_each_codec_beside_the_lower_bound(smoke: dict[str, Any]) -> None:
    for case in smoke["codec"].values():
        assert set(case["mb_per_s"]) == {"faas-grip", "gripcontrol 4.4", "lower bound"}


def test_publishing_measures_sequential_batch_and_two_proxies(smoke: dict[str, Any]) -> None:
    pub = smoke["publishing"]
    assert set(pub["sequential"]["items_per_s"]) == {"faas-grip", "gripcontrol"}
    assert set(pub["batch"]["items_per_s"]) == {
        "faas-grip publish_many",
        "faas-grip single publishes",
        "pubcontrol non-blocking, batched",
        "pubcontrol blocking publishes",
    }
    assert set(pub["two_proxies"]["ms"]) == {
        "faas-grip parallel",
        "faas-grip sequential",
        "pubcontrol parallel",
        "pubcontrol sequential",
    }


def test_history_puts_publish_event_on_each_store_beside_publish(smoke: dict[str, Any]) -> None:
    data = smoke["history"]
    assert set(data["ms"]) == {
        "publish",
        "publish_event, MemoryHistory",
        "publish_event, DynamoDBHistory on moto",
    }
    assert set(data["read_ms"]) == {"MemoryHistory", "DynamoDBHistory on moto"}


def test_end_to_end_delivers_every_message_to_every_client(smoke: dict[str, Any]) -> None:
    run = smoke["e2e"]["3"]
    for kind in ("fan_out", "round_trip"):
        assert (run[kind]["deliveries"], run[kind]["lost"]) == (3 * 2, 0)


def test_gripcontrol_stack_is_packed_as_a_layer(smoke: dict[str, Any]) -> None:
    layer = smoke["layer"]["gripcontrol"]
    assert {"gripcontrol", "pubcontrol", "requests", "jwt"} <= set(layer["packages"])
    assert "bin" not in layer["packages"]


def test_page_has_every_section_with_the_run_figures(smoke: dict[str, Any], page: str) -> None:
    for title in ("## Machine", "## Cold start", "## Warm invocation", "## Codec throughput",
                  "## Publishing", "## Channel history", "## End to end",
                  "## Layer size"):  # fmt: skip
        assert title in page
    assert f"{smoke['cold_start']['sides']['faas-grip']['script_ms']:,.1f}" in page
    assert "a note from the run" in page


def test_chart_is_written_as_a_png(smoke: dict[str, Any], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="requirements/bench.txt (make bench) installs it")
    from benchmarks.report import chart

    chart(smoke, tmp_path / "chart.png")
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
