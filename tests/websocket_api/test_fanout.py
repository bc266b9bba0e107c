"""publish / publish_many fanning out to API Gateway WebSocket connections (GRIP_CONNECTIONS_TABLE):
delivery, order, filters, gone connections, failures and the deadline."""

from __future__ import annotations

import time
from typing import Any

import pytest

from faas_grip import (
    HttpStreamFormat,
    Item,
    PublishError,
    WebSocketContext,
    WebSocketMessageFormat,
    grip_websocket,
    lambda_deadline,
    publish,
    publish_many,
    reset_settings,
)
from faas_grip.aws.websocket_api import ConnectionStore
from tests.support.management_api import ManagementApi
from tests.support.publish_server import PublishServer
from tests.websocket_api.conftest import ENDPOINT, TABLE, event, posted, table_rows

pytestmark = pytest.mark.usefixtures("aws")


@grip_websocket
def room(ws: WebSocketContext, context: Any) -> None:
    """Subscribes to "room" on open, with the filters and user the query string names."""
    if ws.is_opening():
        ws.accept()
        filters = [f for f in ws.query.get("filters", "").split(",") if f]
        ws.subscribe("room", filters=filters)
        if "user" in ws.query:
            ws.set_meta("user", ws.query["user"])
        if "also" in ws.query:
            ws.subscribe(ws.query["also"])


def open_as(connection: str, **query: str) -> None:
    opening = event("connect", connection)
    opening["queryStringParameters"] = query
    assert room(opening, None)["statusCode"] == 200


def say(text: str, **meta: str) -> None:
    publish("room", WebSocketMessageFormat(text), meta=meta or None)


def seed(count: int, channel: str = "room", endpoint: str = ENDPOINT) -> list[str]:
    """`count` connections subscribed to `channel`, written straight to the table."""
    store = ConnectionStore(TABLE)
    ids = [f"conn-{n:04d}" for n in range(count)]
    for connection in ids:
        store.save(connection, endpoint, 0, subscribe={channel: ()})
    return ids


def test_publish_reaches_every_subscribed_connection_of_a_large_channel() -> None:
    ids = seed(40)  # more than the posts made in parallel

    say("to all")

    assert [posted(c) for c in ids] == [b"to all"] * 40


def test_publish_many_delivers_each_connections_messages_in_order() -> None:
    ids = seed(3)

    publish_many([("room", Item(WebSocketMessageFormat(f"m{n}"))) for n in range(5)])

    assert {posted(c) for c in ids} == {b"m0m1m2m3m4"}


def test_a_publish_without_a_websocket_format_posts_nothing() -> None:
    (connection,) = seed(1)

    publish("room", HttpStreamFormat("stream only\n"))

    assert posted(connection) == b""


def test_connections_of_other_channels_do_not_receive_the_publish() -> None:
    seed(1, channel="elsewhere")

    say("not for you")

    assert posted("conn-0000") == b""


def test_grip_prefix_is_added_to_the_subscription_and_the_publish_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRIP_PREFIX", "app-")
    reset_settings()
    open_as("c1")

    say("prefixed")

    assert posted("c1") == b"prefixed"
    assert {r["pk"]["S"] for r in table_rows()} == {"c#c1", "s#app-room"}


def test_skip_self_skips_the_connection_whose_user_sent_it() -> None:
    open_as("ann", filters="skip-self", user="ann")
    open_as("bob", filters="skip-self", user="bob")

    say("from ann", sender="ann")

    assert (posted("ann"), posted("bob")) == (b"", b"from ann")


def test_skip_users_skips_the_listed_users() -> None:
    for user in ("ann", "bob", "cy"):
        open_as(user, filters="skip-users", user=user)

    say("not for ann or cy", skip_users="ann, cy")

    assert [posted(u) for u in ("ann", "bob", "cy")] == [b"", b"not for ann or cy", b""]


def test_require_sub_reaches_only_connections_also_subscribed_to_that_channel() -> None:
    open_as("member", filters="require-sub", also="members")
    open_as("guest", filters="require-sub")

    say("members only", require_sub="members")

    assert (posted("member"), posted("guest")) == (b"members only", b"")


def test_a_subscription_without_filters_gets_every_publish_whatever_its_meta() -> None:
    open_as("ann", user="ann")

    say("from ann", sender="ann")

    assert posted("ann") == b"from ann"


def test_publish_also_reaches_the_grip_proxy_when_one_is_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (connection,) = seed(1)
    with PublishServer() as proxy:
        monkeypatch.setenv("GRIP_URL", proxy.url)
        reset_settings()

        say("both")

        assert posted(connection) == b"both"
        assert [i["channel"] for i in proxy.items] == ["room"]


