"""Shared fixtures. Anything started here is stopped at teardown, on free ports."""

from __future__ import annotations

import importlib
import shutil
import sys
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


@pytest.fixture(autouse=True)
def _replies_checked_by_an_independent_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `GripResponse` a test reads (faas_grip.testing's read_response) must decode the same
    with tests/support/wsevents.py, which shares no code with faas_grip's decoder."""
    from faas_grip import testing
    from tests.support.wsevents import parse_events

    original = testing.GripResponse.__init__

    def checked(self: testing.GripResponse, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if self.events or (
            self.status == 200 and self.headers.get("Content-Type") == testing.CONTENT_TYPE
        ):
            ours = [(event.type, event.content) for event in self.events]
            assert ours == parse_events(self.body), f"decoded {ours} from {self.body!r}"

    monkeypatch.setattr(testing.GripResponse, "__init__", checked)


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


# `make unit` runs the suite on every core (pytest-xdist, `-n auto --dist loadfile`). A whole file
# goes to one worker, so module-scoped fixtures (one Pushpin per module) start once; the layer and
# MiniStack folders share session fixtures (a `sam build`, one MiniStack), so each folder goes
# whole to one worker.
_ONE_WORKER_FOLDERS = ("tests/layer/", "tests/ministack/")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class FileOrFolderScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            for folder in _ONE_WORKER_FOLDERS:
                if path.startswith(folder):
                    return folder
            return path

    return FileOrFolderScheduling(config, log)


# Every test gets pytest-timeout's limit from pyproject (a hung Pushpin fails one test, not CI).
# Session fixtures (a `sam build`, MiniStack's start) run inside whichever test needs them first:
# those folders get longer.
_LONG_FOLDERS = {"layer": 900, "ministack": 600}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        seconds = _LONG_FOLDERS.get(item.path.parent.name)
        if seconds is not None and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(seconds))


# A test that starts Pushpin (here, or through DevServer / MiniStack's stack) must say so with the
# `pushpin` marker: counted in this process, checked after each phase.
_pushpin_starts = 0
_start_pushpin = Pushpin.start


def _counted_start(self: Pushpin, *args: Any, **kwargs: Any) -> Pushpin:
    global _pushpin_starts
    _pushpin_starts += 1
    return _start_pushpin(self, *args, **kwargs)


Pushpin.start = _counted_start  # type: ignore[method-assign]


def _check_pushpin_marker(item: pytest.Item) -> Iterator[None]:
    before = _pushpin_starts
    outcome: Any = yield
    if _pushpin_starts > before and item.get_closest_marker("pushpin") is None:
        outcome.force_exception(
            pytest.fail.Exception(
                f"{item.nodeid} starts Pushpin: mark its module `pytestmark = pytest.mark.pushpin`",
                pytrace=False,
            )
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    yield from _check_pushpin_marker(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    yield from _check_pushpin_marker(item)


# Under pytest-xdist, the sizes tests/layer measures and the figures tests/hardening records are
# made in a worker: relayed to the controller, which prints them (and writes the figures file).
_RELAYED = {"tests.layer.conftest": "measured", "tests.hardening.conftest": "_figures"}


def pytest_sessionfinish(session: pytest.Session) -> None:
    output = getattr(session.config, "workeroutput", None)
    if output is None:
        return
    for module_name, attribute in _RELAYED.items():
        module = sys.modules.get(module_name)
        if module is not None and getattr(module, attribute):
            output[module_name] = dict(getattr(module, attribute))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    for module_name, attribute in _RELAYED.items():
        relayed = getattr(node, "workeroutput", {}).get(module_name)
        if relayed:
            getattr(importlib.import_module(module_name), attribute).update(relayed)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if not config.pluginmanager.hasplugin("dsession"):
        return  # not the xdist controller: each folder's conftest prints its own
    for module_name in _RELAYED:
        module = sys.modules.get(module_name)
        # A folder's conftest the controller loaded itself (its path was named) prints its own.
        if module is not None and not config.pluginmanager.is_registered(module):
            module.pytest_terminal_summary(terminalreporter)
