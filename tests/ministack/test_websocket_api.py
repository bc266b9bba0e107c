"""examples/chat as an API Gateway WebSocket API on MiniStack: the built layer, the same
`@grip_websocket` handler as behind Pushpin (`app.chat`), the connections table in MiniStack's
DynamoDB, publishes fanned out through MiniStack's `@connections` API, real WebSocket clients.

MiniStack (1.5.33) differs from AWS in ways these tests account for:
- The event's `domainName` (`{api}.execute-api.localhost`) does not resolve: the function gets
  GRIP_WS_ENDPOINT (`http://127.0.0.1:PORT/_aws/execute-api/{api}/{stage}`), as a function behind
  a custom domain does on AWS.
- `$disconnect` fires even after a TCP reset, so a killed client's rows go at once; on AWS
  `$disconnect` is best effort, and a connection it missed is forgotten when a publish meets its
  410 GoneException. test_a_connection_gone_without_its_disconnect_... covers that path with a
  row MiniStack never heard of.
- A refused `$connect` reaches the client as 403 with an empty body (AWS sends the status and
  body the function returned); a MESSAGE reply body is forwarded to the client (AWS forwards it
  only with a route response; faas-grip returns none, so both behave the same here).
- DISCONNECT events carry no headers; client binary frames arrive as text; neither the 128 KB
  message / 32 KB frame limits nor the 10-minute idle / 2-hour connection limits are enforced;
  `execute-api:ManageConnections` is not checked.
Nothing here is timed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import pytest
from websockets.asyncio.client import connect

from faas_grip.aws.websocket_api import ConnectionStore
from tests.ministack.test_examples import TIMEOUT, _recv_until
from tools.aws_local import LocalAws
from tools.aws_local_websocket import WebSocketApi, connection_ids, deploy_websocket_api

pytestmark = pytest.mark.pushpin  # the session's LocalAws starts Pushpin too


@pytest.fixture(scope="module")
def api(aws: LocalAws) -> Iterator[WebSocketApi]:
    yield deploy_websocket_api(aws)


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_chat_line_reaches_every_client_with_the_senders_nickname(api: WebSocketApi) -> None:
    async def run() -> None:
        async with (
            connect(api.url, open_timeout=TIMEOUT) as ann,
            connect(api.url, open_timeout=TIMEOUT) as bob,
            connect(api.url, open_timeout=TIMEOUT) as cy,
        ):
            await ann.send("/nick ann")
            await _recv_until(ann, "nickname set to [ann]")
            await ann.send("hello over API Gateway")
            for client in (ann, bob, cy):
                await _recv_until(client, "ann: hello over API Gateway")

    asyncio.run(run())


def test_a_closed_connection_leaves_nothing_in_the_connections_table(
    aws: LocalAws, api: WebSocketApi
) -> None:
    before = connection_ids(aws, api)

    async def run() -> str:
        async with connect(api.url, open_timeout=TIMEOUT) as ws:
            await ws.send("/nick dee")
            await _recv_until(ws, "nickname set to [dee]")
            (new,) = connection_ids(aws, api) - before
            return new

    connection = asyncio.run(run())

    _until(lambda: connection not in connection_ids(aws, api), f"{connection} was kept")


def test_a_client_killed_without_a_close_frame_is_cleaned_up_and_the_chat_goes_on(
    aws: LocalAws, api: WebSocketApi
) -> None:
    async def run() -> str:
        async with connect(api.url, open_timeout=TIMEOUT) as eve:
            before = connection_ids(aws, api)
            killed = await connect(api.url, open_timeout=TIMEOUT)
            await killed.send("/nick killed")
            await _recv_until(killed, "nickname set to [killed]")
            (connection,) = connection_ids(aws, api) - before
            killed.transport.abort()  # no close frame
            await eve.send("anyone?")
            await _recv_until(eve, "anonymous: anyone?")
            return connection

    connection = asyncio.run(run())

    _until(lambda: connection not in connection_ids(aws, api), f"{connection} was kept")


def test_a_connection_gone_without_its_disconnect_is_forgotten_on_the_next_publish(
    aws: LocalAws, api: WebSocketApi
) -> None:
    store = ConnectionStore(api.table, client=aws.ministack.client("dynamodb"))
    store.save("never-connected", api.endpoint, 0, subscribe={"room": ()})

    async def run() -> None:
        async with connect(api.url, open_timeout=TIMEOUT) as fay:
            await fay.send("publish now")
            await _recv_until(fay, "anonymous: publish now")

    asyncio.run(run())

    _until(
        lambda: "never-connected" not in connection_ids(aws, api),
        "the gone connection was kept",
    )
    assert [s.connection_id for s in store.subscribers("room")].count("never-connected") == 0
