"""The reliable-delivery tests' function: history from GRIP_HISTORY_TABLE (`--history memory`).

/sse?channel=C           SSE with history on C (first body ": open")
/sse-paged?channel=C     the same, 3 events per replay page
/sse-racing?channel=C    SSE from now, where an event is published while the hold is being made
/sse-fed?channel=C       the same, reached by clients as /feed/sse-fed (next_link names that)
/poll?channel=C          long-poll with history on C (times out after 5 s)
/poll-racing?channel=C   the same, where an event is published while the hold is being made
/job?channel=C&done=1    a long-poll answered at once with no_hold when done=1
/ws?channel=C[&after=N]  WebSocket: subscribes to C (replaying after N); "after N" replays again
/publish?channel=C&data=D[&store_only=1]  publish_event (or only append); answers the id
/calls                   invocations per path as JSON, with how many carried Grip-Last
"""

import json
from collections import Counter

from faas_grip import (
    MemoryHistory,
    PublishError,
    grip_longpoll,
    grip_stream,
    grip_websocket,
    no_hold,
    publish_event,
)
from faas_grip.history import default_history

CALLS: Counter = Counter()


def _plain(status, text, content_type="text/plain"):
    return {"statusCode": status, "headers": {"Content-Type": content_type}, "body": text}


def _query(event):
    return event.get("queryStringParameters") or {}


def _channel(event):
    return _query(event).get("channel", "live")


@grip_stream(_channel, sse=True, history=True)
def sse(event, context):
    return ": open\n\n"


@grip_stream(_channel, sse=True, history=True, replay_limit=3)
def sse_paged(event, context):
    return ": open\n\n"


class RacingHistory(MemoryHistory):
    """The configured store, except that the first read of a channel's last id also publishes
    a new event before answering: it lands between the answer and the hold taking effect."""

    def __init__(self):
        super().__init__()
        self.raced = set()

    def append(self, channel, data, *, event=None):
        return default_history().append(channel, data, event=event)

    def after(self, channel, after_id, *, limit=1000):
        return default_history().after(channel, after_id, limit=limit)

    def last_id(self, channel):
        last = default_history().last_id(channel)
        if channel not in self.raced:
            self.raced.add(channel)
            publish_event(channel, "published during the hold", history=default_history())
        return last


@grip_stream(_channel, sse=True, history=RacingHistory())
def sse_racing(event, context):
    return ": open\n\n"


# Clients reach this one as /feed/sse-fed through a route that rewrites the path: the link
# names the path they use.
@grip_stream(_channel, sse=True, history=RacingHistory(), next_link="/feed/sse-fed")
def sse_fed(event, context):
    return ": open\n\n"


@grip_longpoll(_channel, timeout=5, history=True)
def poll(event, context):
    return None


@grip_longpoll(_channel, timeout=5, history=RacingHistory())
def poll_racing(event, context):
    return None


@grip_longpoll(_channel, timeout=5)
def job(event, context):
    if _query(event).get("done"):
        return no_hold(_plain(200, '{"state": "done"}', "application/json"))
    return _plain(200, '{"state": "running"}', "application/json")


@grip_websocket
def socket(ws, context):
    channel = ws.query.get("channel", "live")
    if ws.is_opening():
        ws.accept()
        ws.subscribe(channel, after=ws.query.get("after"))
    for message in ws:
        if isinstance(message, str) and message.startswith("after "):
            ws.subscribe(channel, after=message[6:])


def publish(event, context):
    query = _query(event)
    channel = _channel(event)
    if query.get("store_only"):
        return _plain(200, default_history().append(channel, query["data"]).id)
    try:
        return _plain(200, publish_event(channel, query["data"]))
    except PublishError:  # the proxy is down: the event is kept, reconnecting clients get it
        return _plain(202, str(default_history().last_id(channel)))


def calls(event, context):
    return _plain(200, json.dumps(CALLS), "application/json")


ROUTES = {
    "/sse": sse,
    "/sse-paged": sse_paged,
    "/sse-racing": sse_racing,
    "/sse-fed": sse_fed,
    "/poll": poll,
    "/poll-racing": poll_racing,
    "/job": job,
    "/ws": socket,
    "/publish": publish,
    "/calls": calls,
}


def handler(event, context):
    path = event.get("rawPath") or event.get("path") or "/"
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    CALLS[path] += 1
    if "grip-last" in headers:
        CALLS[path + " grip-last"] += 1
    route = ROUTES.get(path)
    if route is None:
        return _plain(404, f"no route for {path}\n")
    return route(event, context)
