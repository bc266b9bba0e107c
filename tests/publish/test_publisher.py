"""Publisher behaviour against a local publish endpoint that records what it receives."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from faas_grip.dev.pushpin import free_port
from faas_grip.errors import GripConfigError, PublishError
from faas_grip.protocol.formats import HttpStreamFormat, Item, WebSocketMessageFormat
from faas_grip.publishing import Publisher, publish, publish_many
from faas_grip.settings import reset_settings
from tests.support.faults import Fault, FaultProxy
from tests.support.publish_server import PublishServer

MESSAGE = WebSocketMessageFormat("hi")


def test_items_are_posted_to_publish_path_before_the_control_uri_query() -> None:
    with PublishServer() as server, Publisher(f"{server.url}?tenant=7") as publisher:
        publisher.publish("ch", MESSAGE)
        assert server.received[0].path == "/publish/?tenant=7"


def test_item_carries_channel_id_prev_id_meta_and_formats() -> None:
    with PublishServer() as server, Publisher(server.url) as publisher:
        publisher.publish(
            "ch", [MESSAGE, HttpStreamFormat("s\n")], id="2", prev_id="1", meta={"sender": "bob"}
        )
        assert server.items == [
            {
                "channel": "ch",
                "id": "2",
                "prev-id": "1",
                "meta": {"sender": "bob"},
                "formats": {"ws-message": {"content": "hi"}, "http-stream": {"content": "s\n"}},
            }
        ]


def test_prefix_is_added_to_every_channel() -> None:
    with PublishServer() as server, Publisher(server.url, prefix="app-") as publisher:
        publisher.publish_many([("a", Item(MESSAGE)), ("b", Item(MESSAGE))])
        assert [item["channel"] for item in server.items] == ["app-a", "app-b"]


def test_grip_prefix_applies_when_no_prefix_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_PREFIX", "env-")
    with PublishServer() as server, Publisher(server.url) as publisher:
        publisher.publish("ch", MESSAGE)
        assert server.items[0]["channel"] == "env-ch"


def test_grip_prefix_that_would_break_channel_names_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRIP_PREFIX", "my app:")
    with pytest.raises(GripConfigError, match="GRIP_PREFIX"):
        publish("ch", MESSAGE)


def test_invalid_channel_is_refused_before_anything_is_sent() -> None:
    with PublishServer() as server, Publisher(server.url) as publisher:
        with pytest.raises(ValueError, match="channel name"):
            publisher.publish("has space", MESSAGE)
        assert server.received == []


def test_publish_many_splits_bodies_at_the_size_limit_keeping_order() -> None:
    items = [("ch", Item(WebSocketMessageFormat(f"{i:03} " + "x" * 200))) for i in range(100)]
    with PublishServer() as server, Publisher(server.url, max_body_bytes=5000) as publisher:
        publisher.publish_many(items)
        bodies = [r.body for r in server.received]
        contents = [item["formats"]["ws-message"]["content"][:3] for item in server.items]
    assert len(bodies) > 1
    assert max(len(body) for body in bodies) <= 5000
    assert contents == [f"{i:03}" for i in range(100)]


def test_default_limit_sends_1000_small_items_in_one_request() -> None:
    items = [("ch", Item(WebSocketMessageFormat(f"m{i}"))) for i in range(1000)]
    with PublishServer() as server, Publisher(server.url) as publisher:
        publisher.publish_many(items)
        assert len(server.received) == 1
        assert len(server.items) == 1000


def test_item_larger_than_a_request_is_refused_before_anything_is_sent() -> None:
    big = Item(WebSocketMessageFormat("x" * 5000))
    with PublishServer() as server, Publisher(server.url, max_body_bytes=4096) as publisher:
        with pytest.raises(ValueError, match="at most 4096 bytes"):
            publisher.publish_many([("ch", Item(MESSAGE)), ("ch", big)])
        assert server.received == []


def test_publish_many_with_no_items_sends_nothing() -> None:
    with PublishServer() as server, Publisher(server.url) as publisher:
        publisher.publish_many([])
        assert server.received == []


def test_publish_many_takes_channel_item_pairs() -> None:
    with Publisher("http://127.0.0.1:9") as publisher, pytest.raises(TypeError, match="pairs"):
        publisher.publish_many([Item(MESSAGE)])  # type: ignore[list-item]


def test_consecutive_publishes_reuse_one_connection() -> None:
    with PublishServer() as server, Publisher(server.url) as publisher:
        for _ in range(3):
            publisher.publish("ch", MESSAGE)
        assert len({r.client_port for r in server.received}) == 1


def test_redirect_is_reported_not_followed() -> None:
    with PublishServer() as server, FaultProxy(server.url) as proxy:
        proxy.always(Fault.status(307))
        with Publisher(proxy.url) as publisher, pytest.raises(PublishError) as caught:
            publisher.publish("ch", MESSAGE)
        assert caught.value.failures[0].status == 307
        assert server.received == []


def test_error_never_shows_the_key() -> None:
    url = f"http://127.0.0.1:{free_port()}?iss=realm&key=s3cr3t-key"
    with Publisher(url, attempts=1) as publisher, pytest.raises(PublishError) as caught:
        publisher.publish("ch", MESSAGE)
    assert "s3cr3t-key" not in str(caught.value)
    assert "s3cr3t-key" not in repr(caught.value.failures)


def test_publisher_needs_a_proxy() -> None:
    with pytest.raises(GripConfigError, match="at least one"):
        Publisher([])


def test_module_publish_without_configuration_says_what_to_set() -> None:
    with pytest.raises(GripConfigError, match="GRIP_URL"):
        publish("ch", MESSAGE)


def test_grip_proxies_are_all_published_to(monkeypatch: pytest.MonkeyPatch) -> None:
    with PublishServer() as first, PublishServer() as second:
        monkeypatch.setenv("GRIP_PROXIES", json.dumps([first.url, {"control_uri": second.url}]))
        publish_many([("ch", Item(MESSAGE))])
        assert len(first.items) == len(second.items) == 1


def test_module_publish_follows_changed_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    with PublishServer() as old, PublishServer() as new:
        monkeypatch.setenv("GRIP_URL", old.url)
        publish("ch", MESSAGE)
        monkeypatch.setenv("GRIP_URL", new.url)
        reset_settings()
        publish("ch", MESSAGE)
        assert (len(old.items), len(new.items)) == (1, 1)


def test_publisher_lists_its_proxies_without_duplicates() -> None:
    publisher = Publisher(["http://a:5561", "http://b:5561?iss=x&key=y", "http://a:5561"])
    assert [p.control_uri for p in publisher.proxies] == ["http://a:5561", "http://b:5561"]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("attempts", 0),
        ("read_timeout", 0),
        ("connect_timeout", -1),
        ("deadline", 0),
        ("backoff", -0.1),
        ("max_body_bytes", 10),
    ],
)
def test_bad_limits_are_refused(option: str, value: float) -> None:
    with pytest.raises(ValueError, match=option):
        Publisher("http://127.0.0.1:9", **{option: value})


def test_importing_faas_grip_loads_no_http_or_jwt_library() -> None:
    code = (
        "import sys, faas_grip, faas_grip.publishing; "
        "print(sorted(m for m in ('requests', 'urllib3', 'jwt', 'boto3') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
