"""Fixtures for the local gateway: each starts on a free port and stops at teardown."""

from __future__ import annotations

import http.client
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from faas_grip.dev.server import Gateway

HANDLERS = Path(__file__).parent / "handlers"


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def header_values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


def send(
    url: str,
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    timeout: float = 30,
) -> Reply:
    """One raw HTTP request: headers go out in order, duplicates kept."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if body or method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        response = conn.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        conn.close()


@pytest.fixture
def gateway_factory() -> Iterator[Callable[..., Gateway]]:
    """Start gateways (`gateway_factory("echo.handler", api="http", ...)`); all stop at teardown."""
    started: list[Gateway] = []

    def start(handler: str = "echo.handler", **options: Any) -> Gateway:
        options.setdefault("code_dir", HANDLERS)
        gateway = Gateway(handler, **options)
        started.append(gateway)
        return gateway.start()

    yield start
    for gateway in started:
        gateway.stop()


def _shared(api: str, **options: Any) -> Iterator[Gateway]:
    with Gateway("echo.handler", code_dir=HANDLERS, api=api, **options) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def rest() -> Iterator[Gateway]:
    yield from _shared("rest")


@pytest.fixture(scope="module")
def http_api() -> Iterator[Gateway]:
    yield from _shared("http")


@pytest.fixture(scope="module")
def function_url() -> Iterator[Gateway]:
    yield from _shared("url")
