"""Publishing from several threads while the proxy list changes (a rotated GRIP_URL_SECRET, or
`reset_settings()`): every publish succeeds or raises PublishError, never anything else."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator

import pytest

from faas_grip.dev.pushpin import free_port
from faas_grip.errors import PublishError
from faas_grip.protocol.formats import WebSocketMessageFormat
from faas_grip.publishing import Publisher
from faas_grip.settings import reset_settings

THREADS = 6
ROTATIONS = 40


@pytest.fixture
def busy_switching() -> Iterator[None]:
    # Switch threads far more often than usual, so every interleaving comes up quickly.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


@pytest.mark.usefixtures("busy_switching")
def test_publishes_while_the_proxy_list_changes_succeed_or_raise_publish_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Proxies that refuse connections: each publish fails fast (PublishError, allowed), so the
    # threads go round their loop often enough to meet every race.
    urls = [f"http://127.0.0.1:{free_port()}" for _ in range(4)]

    def configure(count: int) -> None:
        monkeypatch.setenv("GRIP_PROXIES", json.dumps(urls[:count]))
        reset_settings()

    configure(2)
    publisher = Publisher(attempts=1)
    errors: list[BaseException] = []
    done = threading.Event()

    def publish_until_done() -> None:
        while not done.is_set():
            try:
                publisher.publish("ch", WebSocketMessageFormat("hi"))
            except PublishError:
                pass
            except BaseException as exc:
                errors.append(exc)
                return

    threads = [threading.Thread(target=publish_until_done) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        for rotation in range(ROTATIONS):
            configure(2 + rotation % 3)  # 2, 3, 4 proxies: the pool grows and is replaced
            if rotation % 2:
                publisher.close()  # closing while others publish is allowed too
    finally:
        done.set()
        for thread in threads:
            thread.join()
        publisher.close()
    assert errors == []
