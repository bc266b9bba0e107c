"""examples/scores: the SSE feed replays after Last-Event-ID, POST keeps and publishes a score."""

from __future__ import annotations

import json
from typing import Any

import pytest

from faas_grip import HistoryError
from faas_grip.settings import reset_settings
from faas_grip.testing import http_event, read_response
from tests.support.publish_server import PublishServer

from .conftest import load_example

app = load_example("scores")
RETRY = "retry: 1000\n\n"


@pytest.fixture(autouse=True)
def _history(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_HISTORY_TABLE", ":memory:")  # a fresh store for each test
    reset_settings()


def call(method: str = "GET", path: str = "/events", **kwargs: Any) -> Any:
    return read_response(app.handler(http_event("http", method, path, **kwargs), None))


def post(line: str | bytes, token: str | None = None) -> Any:
    headers = {
        "Content-Type": "text/plain" if isinstance(line, str) else "application/octet-stream"
    }
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return call("POST", body=line, headers=headers)


def test_post_keeps_the_score_and_publishes_it_with_its_id(published: PublishServer) -> None:
    reply = post("Lions 1-0 Tigers")
    assert (reply.status, json.loads(reply.body)) == (201, {"id": "1"})
    (item,) = published.items
    assert (item["channel"], item["id"]) == ("scores", "1")
    assert item["formats"]["http-stream"] == {
        "content": "event: score\nid: 1\ndata: Lions 1-0 Tigers\n\n"
    }


def test_feed_without_last_event_id_starts_from_now(published: PublishServer) -> None:
    post("Lions 1-0 Tigers")
    reply = call()
    # No replay; the position (id 1) is set for the browser without an event.
    assert (reply.hold, reply.channels, reply.text) == ("stream", ["scores"], RETRY + "id: 1\n\n")
    assert reply.headers["Content-Type"] == "text/event-stream"


def test_feed_replays_the_scores_after_last_event_id(published: PublishServer) -> None:
    for n in (1, 2, 3):
        post(f"Lions {n}-0 Tigers")
    reply = call(headers={"Last-Event-ID": "1"})
    assert reply.hold == "stream"
    assert reply.text == (
        RETRY
        + "event: score\nid: 2\ndata: Lions 2-0 Tigers\n\n"
        + "event: score\nid: 3\ndata: Lions 3-0 Tigers\n\n"
    )


def test_score_kept_when_the_proxy_is_down_reaches_a_reconnecting_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRIP_URL", "http://127.0.0.1:9/")  # nothing listens on the discard port
    reset_settings()
    reply = post("Lions 1-0 Tigers")
    assert (reply.status, json.loads(reply.body)) == (202, {"live": False})
    assert "id: 1\ndata: Lions 1-0 Tigers" in call(headers={"Last-Event-ID": "0"}).text


def test_score_the_store_could_not_keep_is_503(monkeypatch: pytest.MonkeyPatch) -> None:
    def store_down(*args: Any, **kwargs: Any) -> str:
        raise HistoryError("the table is unreachable")

    monkeypatch.setattr(app, "publish_event", store_down)
    reply = post("Lions 1-0 Tigers")
    assert (reply.status, reply.text) == (503, "score not stored; try again\n")


@pytest.mark.parametrize(
    "line", ["", "two\nlines", "x" * 501, b"\xff"], ids=["empty", "lines", "long", "not-utf8"]
)
def test_score_that_is_not_one_short_line_is_400(
    line: str | bytes, published: PublishServer
) -> None:
    assert post(line).status == 400
    assert published.items == []
    assert "id:" not in call(headers={"Last-Event-ID": "0"}).text  # nothing was kept


def test_bad_last_event_id_is_400() -> None:
    assert call(headers={"Last-Event-ID": "abc"}).status == 400


def test_token_is_required_when_set(
    monkeypatch: pytest.MonkeyPatch, published: PublishServer
) -> None:
    monkeypatch.setenv("SCORES_TOKEN", "s3cret")
    assert post("1-0", token="wrong").status == 403
    assert post("1-0").status == 403
    assert published.items == []
    assert post("1-0", token="s3cret").status == 201


def test_page_is_served_at_the_root() -> None:
    reply = call(path="/")
    assert (reply.status, reply.headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert 'new URL("events", location.href)' in reply.text


def test_other_methods_on_the_feed_are_405() -> None:
    reply = call("DELETE")
    assert (reply.status, reply.headers["Allow"]) == (405, "GET, POST")


def test_unknown_route_is_404() -> None:
    assert call(path="/nope").status == 404
