"""MemoryHistory keeps the History contract."""

from __future__ import annotations

import pytest

from faas_grip.history import MemoryHistory
from tests.history.contract import HistoryContract


@pytest.fixture
def history() -> MemoryHistory:
    return MemoryHistory()


class TestMemoryHistory(HistoryContract):
    pass
