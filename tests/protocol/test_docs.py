"""The examples in docs/protocol.md and in the protocol modules' docstrings run as written."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
# Blocks fenced as ```python are examples; a signature shown for reading is fenced as ```py.
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
MODULES = [
    "faas_grip.errors",
    "faas_grip.settings",
    "faas_grip.protocol.events",
    "faas_grip.protocol.formats",
    "faas_grip.protocol.headers",
    "faas_grip.protocol.instruct",
    "faas_grip.protocol.signature",
    "faas_grip.protocol.url",
    "faas_grip.protocol.websocket",
]


def examples() -> list[str]:
    return _BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_protocol_doc_has_examples() -> None:
    assert len(examples()) >= 12


@pytest.mark.parametrize("code", examples(), ids=lambda code: code.splitlines()[-1][:40])
def test_protocol_doc_example_runs(code: str) -> None:
    exec(compile(code, str(DOC), "exec"), {"__name__": "docs_example"})


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), report=False)
    assert result.failed == 0
