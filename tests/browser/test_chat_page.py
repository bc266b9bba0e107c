"""examples/chat's page in a real browser, through Pushpin: a page whose connection drops comes
back by itself, with its nickname, and chats again."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from faas_grip.dev.server import DevServer
from tests.e2e.conftest import EXAMPLES, require_pushpin
from tests.support.clients import raw_publish
from tests.support.relay import TcpRelay

from .conftest import Page, console_errors

pytestmark = [pytest.mark.pushpin, pytest.mark.browser]

LOG = "#log li"


@pytest.fixture(scope="module")
def chat() -> Iterator[DevServer]:
    require_pushpin()
    with DevServer("app.handler", code_dir=EXAMPLES / "chat") as dev:
        yield dev


def join(open_page: Callable[[str], Page], base: str, nick: str) -> Page:
    page = open_page(base + "/")
    page.type("#text", f"/nick {nick}")
    page.wait_for(lambda: f"nickname set to [{nick}]" in page.texts(LOG), f"{nick} got no nick")
    return page


def hears(page: Page, dev: DevServer, marker: str) -> None:
    """Wait until `page` is subscribed to the room: publish a probe line until it shows one."""

    def probe() -> bool:
        raw_publish(dev.pushpin, "room", {"ws-message": {"content": marker}})
        return marker in page.texts(LOG)

    page.wait_for(probe, f"the page never heard {marker}")


def says(page: Page, text: str, listener: Page, line: str) -> None:
    page.type("#text", text)
    listener.wait_for(lambda: line in listener.texts(LOG), f"{line!r} never arrived")


def test_page_loads_with_no_console_error(
    chat: DevServer, open_page: Callable[[str], Page]
) -> None:
    page = join(open_page, chat.http_url, "carol")  # loaded, connected, and answered
    assert console_errors(page.focus()) == []  # e.g. no 404 for a missing favicon


def test_dropped_page_reconnects_restores_its_nick_and_chats_again(
    chat: DevServer, open_page: Callable[[str], Page]
) -> None:
    with TcpRelay(chat.pushpin.port) as relay:  # only alice's page goes through the relay
        alice = join(open_page, relay.url, "alice")
        bob = join(open_page, chat.http_url, "bob")
        hears(alice, chat, "(probe 1)")
        hears(bob, chat, "(probe 1)")
        says(alice, "hi bob", bob, "alice: hi bob")

        before = relay.connections
        relay.cut()
        alice.wait_for(
            lambda: alice.texts(LOG).count("nickname set to [alice]") == 2,
            "alice's page did not reconnect and set its nick again",
        )
        hears(alice, chat, "(probe 2)")
        says(alice, "back", bob, "alice: back")
        says(bob, "welcome back", alice, "bob: welcome back")
    assert relay.connections > before  # the page opened a new connection itself
