"""examples/chat on MiniStack as an API Gateway WebSocket API: no GRIP proxy on the path.

`deploy_websocket_api(aws)` adds to a started LocalAws (tools/aws_local.py) what template.yaml's
WebSocket API makes on AWS: the connections table (TTL on `expires`), the chat function running
the same `@grip_websocket` handler as the GRIP path (`app.chat`) with GRIP_CONNECTIONS_TABLE and
GRIP_WS_ENDPOINT, and a WEBSOCKET API routing `$connect`, `$default` and `$disconnect` to it.

`python -m tools.aws_local_websocket` (`make demo-aws`) deploys it, drives the chat with real
WebSocket clients (nicknames, a broadcast, a client killed without a close frame), prints the
transcript and exits 0 when everyone heard everything; tests/ministack/test_websocket_api.py
asserts the same.

MiniStack's event `domainName` (`{api}.execute-api.localhost`) does not resolve: GRIP_WS_ENDPOINT
names the Management API where MiniStack serves it, as it would a custom domain on AWS.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from typing import Any

from tools.aws_local import ACCOUNT, EXAMPLES_DIR, RUNTIME, LocalAws, LocalAwsError, zip_tree

STAGE = "prod"
TABLE = "faas-grip-chat-connections"
FUNCTION = "faas-grip-chat-websocket-api"
ROUTES = ("$connect", "$default", "$disconnect")
TIMEOUT = 20.0  # generous: the machine is shared and often busy


@dataclass(frozen=True)
class WebSocketApi:
    """One WebSocket API on MiniStack and where to reach it."""

    api_id: str
    function_name: str
    table: str
    url: str  # what clients connect to
    endpoint: str  # the Management API (@connections)


def deploy_websocket_api(
    aws: LocalAws, example: str = "chat", handler: str = "app.chat"
) -> WebSocketApi:
    """Deploy `example`'s `handler` behind a new WebSocket API on `aws`'s MiniStack."""
    from faas_grip.aws.websocket_api import create_connections_table

    ministack = aws.ministack
    create_connections_table(TABLE, client=ministack.client("dynamodb"))
    v2 = ministack.client("apigatewayv2")
    api_id = str(
        v2.create_api(
            Name=FUNCTION,
            ProtocolType="WEBSOCKET",
            RouteSelectionExpression="$request.body.action",
        )["ApiId"]
    )
    path = f"/_aws/execute-api/{api_id}/{STAGE}"
    endpoint = f"{ministack.endpoint}{path}"
    arn = create_function(
        aws,
        FUNCTION,
        zip_tree(EXAMPLES_DIR / example),
        handler,
        {"GRIP_CONNECTIONS_TABLE": TABLE, "GRIP_WS_ENDPOINT": endpoint},
    )
    integration = v2.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=arn
    )["IntegrationId"]
    for route in ROUTES:
        v2.create_route(ApiId=api_id, RouteKey=route, Target=f"integrations/{integration}")
    v2.create_stage(ApiId=api_id, StageName=STAGE, AutoDeploy=True)
    ministack.client("lambda").add_permission(
        FunctionName=FUNCTION,
        StatementId=f"websocket-{api_id}",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
    )
    url = f"ws://127.0.0.1:{ministack.port}{path}"
    return WebSocketApi(api_id, FUNCTION, TABLE, url, endpoint)


def create_function(
    aws: LocalAws,
    name: str,
    code: bytes,
    handler: str,
    environment: dict[str, str],
    *,
    timeout: int = 10,
) -> str:
    """A Python function with the layers of `aws`, Active; returns its ARN."""
    lam = aws.ministack.client("lambda")
    answer = lam.create_function(
        FunctionName=name,
        Runtime=RUNTIME,
        Role=f"arn:aws:iam::{ACCOUNT}:role/faas-grip-aws-local",
        Handler=handler,
        Code={"ZipFile": code},
        Layers=list(aws.layer_arns),
        Timeout=timeout,  # 10 s as template.yaml
        MemorySize=256,
        Environment={"Variables": environment},
    )
    deadline = time.monotonic() + 30
    while lam.get_function_configuration(FunctionName=name)["State"] != "Active":
        if time.monotonic() > deadline:
            raise LocalAwsError(f"function {name} did not become Active in 30s")
        time.sleep(0.1)
    return str(answer["FunctionArn"])


def connection_ids(aws: LocalAws, api: WebSocketApi) -> set[str]:
    """The connections the table holds."""
    rows = aws.ministack.client("dynamodb").scan(TableName=api.table)["Items"]
    return {row["pk"]["S"][2:] for row in rows if row["pk"]["S"].startswith("c#")}


# -- the demo ----------------------------------------------------------------------------------


async def _expect(ws: Any, wanted: str, who: str) -> None:
    seen = []
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            message = await asyncio.wait_for(ws.recv(), max(deadline - time.monotonic(), 0))
        except asyncio.TimeoutError:
            raise LocalAwsError(f"{who} never got {wanted!r} (got {seen!r})") from None
        if message == wanted:
            print(f"  {who:<6} <- {message}", flush=True)
            return
        seen.append(message)


async def _chat(aws: LocalAws, api: WebSocketApi) -> None:
    from websockets.asyncio.client import connect

    async with (
        connect(api.url, open_timeout=TIMEOUT) as ann,
        connect(api.url, open_timeout=TIMEOUT) as bob,
    ):
        print("  ann and bob connected", flush=True)
        await ann.send("/nick ann")
        print("  ann    -> /nick ann", flush=True)
        await _expect(ann, "nickname set to [ann]", "ann")
        await ann.send("hello over API Gateway")
        print("  ann    -> hello over API Gateway", flush=True)
        for who, ws in (("ann", ann), ("bob", bob)):
            await _expect(ws, "ann: hello over API Gateway", who)
        before = connection_ids(aws, api)
        cy = await connect(api.url, open_timeout=TIMEOUT)
        cy_id = (await _settled(aws, api, before)).pop()
        cy.transport.abort()  # no close frame: the client just vanishes
        print(f"  cy ({cy_id}) connected, then was killed without a close frame", flush=True)
        await bob.send("still there?")
        for who, ws in (("ann", ann), ("bob", bob)):
            await _expect(ws, "anonymous: still there?", who)
        deadline = time.monotonic() + TIMEOUT
        while cy_id in connection_ids(aws, api):
            if time.monotonic() > deadline:
                raise LocalAwsError(f"cy's connection {cy_id} was never cleaned up")
            await asyncio.sleep(0.2)
        print("  cy's connection is gone from the connections table", flush=True)


async def _settled(aws: LocalAws, api: WebSocketApi, before: set[str]) -> set[str]:
    deadline = time.monotonic() + TIMEOUT
    while not (new := connection_ids(aws, api) - before):
        if time.monotonic() > deadline:
            raise LocalAwsError("a new connection never appeared in the connections table")
        await asyncio.sleep(0.1)
    return new


def main() -> int:
    print("starting MiniStack, deploying the layer and the chat as a WebSocket API...", flush=True)
    try:
        with LocalAws() as aws:
            api = deploy_websocket_api(aws)
            print(f"chat over API Gateway WebSocket API: {api.url}", flush=True)
            asyncio.run(_chat(aws, api))
    except LocalAwsError as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    print("everyone heard everything", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
