"""Wait for a job's result by long-polling with `after=` (the standard library only).

    python client.py http://127.0.0.1:7999 JOB_ID     # prints each state, exits at done/failed

The client rule: ask for the states after the last id you got (`after=0` at first). Each answer
is at once when states are waiting, so nothing published between two polls is missed, and a
client that comes late gets everything in its first answer. On a network error or a 5xx it
tries again with backoff, from the same id.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

FINAL = ("done", "failed")


def follow(base: str, job_id: str, *, poll_timeout: float = 70) -> Iterator[dict[str, Any]]:
    """The job's states in order, each once, up to its final one: `{"id", "event", "data"}`."""
    after, delay = "0", 0.5
    while True:
        url = f"{base}/jobs/{job_id}?after={after}"
        try:
            with urllib.request.urlopen(url, timeout=poll_timeout) as response:
                states = json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                raise  # 404 (no such job) and other client errors will not get better
            time.sleep(delay)
            delay = min(delay * 2, 10)
            continue
        except (urllib.error.URLError, OSError):
            time.sleep(delay)
            delay = min(delay * 2, 10)
            continue
        delay = 0.5
        for state in states:
            after = state["id"]
            yield state
            if state["event"] in FINAL:
                return


def wait_for_result(base: str, job_id: str) -> dict[str, Any]:
    """The job's final report (state done or failed), printing each state on the way."""
    report: dict[str, Any] = {}
    for state in follow(base, job_id):
        report = json.loads(state["data"])
        print(f"{state['id']}: {report}", flush=True)
    return report


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python client.py BASE_URL JOB_ID")
    wait_for_result(sys.argv[1].rstrip("/"), sys.argv[2])
