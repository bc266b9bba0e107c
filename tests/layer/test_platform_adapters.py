"""The layer carries the adapters Lambda can run (ASGI, under mangum) and leaves out those that
import another platform's framework (Flask, functions-framework, azure-functions)."""

from __future__ import annotations

import zipfile
from pathlib import Path


def test_layer_keeps_asgi_and_async_support_and_leaves_out_other_platforms(zips: Path) -> None:
    with zipfile.ZipFile(zips / "faas-grip-layer.zip") as archive:
        names = set(archive.namelist())
    kept = {f"python/faas_grip/{name}.py" for name in ("asgi", "aio", "adapters")}
    left_out = {f"python/faas_grip/{name}.py" for name in ("flask", "gcf", "azure")}
    assert kept <= names
    assert not left_out & names
