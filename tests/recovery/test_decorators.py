"""Recovery through the decorators, read from their replies (the proxy itself: tests/e2e).

SSE: Last-Event-ID / lastEventId / Grip-Last → replay then hold with prev-id and a next link.
Long-poll: after= → the stored events at once, or a hold with prev-id. WebSocket: subscribe
then replay. no_hold answers at once. A prev-id without a next link fails at decoration.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from faas_grip import (
    Channel,
    MemoryHistory,
    WebSocketContext,
    grip_longpoll,
    grip_stream,
    grip_websocket,
    hold_stream,
    no_hold,
)
from faas_grip.testing import GripResponse, http_event, read_response, websocket_event


@pytest.fixture
def store() -> MemoryHistory:
    history = MemoryHistory()
    for n in range(1, 6):
        history.append("news", f"item {n}")
    return history


def sse(store: MemoryHistory, **options: Any) -> Any:
    @grip_stream("news", sse=True, history=store, **options)
    def handler(event: Any, context: Any) -> str:
        return ": hello\n\n"

    return handler


def get(handler: Any, path: str = "/news", **request: Any) -> GripResponse:
    return read_response(handler(http_event("rest", "GET", path, **request), None))


def ids(body: bytes) -> list[str]:
    """The ids of the SSE events in `body`: a whole block with an `id:` and no data is a
    position, not an event (an unfinished last block counts: its data may not be read yet)."""
    *whole, rest = body.decode().split("\n\n")
    blocks = [b.splitlines() for b in whole if "\ndata:" in f"\n{b}"] + [rest.splitlines()]
    return [line[4:] for lines in blocks for line in lines if line.startswith("id: ")]


# -- SSE -------------------------------------------------------------------------------------


def test_last_event_id_header_replays_the_events_after_it(store: MemoryHistory) -> None:
    reply = get(sse(store), headers={"Last-Event-ID": "2"})
    assert reply.body.startswith(b": hello\n\n")
    assert ids(reply.body) == ["3", "4", "5"]
    assert b"data: item 3\n" in reply.body


def test_replay_is_held_after_the_last_id_sent(store: MemoryHistory) -> None:
    reply = get(sse(store), headers={"Last-Event-ID": "2"})
    assert reply.hold == "stream"
    assert reply.headers["Grip-Channel"] == "news; prev-id=5"
    assert reply.headers["Content-Type"] == "text/event-stream"


def test_next_link_returns_to_the_same_url_with_the_last_id(store: MemoryHistory) -> None:
    # Query-only: the proxy resolves it against the client's URL, whatever its route rewrote.
    reply = get(sse(store), headers={"Last-Event-ID": "2"}, query={"team": "a"})
    assert reply.headers["Grip-Link"] == "<?team=a&lastEventId=5>; rel=next; timeout=3600"


def test_last_event_id_query_works_like_the_header(store: MemoryHistory) -> None:
    reply = get(sse(store), query={"lastEventId": "3"})
    assert ids(reply.body) == ["4", "5"]


def test_last_event_id_header_wins_over_the_query(store: MemoryHistory) -> None:
    reply = get(sse(store), headers={"Last-Event-ID": "4"}, query={"lastEventId": "1"})
    assert ids(reply.body) == ["5"]


def test_grip_last_wins_over_the_url_and_skips_the_handler(store: MemoryHistory) -> None:
    calls = []

    @grip_stream("news", sse=True, history=store)
    def handler(event: Any, context: Any) -> str:
        calls.append(event)
        return ": hello\n\n"

    reply = get(handler, headers={"Grip-Last": "news; last-id=4"}, query={"lastEventId": "1"})
    assert reply.body == b"id: 5\ndata: item 5\n\n"
    assert calls == []
    assert reply.headers["Grip-Channel"] == "news; prev-id=5"


def test_grip_last_for_another_channel_is_not_a_recovery(store: MemoryHistory) -> None:
    reply = get(sse(store), headers={"Grip-Last": "sports; last-id=1"})
    assert reply.body == b": hello\n\nid: 5\n\n"


def test_without_an_id_the_stream_starts_at_the_channels_last_id(store: MemoryHistory) -> None:
    reply = get(sse(store))
    assert reply.headers["Grip-Channel"] == "news; prev-id=5"
    assert reply.headers["Grip-Link"].startswith("<?lastEventId=5>")


def test_without_an_id_the_client_is_told_its_position_without_an_event(
    store: MemoryHistory,
) -> None:
    # A browser that drops before its first event resumes with Last-Event-ID: 5, not from now.
    reply = get(sse(store))
    assert reply.body == b": hello\n\nid: 5\n\n"


def test_an_empty_channel_starts_at_zero() -> None:
    reply = get(sse(MemoryHistory()))
    assert reply.headers["Grip-Channel"] == "news; prev-id=0"


def test_a_client_that_is_up_to_date_gets_no_replay(store: MemoryHistory) -> None:
    reply = get(sse(store), headers={"Last-Event-ID": "5"})
    assert ids(reply.body) == []
    assert reply.headers["Grip-Channel"] == "news; prev-id=5"


def test_a_client_ahead_of_the_channel_is_held_at_the_channels_last_id(
    store: MemoryHistory,
) -> None:
    reply = get(sse(store), headers={"Last-Event-ID": "40"})
    assert reply.headers["Grip-Channel"] == "news; prev-id=5"


def test_a_full_page_is_held_with_a_link_the_proxy_asks_at_once(store: MemoryHistory) -> None:
    reply = get(sse(store, replay_limit=2), headers={"Last-Event-ID": "1"})
    assert ids(reply.body) == ["2", "3"]
    assert reply.hold == "stream"
    assert reply.headers["Grip-Channel"] == "news; prev-id=3"
    # timeout=0: asked at once, with Grip-Last (a request the proxy may share with other
    # streams only when they are on the same channel at the same position).
    assert reply.headers["Grip-Link"] == "<?lastEventId=3>; rel=next; timeout=0"


def test_the_page_that_is_not_full_gets_the_long_link_timeout(store: MemoryHistory) -> None:
    reply = get(sse(store, replay_limit=2), headers={"Grip-Last": "news; last-id=3"})
    assert ids(reply.body) == ["4", "5"]
    assert reply.headers["Grip-Link"].endswith("timeout=0")  # two events fill the page
    reply = get(sse(store, replay_limit=2), headers={"Grip-Last": "news; last-id=5"})
    assert reply.headers["Grip-Link"] == "<?lastEventId=5>; rel=next; timeout=3600"


def test_a_non_decimal_last_event_id_is_refused(store: MemoryHistory) -> None:
    reply = get(sse(store), headers={"Last-Event-ID": "abc"})
    assert reply.status == 400
    assert "Last-Event-ID" in reply.text


def test_the_channel_keeps_its_filters(store: MemoryHistory) -> None:
    @grip_stream(Channel("news", filters=["skip-self"]), sse=True, history=store)
    def handler(event: Any, context: Any) -> None:
        return None

    assert get(handler).headers["Grip-Channel"] == "news; prev-id=5; filter=skip-self"


def test_grip_prefix_is_in_the_channel_and_read_back_from_grip_last(
    store: MemoryHistory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIP_PREFIX", "app-")
    reply = get(sse(store), headers={"Grip-Last": "app-news; last-id=3"})
    assert ids(reply.body) == ["4", "5"]
    assert reply.headers["Grip-Channel"] == "app-news; prev-id=5"


def test_a_refusal_is_sent_as_it_is(store: MemoryHistory) -> None:
    @grip_stream("news", sse=True, history=store)
    def handler(event: Any, context: Any) -> dict[str, Any]:
        return {"statusCode": 401, "body": "who are you?\n"}

    reply = get(handler, headers={"Last-Event-ID": "1"})
    assert (reply.status, reply.text, reply.hold) == (401, "who are you?\n", None)


def test_history_needs_exactly_one_channel() -> None:
    with pytest.raises(ValueError, match="exactly one channel"):
        grip_stream(["a", "b"], sse=True, history=True)


def test_history_with_a_prev_id_is_refused() -> None:
    with pytest.raises(ValueError, match="without prev_id"):
        grip_stream(Channel("a", prev_id="3"), sse=True, history=True)


def test_history_replays_server_sent_events_only() -> None:
    with pytest.raises(ValueError, match="sse=True"):
        grip_stream("a", history=True)


def test_a_channel_callable_choosing_two_channels_is_a_configuration_error(
    store: MemoryHistory, caplog: pytest.LogCaptureFixture
) -> None:
    handler = grip_stream(lambda event: ["news", "sports"], sse=True, history=store)(
        lambda event, context: None
    )
    reply = get(handler)
    assert reply.status == 500
    assert "exactly one channel" in caplog.text


def test_history_true_without_a_table_names_the_variable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = grip_stream("news", sse=True, history=True)(lambda event, context: None)
    assert get(handler).status == 500
    assert "GRIP_HISTORY_TABLE" in caplog.text


def test_history_true_uses_the_configured_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_HISTORY_TABLE", ":memory:")
    from faas_grip.history import default_history

    default_history().append("news", "first")
    handler = grip_stream("news", sse=True, history=True)(lambda event, context: None)
    assert ids(get(handler, query={"lastEventId": "0"}).body) == ["1"]


# -- long-poll -------------------------------------------------------------------------------


def poll(store: MemoryHistory, result: Any = None) -> Any:
    return grip_longpoll("news", history=store)(lambda event, context: result)


def test_after_is_answered_at_once_with_the_events_after_it(store: MemoryHistory) -> None:
    reply = get(poll(store), query={"after": "3"})
    assert reply.hold is None
    assert reply.headers["Content-Type"] == "application/json"
    assert json.loads(reply.body) == [
        {"id": "4", "event": None, "data": "item 4"},
        {"id": "5", "event": None, "data": "item 5"},
    ]


def test_after_with_nothing_new_is_held_at_that_id(store: MemoryHistory) -> None:
    reply = get(poll(store), query={"after": "5"})
    assert reply.hold == "response"
    assert reply.headers["Grip-Channel"] == "news; prev-id=5"
    assert (reply.body, reply.headers["Content-Type"]) == (b"[]", "application/json")


def test_a_poll_without_after_waits_for_the_next_event(store: MemoryHistory) -> None:
    reply = get(poll(store))
    assert reply.hold == "response"
    assert reply.headers["Grip-Channel"] == "news; prev-id=5"


def test_the_proxys_retry_reads_grip_last(store: MemoryHistory) -> None:
    reply = get(poll(store), query={"after": "1"}, headers={"Grip-Last": "news; last-id=4"})
    assert [e["id"] for e in json.loads(reply.body)] == ["5"]


def test_the_handlers_timeout_answer_is_kept(store: MemoryHistory) -> None:
    reply = get(poll(store, "nothing yet\n"), query={"after": "5"})
    assert reply.body == b"nothing yet\n"


def test_a_long_poll_page_holds_at_most_the_replay_limit(store: MemoryHistory) -> None:
    handler = grip_longpoll("news", history=store, replay_limit=2)(lambda event, context: None)
    reply = get(handler, query={"after": "0"})
    assert [e["id"] for e in json.loads(reply.body)] == ["1", "2"]


def test_a_non_decimal_after_is_refused(store: MemoryHistory) -> None:
    assert get(poll(store), query={"after": "-1"}).status == 400


# -- no_hold ---------------------------------------------------------------------------------


def test_no_hold_answers_a_long_poll_at_once(store: MemoryHistory) -> None:
    handler = grip_longpoll("jobs")(lambda event, context: no_hold('{"state": "done"}'))
    reply = get(handler)
    assert (reply.status, reply.body, reply.hold) == (200, b'{"state": "done"}', None)
    assert "Grip-Channel" not in reply.headers


def test_no_hold_keeps_a_proxy_response_as_it_is() -> None:
    response = {"statusCode": 204, "headers": {"X-Job": "7"}}
    handler = grip_stream("jobs")(lambda event, context: no_hold(response))
    reply = get(handler)
    assert (reply.status, reply.headers["X-Job"], reply.hold) == (204, "7", None)


def test_no_hold_skips_the_replay_too(store: MemoryHistory) -> None:
    handler = grip_stream("news", sse=True, history=store)(lambda event, context: no_hold("bye"))
    reply = get(handler, headers={"Last-Event-ID": "1"})
    assert (reply.body, reply.hold) == (b"bye", None)


def test_no_hold_headers_are_checked() -> None:
    handler = grip_longpoll("jobs")(lambda e, c: no_hold({"headers": {"X-A": "1\r\nX-B: 2"}}))
    with pytest.raises(ValueError):
        handler(http_event("rest", "GET", "/"), None)


# -- the prev-id trap ------------------------------------------------------------------------


def test_a_stream_channel_with_prev_id_and_no_next_link_is_refused() -> None:
    with pytest.raises(ValueError, match="no next_link"):
        grip_stream(Channel("news", prev_id="1"))


def test_next_link_names_the_path_of_the_recovery_link(store: MemoryHistory) -> None:
    reply = get(sse(store, next_link="/feeds/news?v=2"), headers={"Last-Event-ID": "5"})
    assert reply.headers["Grip-Link"].startswith("</feeds/news?v=2&lastEventId=5>")


def test_a_prev_id_with_a_next_link_is_fine() -> None:
    grip_stream(Channel("news", prev_id="1"), next_link="/news")


def test_a_long_poll_may_use_prev_id_without_a_link() -> None:
    grip_longpoll(Channel("news", prev_id="1"))


def test_a_callable_choosing_prev_id_without_a_link_is_a_configuration_error() -> None:
    handler = grip_stream(lambda event: Channel("news", prev_id="1"))(lambda e, c: None)
    assert get(handler).status == 500


def test_hold_stream_refuses_prev_id_without_a_next_link() -> None:
    with pytest.raises(ValueError, match="no next_link"):
        hold_stream({}, Channel("news", prev_id="1"))


# -- WebSocket -------------------------------------------------------------------------------


def test_subscribe_after_subscribes_then_replays(store: MemoryHistory) -> None:
    @grip_websocket(history=store)
    def handler(ws: WebSocketContext, context: Any) -> None:
        ws.accept()
        ws.subscribe("news", after="3")

    reply = read_response(handler(websocket_event(open=True), None))
    assert reply.subscriptions == ["news"]
    assert [json.loads(m) for m in reply.messages] == [  # type: ignore[arg-type]
        {"id": "4", "event": None, "data": "item 4"},
        {"id": "5", "event": None, "data": "item 5"},
    ]
    kinds = [e.content[:2] for e in reply.events if e.content]
    assert kinds == [b"c:", b"m:", b"m:"]  # the subscription first


def test_subscribe_after_uses_the_configured_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_HISTORY_TABLE", ":memory:")
    from faas_grip.history import default_history

    default_history().append("news", "first")

    @grip_websocket
    def handler(ws: WebSocketContext, context: Any) -> None:
        ws.accept()
        ws.subscribe("news", after="0")

    reply = read_response(handler(websocket_event(open=True), None))
    assert [json.loads(m)["data"] for m in reply.messages] == ["first"]  # type: ignore[arg-type]


def test_subscribe_after_stops_before_the_reply_is_too_big() -> None:
    store = MemoryHistory()
    for _ in range(30):
        store.append("big", "x" * 50_000)
    ws = WebSocketContext("c")
    ws.history = store
    ws.subscribe("big", after="0")
    assert 10 < len(ws.outgoing_events()) - 1 < 30
    assert len(ws.encode()) <= 1_000_000


def test_subscribe_after_a_non_decimal_id_is_a_value_error(store: MemoryHistory) -> None:
    ws = WebSocketContext("c")
    ws.history = store
    with pytest.raises(ValueError):
        ws.subscribe("news", after="x")


def test_a_store_that_is_falsy_still_keeps_history() -> None:
    class Sized(MemoryHistory):
        def __len__(self) -> int:
            return 0

    handler = grip_stream("news", sse=True, history=Sized())(lambda event, context: None)
    assert get(handler).headers["Grip-Channel"] == "news; prev-id=0"
