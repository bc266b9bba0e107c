"""benchmarks/websocket_api.py's page section and cost model (the measuring itself needs MiniStack
and a thousand clients: `make bench` runs it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.websocket_api import BEGIN, END, cost_model, section, splice


def results(api_ms: float = 1400.0) -> dict[str, Any]:
    def side(last: float, lam: float) -> dict[str, Any]:
        return {"last_delivery_ms": last, "lambda_ms": lam, "rounds": 3, "lost": 0}

    return {
        "100": {"grip": side(20, 12), "apigw": side(200, api_ms / 10)},
        "1000": {"grip": side(80, 12), "apigw": side(1500, api_ms)},
    }


def test_the_section_shows_each_count_with_both_sides_and_their_ratio() -> None:
    text = section(results(), "make bench", "python -m benchmarks")

    assert "| 1,000 | 80 ms | 1500 ms | 18.8x | 12 ms | 1400 ms | 117x |" in text
    assert text.startswith(BEGIN) and text.endswith(END)


def test_every_delivery_of_the_priced_chat_is_a_billed_message() -> None:
    rows, _, api_total = cost_model(results())

    messages = next(r for r in rows if r[0] == "WebSocket messages (in + out)")
    assert messages[2] == "$600.60"  # 600,000 lines in + 600,000,000 deliveries at $1 per million
    assert api_total > 600


def test_the_fan_out_lambda_cost_follows_the_measured_time() -> None:
    slow = {r[0]: r[2] for r in cost_model(results(2800.0))[0]}
    fast = {r[0]: r[2] for r in cost_model(results(1400.0))[0]}

    assert slow["Lambda GB-s (the fan-out)"] == "$5.60"
    assert fast["Lambda GB-s (the fan-out)"] == "$2.80"


def test_splice_replaces_the_previous_section_and_keeps_the_rest(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\n{BEGIN}\nold\n{END}\n\n## Layer size\n")

    splice(f"{BEGIN}\nnew\n{END}", doc)

    assert doc.read_text() == f"# Benchmarks\n\n{BEGIN}\nnew\n{END}\n\n## Layer size\n"
