"""Shared fixtures. Anything started here is stopped at teardown, on free ports."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from faas_grip.dev.pushpin import Pushpin
from faas_grip.settings import ENVIRONMENT, reset_settings


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with no GRIP configuration from the environment and no cached settings."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    yield
    reset_settings()


@pytest.fixture
def pushpin_factory() -> Iterator[Callable[..., Pushpin]]:
    """Start Pushpin instances (`pushpin_factory(routes=[...], sig_key=...)`); all stop at teardown."""
    if shutil.which("pushpin") is None:
        pytest.fail("pushpin is not installed: run scripts/install-system (make test does)")
    started: list[Pushpin] = []

    def start(*args: Any, **kwargs: Any) -> Pushpin:
        instance = Pushpin(*args, **kwargs)
        started.append(instance)
        return instance.start()

    yield start
    for instance in started:
        instance.stop()