def test_a_proxy_that_fails_is_named_in_the_publish_error(monkeypatch: pytest.MonkeyPatch) -> None:
    seed(1)
    with ManagementApi() as dead:
        url = dead.endpoint.replace("/prod", "/nowhere")  # answers 404 to a GRIP publish
    monkeypatch.setenv("GRIP_URL", url)
    reset_settings()

    with pytest.raises(PublishError, match="1 of 1 GRIP proxies"):
        say("lost on the proxy")


def test_a_connection_that_is_gone_is_forgotten_and_the_publish_succeeds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with ManagementApi(gone={"conn-0001"}) as api:
        seed(3, endpoint=api.endpoint)

        say("hello")

        assert sorted(c for c, _ in api.posts) == ["conn-0000", "conn-0002"]
    assert "c#conn-0001" not in {r["pk"]["S"] for r in table_rows()}
    assert "conn-0001" not in {r["sk"]["S"] for r in table_rows()}


def test_a_connection_gone_just_after_connecting_is_kept_for_its_disconnect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = ConnectionStore(TABLE)
    with ManagementApi(gone={"young"}) as api:
        store.save("young", api.endpoint, int(time.time() * 1000), subscribe={"room": ()})

        say("hello")

    assert "c#young" in {r["pk"]["S"] for r in table_rows()}


def test_connections_that_fail_are_named_in_the_publish_error_and_the_others_get_it() -> None:
    with ManagementApi(failing={"conn-0002"}) as api:
        seed(4, endpoint=api.endpoint)

        with pytest.raises(PublishError, match=r"1 of 4 API Gateway connections.*conn-0002") as err:
            say("hello")

        assert sorted(c for c, _ in api.posts) == ["conn-0000", "conn-0001", "conn-0003"]
    assert [f.status for f in err.value.failures] == [500]


def test_nothing_is_posted_once_the_invocations_deadline_has_passed() -> None:
    class Ending:
        def get_remaining_time_in_millis(self) -> int:
            return 100  # less than the time kept for answering: the deadline has passed

    with ManagementApi() as api:
        seed(2, endpoint=api.endpoint)

        with lambda_deadline(Ending()), pytest.raises(PublishError, match="deadline") as err:
            say("too late")

        assert api.posts == []
    assert [f.attempts for f in err.value.failures] == [0, 0]


def test_grip_ws_endpoint_wins_over_the_endpoint_kept_with_the_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed(1)  # kept with moto's endpoint
    with ManagementApi() as api:
        monkeypatch.setenv("GRIP_WS_ENDPOINT", api.endpoint)
        reset_settings()

        say("via the configured endpoint")

        assert api.posts == [("conn-0000", b"via the configured endpoint")]


def test_a_close_format_ends_every_subscribed_connection() -> None:
    with ManagementApi() as api:
        seed(2, endpoint=api.endpoint)

        publish("room", WebSocketMessageFormat(close=True))

        assert sorted(api.deleted) == ["conn-0000", "conn-0001"]


def test_binary_content_is_refused_before_anything_is_posted() -> None:
    (connection,) = seed(1)

    with pytest.raises(ValueError, match="text frame"):
        publish_many(
            [
                ("room", Item(WebSocketMessageFormat("text first"))),
                ("room", Item(WebSocketMessageFormat(b"\xff\x00", binary=True))),
            ]
        )

    assert posted(connection) == b""


def test_a_publish_to_a_channel_without_subscribers_needs_no_grip_proxy() -> None:
    say("nobody listens")  # no GRIP_URL: no GripConfigError either


def test_disconnected_connections_no_longer_receive_publishes() -> None:
    open_as("c1")
    room(event("disconnect", "c1"), None)

    say("after")

    assert posted("c1") == b""


def test_a_publisher_given_its_proxies_does_not_fan_out() -> None:
    from faas_grip import Publisher

    (connection,) = seed(1)
    with PublishServer() as proxy, Publisher(proxy.url) as publisher:
        publisher.publish("room", WebSocketMessageFormat("proxy only"))

    assert posted(connection) == b""


def test_the_invocations_deadline_bounds_the_proxies_publish_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Ending:
        def get_remaining_time_in_millis(self) -> int:
            return 100

    seed(1)
    with PublishServer() as proxy:
        monkeypatch.setenv("GRIP_URL", proxy.url)
        reset_settings()

        with lambda_deadline(Ending()), pytest.raises(PublishError, match="1 of 1 GRIP proxies"):
            say("too late for everyone")

        assert proxy.items == []


def test_publish_many_takes_pairs_as_lists_too() -> None:
    (connection,) = seed(1)

    publish_many([["room", Item(WebSocketMessageFormat("listed"))]])  # type: ignore[list-item]

    assert posted(connection) == b"listed"


def test_content_api_gateway_cannot_carry_reaches_no_grip_proxy_either(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed(1)
    with PublishServer() as proxy:
        monkeypatch.setenv("GRIP_URL", proxy.url)
        reset_settings()

        with pytest.raises(ValueError, match="text frame"):
            publish("room", WebSocketMessageFormat(b"\xff", binary=True))

        assert proxy.items == []
