"""The local tooling stays out of what runs in Lambda."""

from __future__ import annotations

import subprocess
import sys

LAMBDA_CODE_PATH = """
import sys
import faas_grip
from faas_grip import grip_websocket, grip_stream, grip_longpoll
import faas_grip.publishing
print(sorted(m for m in sys.modules if m.startswith("faas_grip.dev")))
"""


def test_lambda_code_path_never_imports_the_dev_tooling() -> None:
    result = subprocess.run(
        [sys.executable, "-c", LAMBDA_CODE_PATH], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
