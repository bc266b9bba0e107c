"""A live-score feed over Server-Sent Events that loses nothing across reconnects (`app.handler`).

    GET  /         the score board (index.html): an EventSource that resumes by itself
    GET  /events   the feed: the scores after the client's Last-Event-ID, then each new one
    POST /events   publish a score (the body, one line of text); 201 with its id

Every score is kept in channel history (GRIP_HISTORY_TABLE: a DynamoDB table, or `:memory:`
under `faas-grip dev --history memory`). A browser that drops for a moment, or a proxy that
restarts, costs nothing: EventSource reconnects with Last-Event-ID and gets what it missed, in
order, once. Set SCORES_TOKEN to require `Authorization: Bearer <token>` on POST.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from pathlib import Path
from typing import Any

from faas_grip import HistoryError, PublishError, front_door, grip_stream, publish_event

FEED = "scores"
PAGE = (Path(__file__).parent / "index.html").read_text(encoding="utf-8")
TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
MAX_LENGTH = 500  # characters in one score line

log = logging.getLogger(__name__)


@grip_stream(FEED, sse=True, history=True)
def events(event: Any, context: Any) -> str:
    # A reconnecting browser waits 1 s (not its default 3 s) before trying again.
    return "retry: 1000\n\n"


def post_score(door: Any) -> dict[str, Any]:
    token = os.environ.get("SCORES_TOKEN")
    given = door.request.headers.get("Authorization", "")
    if token and not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return door.response(403, [("Content-Type", TEXT)], "a valid bearer token is needed\n")
    try:
        line = door.request.body.decode("utf-8").strip()
    except UnicodeDecodeError:
        return door.response(400, [("Content-Type", TEXT)], "the score must be UTF-8 text\n")
    if not line or "\n" in line or "\r" in line or len(line) > MAX_LENGTH:
        return door.response(
            400, [("Content-Type", TEXT)], f"the score must be one line of 1-{MAX_LENGTH} chars\n"
        )
    try:
        score_id = publish_event(FEED, line, event="score")
    except HistoryError:  # not stored, not published: the scorer should try again
        log.exception("history store failed")
        return door.response(503, [("Content-Type", TEXT)], "score not stored; try again\n")
    except PublishError as exc:
        # Stored before the publish: browsers get it when they reconnect, and connected ones
        # once Pushpin sees the gap at the next score's prev-id and asks /events for it.
        log.warning("score kept in history, not published live: %s", exc)
        return door.response(202, [("Content-Type", JSON)], json.dumps({"live": False}))
    return door.response(201, [("Content-Type", JSON)], json.dumps({"id": score_id}))


def handler(event: Any, context: Any) -> dict[str, Any]:
    door = front_door(event)
    request = door.request
    if request.path == "/events":
        if request.method == "GET":
            return events(event, context)
        if request.method == "POST":
            return post_score(door)
        return door.response(
            405, [("Content-Type", TEXT), ("Allow", "GET, POST")], "use GET or POST\n"
        )
    if request.method == "GET" and request.path == "/":
        return door.response(200, [("Content-Type", "text/html; charset=utf-8")], PAGE)
    return door.response(
        404, [("Content-Type", TEXT)], f"no route for {request.method} {request.path}\n"
    )
