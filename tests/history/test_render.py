"""Stored events in each transport's wire format (what publishes and replays send)."""

from __future__ import annotations

import json

from faas_grip.history import StoredEvent, event_item, longpoll_body, sse_text, ws_text

GOAL = StoredEvent("scores", "7", "home 1\naway 0", "goal", 1.0)
PLAIN = StoredEvent("scores", "8", "half time", None, 2.0)


def test_sse_text_gives_each_event_its_id_name_and_data_lines_in_order() -> None:
    assert sse_text([GOAL, PLAIN]) == (
        "event: goal\nid: 7\ndata: home 1\ndata: away 0\n\nid: 8\ndata: half time\n\n"
    )


def test_sse_text_of_no_events_is_empty() -> None:
    assert sse_text([]) == ""


def test_ws_text_is_the_documented_json_message() -> None:
    assert ws_text(PLAIN) == '{"id": "8", "event": null, "data": "half time"}'


def test_longpoll_body_is_a_json_list_oldest_first() -> None:
    assert json.loads(longpoll_body([GOAL, PLAIN])) == [
        {"id": "7", "event": "goal", "data": "home 1\naway 0"},
        {"id": "8", "event": None, "data": "half time"},
    ]


def test_event_item_carries_ids_and_every_transports_format() -> None:
    exported = event_item(PLAIN, prev_id="7").export("scores")
    assert (exported["id"], exported["prev-id"]) == ("8", "7")
    assert exported["formats"] == {
        "http-stream": {"content": "id: 8\ndata: half time\n\n"},
        "ws-message": {"content": ws_text(PLAIN)},
        "http-response": {
            "headers": {"Content-Type": "application/json"},
            "body": longpoll_body([PLAIN]),
        },
    }
