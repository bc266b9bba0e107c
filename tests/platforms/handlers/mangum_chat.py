"""examples/asgi (Starlette, async handlers) on Lambda through mangum: `mangum_chat.handler`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from mangum import Mangum

_path = Path(__file__).resolve().parents[3] / "examples" / "asgi" / "app.py"
_spec = importlib.util.spec_from_file_location("asgi_example", _path)
assert _spec is not None and _spec.loader is not None
example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(example)

handler = Mangum(example.app, lifespan="off")
