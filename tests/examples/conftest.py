"""The examples, loaded from their folders, and a local publish endpoint that records items."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from faas_grip import dispatch
from faas_grip.settings import reset_settings
from tests.support.publish_server import PublishServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_example(name: str) -> ModuleType:
    """examples/<name>/app.py as a module (each folder is deployed with `app.handler`)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / name / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Iterator[PublishServer]:
    """GRIP_URL points at a local publish endpoint; `.items` lists what the example published."""
    with PublishServer() as server:
        monkeypatch.setenv("GRIP_URL", server.url)
        reset_settings()
        yield server


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatch, "_warned_no_key", True)  # no key in these tests, on purpose
