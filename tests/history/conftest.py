"""DynamoDB for the history tests: moto in process, and MiniStack's real HTTP emulator.

Both are module-scoped; each test makes its own table (`table_name`), so tests share nothing.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest

from tools.aws_local import INSTALL_HINT, MINISTACK_BIN, REGION, MiniStack

BACKENDS = ("moto", "ministack")
_tables = itertools.count(1)


@pytest.fixture(scope="module")
def ministack() -> Iterator[MiniStack]:
    if not MINISTACK_BIN.exists():
        pytest.fail(f"MiniStack is not installed: {INSTALL_HINT}")
    with MiniStack() as stack:
        yield stack


@pytest.fixture(scope="module", params=BACKENDS)
def dynamodb(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A boto3 DynamoDB client on moto, then on MiniStack (moto's mock ends before MiniStack's
    tests run: it would otherwise see their requests too)."""
    if request.param == "ministack":
        yield request.getfixturevalue("ministack").client("dynamodb")
        return
    import boto3
    from moto import mock_aws

    with mock_aws():
        yield boto3.client(
            "dynamodb", region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test"
        )


@pytest.fixture
def table_name(dynamodb: Any) -> str:
    """A new history table (DynamoDBHistory.create_table) for this test."""
    from faas_grip.history.dynamodb import DynamoDBHistory

    name = f"history-{os.getpid()}-{next(_tables)}"
    DynamoDBHistory.create_table(name, client=dynamodb)
    return name
