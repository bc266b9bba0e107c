"""benchmarks/platforms.py: every adapter measured beside a bare handler of its framework."""

from __future__ import annotations

from benchmarks import platforms


def test_every_platform_and_request_has_both_sides_and_a_ratio() -> None:
    data = platforms.measure(n=3, rounds=1)
    assert set(data["us"]) == {
        f"{platform} / {request}"
        for platform in ("ASGI", "Flask (WSGI)", "GCF", "Azure")
        for request in ("websocket", "stream")
    }
    assert all(set(sides) == {"bare", "faas-grip"} for sides in data["us"].values())
    assert "| ASGI / websocket |" in platforms.render(data)
