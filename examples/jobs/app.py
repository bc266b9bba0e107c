"""Job status by long-polling, with nothing missed and late clients served at once (`app.handler`).

    POST /jobs               start a job: 201 {"id": ..., "status": "/jobs/<id>"}, state "queued"
    GET  /jobs/<id>?after=N  the job's states after N (a JSON list) at once if there are any,
                             else held until the next one (`[]` after 20 s: poll again)
    POST /jobs/<id>          the worker reports: {"state": "running" | "done" | "failed", ...}

Each job's states are kept in channel history (GRIP_HISTORY_TABLE: a DynamoDB table, or
`:memory:` under `faas-grip dev --history memory`), on the channel `job-<id>`. A client loops
with `after=` the last id it got (client.py shows how), so it misses nothing between polls, and
a client that arrives after the job finished gets the whole story in its first answer.

In a real application the work runs elsewhere (SQS, Step Functions, another function) and
reports with `report(job_id, state, details)`; here the worker route stands in for it. Set
JOBS_TOKEN to require `Authorization: Bearer <token>` on both POST routes.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import secrets
from typing import Any

from faas_grip import HistoryError, PublishError, front_door, grip_longpoll, publish_event
from faas_grip.history import default_history

TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
STATES = ("queued", "running", "done", "failed")
JOB_PATH = re.compile(r"/jobs/([0-9a-f]{16})")
MAX_BODY = 4096

log = logging.getLogger(__name__)


def job_channel(job_id: str) -> str:
    return f"job-{job_id}"


def report(job_id: str, state: str, details: dict[str, Any] | None = None) -> str:
    """Keep the job's new state and tell every waiting client; returns the state's id.

    The state name travels as the event name, the whole report as JSON data."""
    data = json.dumps({**(details or {}), "state": state})
    return publish_event(job_channel(job_id), data, event=state)


def _channel_of(event: Any) -> str:
    match = JOB_PATH.fullmatch(front_door(event).request.path)
    assert match is not None  # handler() routes only matching paths here
    return job_channel(match.group(1))


@grip_longpoll(_channel_of, timeout=20, history=True)
def status(event: Any, context: Any) -> dict[str, Any]:
    # What a held client gets when no state came for 20 s: nothing new, poll again.
    return {"statusCode": 200, "headers": {"Content-Type": JSON}, "body": "[]"}


def _authorized(door: Any) -> bool:
    token = os.environ.get("JOBS_TOKEN")
    given = door.request.headers.get("Authorization", "")
    return not token or hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def _answer(door: Any, status_code: int, body: Any) -> dict[str, Any]:
    if isinstance(body, str):
        return door.response(status_code, [("Content-Type", TEXT)], body + "\n")
    return door.response(status_code, [("Content-Type", JSON)], json.dumps(body))


def _start(door: Any) -> dict[str, Any]:
    job_id = secrets.token_hex(8)
    try:
        report(job_id, "queued")
    except PublishError as exc:  # kept in history, and nobody can be waiting on it yet
        log.warning("job %s queued, not published live: %s", job_id, exc)
    return _answer(door, 201, {"id": job_id, "status": f"/jobs/{job_id}"})


def _worker_report(door: Any, job_id: str) -> dict[str, Any]:
    body = door.request.body
    if len(body) > MAX_BODY:
        return _answer(door, 413, f"a report is at most {MAX_BODY} bytes")
    try:
        fields = json.loads(body)
    except (ValueError, RecursionError):  # not JSON (or not UTF-8), or nested too deep
        return _answer(door, 400, 'the body must be JSON, e.g. {"state": "done"}')
    if not isinstance(fields, dict) or fields.get("state") not in STATES[1:]:
        return _answer(door, 400, f"state must be one of {', '.join(STATES[1:])}")
    return _answer(door, 201, {"id": report(job_id, fields.pop("state"), fields)})


def handler(event: Any, context: Any) -> dict[str, Any]:
    door = front_door(event)
    request = door.request
    job = JOB_PATH.fullmatch(request.path)
    try:
        if request.path == "/jobs" and request.method == "POST":
            return _start(door) if _authorized(door) else _answer(door, 403, "bad token")
        if job is None:
            return _answer(door, 404, f"no route for {request.method} {request.path}")
        if default_history().last_id(job_channel(job.group(1))) == "0":
            return _answer(door, 404, f"no job {job.group(1)}")
        if request.method == "GET":
            return status(event, context)
        if request.method == "POST":
            if not _authorized(door):
                return _answer(door, 403, "bad token")
            return _worker_report(door, job.group(1))
        return _answer(door, 405, "use GET or POST")
    except HistoryError:  # the store failed: nothing was kept, the caller should try again
        log.exception("history store failed")
        return _answer(door, 503, "the job store is unavailable; try again")
    except PublishError as exc:  # kept in history: pollers get it with their next after=
        log.warning("job state kept in history, not published live: %s", exc)
        return _answer(door, 202, {"live": False})
