"""examples/scores' page in a real browser, through Pushpin: the page shows the feed from its
first score; its EventSource drops (connection cut, error answers, proxy restart), resumes by
itself, and the page shows every score exactly once, in order."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator

import pytest

from faas_grip.dev.server import DevServer
from tests.e2e.clients import send
from tests.e2e.conftest import EXAMPLES, require_pushpin
from tests.support.relay import TcpRelay

from .conftest import Page, console_errors

pytestmark = [pytest.mark.pushpin, pytest.mark.browser]

IDS = "return Array.from(document.querySelectorAll('#scores li'), e => e.dataset.id)"


@pytest.fixture(scope="module")
def scores() -> Iterator[DevServer]:
    require_pushpin()
    with DevServer("app.handler", code_dir=EXAMPLES / "scores", history="memory") as dev:
        yield dev


def post_score(dev: DevServer, line: str) -> str:
    """Publish a score through the example's own endpoint (through Pushpin); its id."""
    reply = send(dev.http_url, "POST", "/events", body=line.encode())
    assert reply.status == 201, (reply.status, reply.body)
    score_id: str = json.loads(reply.body)["id"]
    return score_id


def every_score_to(last_id: str) -> list[str]:
    """The ids the page must show, in order, once each: the feed from its first score."""
    return [str(n) for n in range(1, int(last_id) + 1)]


def shown(page: Page) -> list[str]:
    """The ids of the scores on the page, top to bottom."""
    return list(page.focus().execute_script(IDS))


def shows_every_score_to(page: Page, last_id: str, when: str) -> None:
    page.wait_for(
        lambda: shown(page) == every_score_to(last_id),
        f"{when}: the page never showed scores 1..{last_id} once each",
    )


def live(page: Page) -> bool:
    return page.texts("#status") == ["live"]


def open_board(open_page: Callable[[str], Page], base: str) -> Page:
    page = open_page(base + "/")
    page.wait_for(lambda: live(page), "the page's EventSource never opened")
    return page


def test_page_shows_the_feed_so_far_then_each_new_score_with_no_console_error(
    scores: DevServer, open_page: Callable[[str], Page]
) -> None:
    earlier = post_score(scores, "Lions 1-0 Tigers")
    page = open_board(open_page, scores.http_url)
    shows_every_score_to(page, earlier, "on opening")
    latest = post_score(scores, "Lions 2-0 Tigers")
    shows_every_score_to(page, latest, "live")
    assert page.texts("#scores li")[-2:] == ["Lions 1-0 Tigers", "Lions 2-0 Tigers"]
    assert console_errors(page.focus()) == []  # e.g. no 404 for a missing favicon


def test_dropped_event_source_resumes_and_shows_every_score_once(
    scores: DevServer, open_page: Callable[[str], Page]
) -> None:
    with TcpRelay(scores.pushpin.port) as relay:  # the page, and only it, goes through the relay
        page = open_board(open_page, relay.url)
        for n in range(3):
            latest = post_score(scores, f"before the drop {n}")
        shows_every_score_to(page, latest, "before the drop")

        before = relay.connections
        with relay.held():  # the page's reconnection waits here until the block ends
            relay.cut()
            page.wait_for(lambda: not live(page), "the page did not notice the drop")
            for n in range(3):
                latest = post_score(scores, f"while away {n}")
        shows_every_score_to(page, latest, "after the drop")  # replayed after Last-Event-ID

        latest = post_score(scores, "after the return")
        shows_every_score_to(page, latest, "live again")
        assert relay.connections > before  # the page reconnected by itself


def test_page_opens_a_new_event_source_when_the_browser_gives_up(
    scores: DevServer, open_page: Callable[[str], Page]
) -> None:
    with TcpRelay(scores.pushpin.port) as relay:
        page = open_board(open_page, relay.url)
        with relay.answering(503):  # an error status closes an EventSource for good
            relay.cut()
            page.wait_for(
                lambda: page.texts("#status")[0].startswith("disconnected; reconnecting in"),
                "the page did not schedule a new EventSource",
            )
            for n in range(2):
                latest = post_score(scores, f"while refused {n}")
        shows_every_score_to(page, latest, "after the 503s")  # its own ?lastEventId=


@pytest.mark.skipif(
    not os.environ.get("FAAS_GRIP_STRESS"),
    reason="timing-sensitive under a loaded 2-core run (failed in 2 of 6 full make test runs, never alone): run by make stress (FAAS_GRIP_STRESS=1)",
)
def test_page_catches_up_after_the_proxy_restarts(
    scores: DevServer, open_page: Callable[[str], Page]
) -> None:
    page = open_board(open_page, scores.http_url)
    shows_every_score_to(page, post_score(scores, "before the restart"), "before the restart")

    scores.pushpin.stop()  # every client connection goes; the page keeps retrying
    page.wait_for(lambda: not live(page), "the page did not notice the proxy was gone")
    for n in range(2):  # kept in history, but no proxy to publish to: 202
        reply = send(scores.gateway_url, "POST", "/events", body=f"while down {n}".encode())
        assert (reply.status, json.loads(reply.body)) == (202, {"live": False})
    scores.pushpin.start()  # on the same ports

    shows_every_score_to(page, post_score(scores, "after the restart"), "after the restart")
