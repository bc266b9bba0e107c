"""`faas-grip dev --history`: the choices, and a clear answer when MiniStack is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from faas_grip.dev import cli, ministack
from faas_grip.dev.history import LocalHistory
from faas_grip.dev.ministack import MiniStack, MiniStackError
from faas_grip.dev.pushpin import free_port
from tests.dev.conftest import HANDLERS


def test_memory_history_sets_the_table_variable() -> None:
    assert LocalHistory("memory").start() == {"GRIP_HISTORY_TABLE": ":memory:"}


def test_an_unknown_history_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="memory, dynamodb"):
        LocalHistory("redis")


def test_a_missing_ministack_names_make_ministack(tmp_path: Path) -> None:
    with pytest.raises(MiniStackError, match="make ministack"):
        MiniStack(tmp_path / "ministack").start()


def test_dev_history_dynamodb_without_ministack_says_make_ministack(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(ministack, "find_ministack", lambda: None)
    monkeypatch.setattr(cli.signal, "signal", lambda *args: None)  # keep pytest's handlers
    args = ["--code-dir", str(HANDLERS), "--port", str(free_port()), "--history", "dynamodb"]
    code = cli.main(["dev", "echo.handler", *args])
    assert code == 1
    assert "make ministack" in capsys.readouterr().err
