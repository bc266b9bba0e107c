"""What every History promises, whatever keeps the events: subclass with a `history` fixture."""

from __future__ import annotations

import time

import pytest

from faas_grip.history.base import History


class HistoryContract:
    def test_ids_start_at_1_and_count_up_per_channel(self, history: History) -> None:
        ids = [history.append("scores", f"goal {n}").id for n in range(3)]
        assert ids == ["1", "2", "3"]

    def test_channels_count_separately(self, history: History) -> None:
        history.append("a", "x")
        history.append("a", "y")
        assert history.append("b", "z").id == "1"

    def test_after_0_returns_every_event_oldest_first(self, history: History) -> None:
        before = time.time()
        history.append("news", "first", event="headline")
        history.append("news", "second")
        after = time.time()
        events = history.after("news", "0")
        assert [(e.channel, e.id, e.data, e.event) for e in events] == [
            ("news", "1", "first", "headline"),
            ("news", "2", "second", None),
        ]
        # Stores may keep milliseconds only.
        assert all(before - 0.001 <= e.time <= after + 0.001 for e in events)

    def test_after_an_id_returns_only_later_events(self, history: History) -> None:
        for n in range(5):
            history.append("news", str(n))
        assert [e.id for e in history.after("news", "3")] == ["4", "5"]

    def test_after_returns_at_most_limit_events_from_the_oldest(self, history: History) -> None:
        for n in range(5):
            history.append("news", str(n))
        assert [e.id for e in history.after("news", "1", limit=2)] == ["2", "3"]

    def test_after_the_last_id_or_beyond_is_empty(self, history: History) -> None:
        history.append("news", "x")
        assert history.after("news", "1") == []
        assert history.after("news", "99") == []
        assert history.after("unknown", "0") == []

    def test_last_id_is_0_for_a_new_channel_then_the_newest_id(self, history: History) -> None:
        assert history.last_id("news") == "0"
        history.append("news", "x")
        history.append("news", "y")
        assert history.last_id("news") == "2"

    def test_data_round_trips_exactly(self, history: History) -> None:
        data = 'multi\nline\r\nwith "quotes", unicode é 😀 and {"json": true}'
        history.append("news", data)
        assert history.after("news", "0")[0].data == data

    def test_to_json_is_what_clients_receive(self, history: History) -> None:
        stored = history.append("news", "hi")
        assert stored.to_json() == {"id": "1", "event": None, "data": "hi"}

    @pytest.mark.parametrize("after_id", ["abc", "-1", "1.5", "", " 1", "\u0663", "9" * 19])
    def test_an_after_id_that_is_not_a_decimal_number_raises_value_error(
        self, history: History, after_id: str
    ) -> None:
        with pytest.raises(ValueError, match="after id must be a decimal number"):
            history.after("news", after_id)

    @pytest.mark.parametrize("channel", ["", "a b", "a,b", 'a"b'])
    def test_a_bad_channel_name_raises_value_error(self, history: History, channel: str) -> None:
        with pytest.raises(ValueError, match="channel name"):
            history.append(channel, "x")

    @pytest.mark.parametrize("event", ["a\nb", "a\rb", "a\0b", ""])
    def test_a_bad_event_name_raises_value_error_and_stores_nothing(
        self, history: History, event: str
    ) -> None:
        with pytest.raises(ValueError, match="event name"):
            history.append("news", "x", event=event)
        assert history.last_id("news") == "0"

    def test_data_that_is_not_str_raises_type_error(self, history: History) -> None:
        with pytest.raises(TypeError, match="event data must be str"):
            history.append("news", b"bytes")  # type: ignore[arg-type]
        assert history.last_id("news") == "0"
