"""examples/jobs through Pushpin, with its own long-poll client (urllib): every state arrives
once and in order, and a client that comes after the job finished gets the result at once."""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from types import ModuleType
from typing import Any

import pytest

from faas_grip.dev.server import DevServer
from tests.e2e.clients import send
from tests.e2e.conftest import EXAMPLES, require_pushpin

pytestmark = pytest.mark.pushpin


def load_client() -> ModuleType:
    spec = importlib.util.spec_from_file_location("jobs_client", EXAMPLES / "jobs" / "client.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


client = load_client()


@pytest.fixture(scope="module")
def jobs() -> Iterator[DevServer]:
    require_pushpin()
    with DevServer("app.handler", code_dir=EXAMPLES / "jobs", api="http", history="memory") as dev:
        yield dev


def start_job(dev: DevServer) -> str:
    reply = send(dev.http_url, "POST", "/jobs")
    assert reply.status == 201, reply.body
    job_id: str = json.loads(reply.body)["id"]
    return job_id


def report(dev: DevServer, job_id: str, **fields: Any) -> None:
    reply = send(dev.http_url, "POST", f"/jobs/{job_id}", body=json.dumps(fields).encode())
    assert reply.status == 201, reply.body


def test_waiting_client_gets_every_state_once_in_order(jobs: DevServer) -> None:
    job_id = start_job(jobs)
    states: Future[list[dict[str, Any]]] = Future()
    # A daemon thread: a client that never gets "done" must not keep pytest from exiting.
    threading.Thread(
        target=lambda: states.set_result(list(client.follow(jobs.http_url, job_id))), daemon=True
    ).start()
    # No pause between reports: whatever lands between two polls comes with the next one.
    report(jobs, job_id, state="running", progress=50)
    report(jobs, job_id, state="done", result="s3://bucket/report.csv")
    got = states.result(timeout=60)
    assert [(s["id"], s["event"]) for s in got] == [
        ("1", "queued"),
        ("2", "running"),
        ("3", "done"),
    ]
    assert json.loads(got[-1]["data"]) == {"result": "s3://bucket/report.csv", "state": "done"}


def test_late_client_gets_the_whole_story_in_its_first_answer(jobs: DevServer) -> None:
    job_id = start_job(jobs)
    report(jobs, job_id, state="done", result=42)
    # A held long-poll would wait 20 s for the next state: this one is answered at once.
    reply = send(jobs.http_url, "GET", f"/jobs/{job_id}?after=0", timeout=15)
    assert (reply.status, reply.header("Content-Type")) == (200, "application/json")
    assert [s["event"] for s in json.loads(reply.body)] == ["queued", "done"]
    assert client.wait_for_result(jobs.http_url, job_id) == {"result": 42, "state": "done"}


def test_unknown_job_is_404_through_the_proxy(jobs: DevServer) -> None:
    assert send(jobs.http_url, "GET", "/jobs/0123456789abcdef?after=0").status == 404
