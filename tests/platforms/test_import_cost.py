"""The adapters cost Lambda users nothing: `import faas_grip` loads no framework, no asyncio."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FRAMEWORKS = ["asyncio", "flask", "werkzeug", "azure", "starlette", "functions_framework"]


def loaded_after(statement: str) -> list[str]:
    code = (
        f"import json, sys\n{statement}\n"
        f"print(json.dumps([m for m in {FRAMEWORKS!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded: list[str] = json.loads(result.stdout)
    return loaded


@pytest.mark.parametrize(
    "statement",
    ["import faas_grip", "from faas_grip import *", "from faas_grip import grip_stream, apublish"],
)
def test_faas_grip_loads_no_framework_and_no_asyncio(statement: str) -> None:
    assert loaded_after(statement) == []


def test_asgi_adapter_loads_no_framework() -> None:
    assert loaded_after("import faas_grip.asgi") == []
