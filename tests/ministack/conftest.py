"""One MiniStack + Pushpin per session with the built layer, the examples and their three doors."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tools import aws_local
from tools.aws_local import INSTALL_HINT, MINISTACK_BIN, LocalAws


@pytest.fixture(scope="session")
def aws() -> Iterator[LocalAws]:
    if shutil.which("pushpin") is None:
        pytest.fail("pushpin is not installed: run scripts/install-system (make test does)")
    if not MINISTACK_BIN.exists():
        pytest.fail(f"MiniStack is not installed: {INSTALL_HINT}")
    if not aws_local.LAYER_ZIP.exists():
        pytest.fail(f"no built layer at {aws_local.LAYER_ZIP}: run `make layer` (make test does)")
    with LocalAws() as stack:
        yield stack
