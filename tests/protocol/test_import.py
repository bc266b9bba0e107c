"""`import faas_grip` stays light: the heavy libraries load on first use only."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ["requests", "urllib3", "jwt", "boto3", "botocore", "aws_lambda_powertools", "cryptography"]


def modules_after(statement: str) -> list[str]:
    """Which of HEAVY a fresh interpreter holds after running `statement`."""
    code = f"import json, sys\n{statement}\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded: list[str] = json.loads(result.stdout)
    return loaded


def test_import_faas_grip_loads_no_heavy_library() -> None:
    assert modules_after("import faas_grip") == []


def test_star_import_of_faas_grip_loads_no_heavy_library() -> None:
    assert modules_after("from faas_grip import *") == []


@pytest.mark.parametrize(
    "statement",
    [
        "from faas_grip import decode_events, encode_events, WebSocketContext, WebSocketEvent",
        "from faas_grip import GripInstruct, Item, WebSocketMessageFormat, parse_grip_url",
    ],
)
def test_protocol_names_load_no_heavy_library(statement: str) -> None:
    assert modules_after(statement) == []


def test_checking_a_grip_sig_loads_pyjwt_on_first_use() -> None:
    loaded = modules_after(
        "from faas_grip import validate_grip_sig\nvalidate_grip_sig('a.b.c', 'k' * 32)"
    )
    assert "jwt" in loaded
