"""Hardening suite settings: its quick form runs in `make test`; `make stress` sets
FAAS_GRIP_STRESS=1 for the long form (more clients, messages, faults and inputs).

Tests that measure something record it with the `figures` fixture; the figures are printed at
the end of the run and written to build/hardening-figures.json (docs/reliability.md quotes a
`make stress` run).
"""

from __future__ import annotations

import json
import os
import resource
from pathlib import Path
from typing import Any

import pytest

STRESS = os.environ.get("FAAS_GRIP_STRESS") == "1"
FIGURES_FILE = Path(__file__).resolve().parents[2] / "build" / "hardening-figures.json"
_figures: dict[str, dict[str, Any]] = {}


def scaled(quick: int, stress: int) -> int:
    """`quick` in `make test`, `stress` in `make stress`."""
    return stress if STRESS else quick


@pytest.fixture(scope="session", autouse=True)
def _enough_file_descriptors() -> None:
    # A thousand WebSocket clients in this process (Pushpin, started from here, inherits it).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class Figures:
    """Measurements of one test, printed at the end of the run."""

    def __init__(self, name: str) -> None:
        self.values = _figures.setdefault(name, {"mode": "stress" if STRESS else "quick"})

    def __setitem__(self, key: str, value: Any) -> None:
        self.values[key] = value

    def update(self, values: dict[str, Any]) -> None:
        self.values.update(values)


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Figures:
    return Figures(request.node.name)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _figures:
        return
    terminalreporter.section("hardening figures")
    for name, values in _figures.items():
        terminalreporter.write_line(f"{name}:")
        for key, value in values.items():
            terminalreporter.write_line(f"    {key}: {value}")
    FIGURES_FILE.parent.mkdir(parents=True, exist_ok=True)
    FIGURES_FILE.write_text(json.dumps(_figures, indent=2) + "\n")
