"""template.yaml's optional WebSocket API (EnableWebSocketApi): the chat handler behind
$connect/$default/$disconnect, the connections table, and access scoped to both."""

from __future__ import annotations

from typing import Any

import pytest

from faas_grip.aws.websocket_api.connections import KEY, SORT, TTL_ATTRIBUTE
from tests.layer.conftest import TEMPLATE
from tools.lint_template import load

WEBSOCKET_RESOURCES = (
    "ConnectionsTable",
    "WebSocketApi",
    "WebSocketIntegration",
    "WebSocketConnectRoute",
    "WebSocketDefaultRoute",
    "WebSocketDisconnectRoute",
    "WebSocketStage",
    "WebSocketInvokePermission",
    "ChatWebSocketFunction",
)


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return dict(load(TEMPLATE)["Resources"])


def test_the_websocket_api_is_created_only_when_enabled(resources: dict[str, Any]) -> None:
    assert {resources[name].get("Condition") for name in WEBSOCKET_RESOURCES} == {
        "WebSocketApiEnabled"
    }


def test_connect_default_and_disconnect_reach_the_chat_handler(resources: dict[str, Any]) -> None:
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]["Target"]
        for r in resources.values()
        if r["Type"] == "AWS::ApiGatewayV2::Route"
    }
    function = resources["ChatWebSocketFunction"]["Properties"]

    assert sorted(routes) == ["$connect", "$default", "$disconnect"]
    assert {str(t) for t in routes.values()} == {
        "{'Fn::Sub': 'integrations/${WebSocketIntegration}'}"
    }
    assert (function["CodeUri"], function["Handler"]) == ("examples/chat/", "app.chat")
    assert resources["WebSocketApi"]["Properties"]["ProtocolType"] == "WEBSOCKET"


def test_connections_table_has_the_schema_connection_store_uses(resources: dict[str, Any]) -> None:
    table = resources["ConnectionsTable"]["Properties"]

    assert [k["AttributeName"] for k in table["KeySchema"]] == [KEY, SORT]
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}


def test_the_function_manages_connections_of_its_own_api_only(resources: dict[str, Any]) -> None:
    statements = resources["ChatWebSocketFunction"]["Properties"]["Policies"][0]["Statement"]
    manage = next(s for s in statements if s["Action"] == "execute-api:ManageConnections")
    table = next(s for s in statements if s is not manage)

    assert "${WebSocketApi}/prod/" in manage["Resource"]["Fn::Sub"]
    assert table["Resource"] == {"Fn::GetAtt": ["ConnectionsTable", "Arn"]}


def test_the_function_is_told_its_connections_table(resources: dict[str, Any]) -> None:
    variables = resources["ChatWebSocketFunction"]["Properties"]["Environment"]["Variables"]

    assert variables["GRIP_CONNECTIONS_TABLE"] == {"Ref": "ConnectionsTable"}
