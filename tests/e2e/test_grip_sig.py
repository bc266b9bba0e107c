"""Grip-Sig: Pushpin signs every request with this run's key; the function checks it, so a
request sent straight to the gateway is refused unless it carries a valid signature."""

from __future__ import annotations

import time
from collections.abc import Callable

import jwt
import pytest

from faas_grip.dev.server import DevServer
from tests.e2e.clients import HttpStream, send

pytestmark = pytest.mark.pushpin


def signature(key: str, iss: str = "pushpin") -> str:
    return jwt.encode({"iss": iss, "exp": int(time.time()) + 60}, key, algorithm="HS256")


def test_request_through_pushpin_is_accepted(features: DevServer) -> None:
    with HttpStream(features.http_url, "/stream") as stream:
        assert stream.response.status == 200


def test_unsigned_request_to_the_gateway_is_refused(features: DevServer) -> None:
    assert send(features.gateway_url, "GET", "/stream").status == 403


def test_request_signed_with_another_key_is_refused(features: DevServer) -> None:
    forged = signature("x" * 43)
    assert send(features.gateway_url, "GET", "/stream", [("Grip-Sig", forged)]).status == 403


def test_request_signed_with_the_runs_key_is_accepted(features: DevServer) -> None:
    valid = signature(features.sig_key)
    reply = send(features.gateway_url, "GET", "/stream", [("Grip-Sig", valid)])
    assert reply.status == 200
    assert reply.header("Grip-Hold") == "stream"


def test_each_run_has_its_own_key(
    dev_factory: Callable[..., DevServer], features: DevServer
) -> None:
    assert dev_factory().sig_key != features.sig_key
