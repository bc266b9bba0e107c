"""publish_event: keep an event in history, then publish it with id / prev-id."""

from __future__ import annotations

from faas_grip.history.base import History
from faas_grip.history.config import default_history
from faas_grip.history.render import event_item
from faas_grip.publishing.publisher import publish_many


def publish_event(
    channel: str, data: str, *, event: str | None = None, history: History | None = None
) -> str:
    """Append an event to `channel`'s history and publish it to every transport; return its id.

    `history` defaults to the store GRIP_HISTORY_TABLE names. The append comes first: when the
    publish then fails, PublishError is raised and the event stays in history, so clients
    that reconnect still receive it.
    """
    store = history if history is not None else default_history()
    stored = store.append(channel, data, event=event)
    publish_many([(channel, event_item(stored, prev_id=str(int(stored.id) - 1)))])
    return stored.id
