"""examples/jobs: a job's states kept in history, served to long-polls with `after=`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from faas_grip import HistoryError
from faas_grip.settings import reset_settings
from faas_grip.testing import http_event, read_response
from tests.support.publish_server import PublishServer

from .conftest import load_example

app = load_example("jobs")


@pytest.fixture(autouse=True)
def _history(monkeypatch: pytest.MonkeyPatch, published: PublishServer) -> None:
    monkeypatch.setenv("GRIP_HISTORY_TABLE", ":memory:")  # a fresh store for each test
    reset_settings()


def call(method: str, path: str, **kwargs: Any) -> Any:
    return read_response(app.handler(http_event("http", method, path, **kwargs), None))


def start() -> str:
    reply = call("POST", "/jobs")
    assert reply.status == 201
    job_id: str = json.loads(reply.body)["id"]
    return job_id


def report(job_id: str, body: Any, token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    raw = body if isinstance(body, str) else json.dumps(body)
    return call("POST", f"/jobs/{job_id}", body=raw, headers=headers)


def states(reply: Any) -> list[tuple[str, str | None, dict[str, Any]]]:
    return [(s["id"], s["event"], json.loads(s["data"])) for s in json.loads(reply.body)]


def test_new_job_is_queued_and_says_where_to_poll(published: PublishServer) -> None:
    reply = call("POST", "/jobs")
    job_id = json.loads(reply.body)["id"]
    assert json.loads(reply.body) == {"id": job_id, "status": f"/jobs/{job_id}"}
    assert [i["channel"] for i in published.items] == [f"job-{job_id}"]


def test_poll_after_an_id_gets_the_later_states_at_once() -> None:
    job_id = start()
    report(job_id, {"state": "running", "progress": 50})
    report(job_id, {"state": "done", "result": 42})
    reply = call("GET", f"/jobs/{job_id}", query={"after": "1"})
    assert (reply.status, reply.hold, reply.headers["Content-Type"]) == (
        200,
        None,
        "application/json",
    )
    assert states(reply) == [
        ("2", "running", {"progress": 50, "state": "running"}),
        ("3", "done", {"result": 42, "state": "done"}),
    ]


def test_poll_with_nothing_new_is_held_and_times_out_with_an_empty_list() -> None:
    job_id = start()
    reply = call("GET", f"/jobs/{job_id}", query={"after": "1"})
    assert (reply.hold, reply.channels, reply.headers["Grip-Timeout"]) == (
        "response",
        [f"job-{job_id}"],
        "20",
    )
    assert reply.text == "[]"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("not json", 400),
        ({"state": "queued"}, 400),
        ({"state": "finished"}, 400),
        (["done"], 400),
        ({"state": "done", "log": "x" * 5000}, 413),
        ("[" * 2000 + "]" * 2000, 400),
    ],
    ids=["not-json", "queued-again", "unknown-state", "not-an-object", "too-big", "too-deep"],
)
def test_bad_report_is_refused_and_not_kept(body: Any, status: int) -> None:
    job_id = start()
    assert report(job_id, body).status == status
    assert states(call("GET", f"/jobs/{job_id}", query={"after": "0"}))[-1][1] == "queued"


def test_new_job_gets_its_id_even_when_the_proxy_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_URL", "http://127.0.0.1:9/")  # nothing listens on the discard port
    reset_settings()
    job_id = start()
    assert states(call("GET", f"/jobs/{job_id}", query={"after": "0"}))[0][1] == "queued"


def test_report_the_store_could_not_keep_is_503(monkeypatch: pytest.MonkeyPatch) -> None:
    job_id = start()

    def store_down(*args: Any, **kwargs: Any) -> str:
        raise HistoryError("the table is unreachable")

    monkeypatch.setattr(app, "publish_event", store_down)
    reply = report(job_id, {"state": "done"})
    assert (reply.status, reply.text) == (503, "the job store is unavailable; try again\n")


def test_unknown_job_is_404() -> None:
    assert call("GET", "/jobs/0123456789abcdef", query={"after": "0"}).status == 404
    assert report("0123456789abcdef", {"state": "done"}).status == 404


def test_malformed_job_path_is_404() -> None:
    assert call("GET", "/jobs/../etc").status == 404


def test_bad_after_is_400() -> None:
    assert call("GET", f"/jobs/{start()}", query={"after": "x"}).status == 400


def test_token_is_required_on_both_posts_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    job_id = start()
    monkeypatch.setenv("JOBS_TOKEN", "s3cret")
    assert call("POST", "/jobs").status == 403
    assert report(job_id, {"state": "done"}).status == 403
    assert report(job_id, {"state": "done"}, token="s3cret").status == 201
