"""template.yaml: SAM's own lint, the translated CloudFormation through cfn-lint, and the
properties the deploy guide promises (docs/deploy.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.layer.conftest import TEMPLATE, run
from tools.lint_template import check, load, translate

PYTHONS = ["python3.10", "python3.11", "python3.12", "python3.13"]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load(TEMPLATE)


@pytest.fixture(scope="module")
def translated(template: dict[str, Any]) -> dict[str, Any]:
    return translate(template)


def _mutated(tmp_path: Path, old: str, new: str) -> Path:
    text = TEMPLATE.read_text()
    assert old in text
    path = tmp_path / "template.yaml"
    path.write_text(text.replace(old, new))
    return path


def test_sam_validate_lint_passes(sam: Path) -> None:
    done = run([sam, "validate", "--lint", "--template", TEMPLATE])

    assert "is a valid SAM Template" in done.stdout


def test_translated_template_passes_cfn_lint() -> None:
    assert check(TEMPLATE) == []


def test_translated_lint_reports_a_runtime_lambda_does_not_offer(tmp_path: Path) -> None:
    problems = check(_mutated(tmp_path, "Runtime: python3.13", "Runtime: python3.99"))

    assert any(p.startswith("E3030") and "python3.99" in p for p in problems), problems


def test_translated_lint_reports_an_unknown_property_on_a_sam_function(tmp_path: Path) -> None:
    problems = check(
        _mutated(tmp_path, "Description: faas-grip HTTP streaming example", "Descripton: x")
    )

    assert any("Descripton" in p for p in problems), problems


def test_translated_lint_reports_an_unknown_property_on_a_sam_layer(tmp_path: Path) -> None:
    problems = check(
        _mutated(tmp_path, "LicenseInfo: MIT\n", "LicenseInfo: MIT\n      Sharing: all\n")
    )

    assert any("Sharing" in p for p in problems), problems


def test_main_layer_serves_python_310_to_313_on_both_architectures(
    template: dict[str, Any],
) -> None:
    layer = template["Resources"]["FaasGripLayer"]["Properties"]

    assert layer["CompatibleRuntimes"] == PYTHONS
    assert layer["CompatibleArchitectures"] == ["x86_64", "arm64"]


@pytest.mark.parametrize(
    ("name", "arch"), [("FaasGripCryptoLayerX86", "x86_64"), ("FaasGripCryptoLayerArm64", "arm64")]
)
def test_crypto_layers_are_one_per_architecture_and_optional(
    template: dict[str, Any], name: str, arch: str
) -> None:
    layer = template["Resources"][name]

    assert layer["Properties"]["CompatibleArchitectures"] == [arch]
    assert layer["Properties"]["CompatibleRuntimes"] == PYTHONS
    assert layer["Condition"] == "CryptoLayerEnabled"


def test_every_layer_and_function_builds_with_the_makefile(template: dict[str, Any]) -> None:
    methods = {
        name: resource.get("Metadata", {}).get("BuildMethod")
        for name, resource in template["Resources"].items()
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion")
    }

    assert set(methods.values()) == {"makefile"}, methods


def test_rest_api_declares_websocket_events_as_binary(translated: dict[str, Any]) -> None:
    api = translated["Resources"]["ChatApi"]["Properties"]

    assert api["BinaryMediaTypes"] == ["application~1websocket-events"]


def test_examples_sit_behind_a_rest_api_an_http_api_and_a_function_url(
    translated: dict[str, Any],
) -> None:
    resources = translated["Resources"]
    integrations = {
        name: resource["Type"]
        for name, resource in resources.items()
        if resource["Type"]
        in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api", "AWS::Lambda::Url")
    }

    assert integrations == {
        "ChatApi": "AWS::ApiGateway::RestApi",
        "HttpApi": "AWS::ApiGatewayV2::Api",
        "ChatFunctionUrl": "AWS::Lambda::Url",
        "WebSocketApi": "AWS::ApiGatewayV2::Api",  # optional: no GRIP proxy on its path
        "ScoresFunctionUrl": "AWS::Lambda::Url",  # these two only with EnableHistory=true
        "JobsFunctionUrl": "AWS::Lambda::Url",
    }


def test_secret_and_parameter_access_is_limited_to_the_one_named(template: dict[str, Any]) -> None:
    statements = template["Resources"]["GripUrlReadPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    _, secret, parameter = statements[0]["Fn::If"]

    assert secret["Action"] == "secretsmanager:GetSecretValue"
    assert secret["Resource"]["Fn::Sub"].endswith(":secret:${GripUrlSecret}-??????")
    assert parameter["Action"] == "ssm:GetParameter"
    assert parameter["Resource"]["Fn::Sub"].endswith(":parameter${GripUrlParameter}")


def test_functions_get_the_read_policy_only_when_a_secret_or_parameter_is_named(
    translated: dict[str, Any],
) -> None:
    for name in ("ChatFunctionRole", "StreamFunctionRole", "LongPollFunctionRole"):
        arns = translated["Resources"][name]["Properties"]["ManagedPolicyArns"]

        assert {
            "Fn::If": ["ReadsGripUrlFromAws", {"Ref": "GripUrlReadPolicy"}, {"Ref": "AWS::NoValue"}]
        } in arns


def test_grip_url_and_verify_key_are_not_echoed(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]

    assert parameters["GripUrl"]["NoEcho"] is True
    assert parameters["GripVerifyKey"]["NoEcho"] is True


def test_powertools_and_crypto_layers_match_the_functions_runtime_and_architecture(
    template: dict[str, Any],
) -> None:
    function = template["Globals"]["Function"]
    (arch,) = function["Architectures"]
    parameter = template["Parameters"]["PowertoolsLayerArn"]
    crypto = {"x86_64": "FaasGripCryptoLayerX86", "arm64": "FaasGripCryptoLayerArm64"}[arch]

    assert parameter["Type"] == "AWS::SSM::Parameter::Value<String>"
    assert (
        parameter["Default"]
        == f"/aws/service/powertools/python/{arch}/{function['Runtime']}/latest"
    )
    assert {"Fn::If": ["CryptoLayerEnabled", {"Ref": crypto}, {"Ref": "AWS::NoValue"}]} in function[
        "Layers"
    ]


def test_outputs_give_the_layer_arn_each_endpoint_and_each_origin(template: dict[str, Any]) -> None:
    assert {
        "FaasGripLayerArn",
        "ChatApiUrl",
        "ChatApiOrigin",
        "ChatFunctionUrl",
        "ChatFunctionUrlOrigin",
        "StreamUrl",
        "LongPollUrl",
        "HttpApiOrigin",
    } <= set(template["Outputs"])


def test_history_table_has_the_schema_dynamodb_history_uses(template: dict[str, Any]) -> None:
    from faas_grip.history import dynamodb

    table = template["Resources"]["HistoryTable"]
    properties = table["Properties"]

    assert table["Condition"] == "HistoryEnabled"
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["KeySchema"] == [
        {"AttributeName": dynamodb.KEY, "KeyType": "HASH"},
        {"AttributeName": dynamodb.SORT, "KeyType": "RANGE"},
    ]
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": dynamodb.TTL_ATTRIBUTE,
        "Enabled": True,
    }


def test_history_access_is_the_actions_used_on_that_table_only(template: dict[str, Any]) -> None:
    (statement,) = template["Resources"]["HistoryAccessPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]

    assert sorted(statement["Action"]) == [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
    ]
    assert statement["Resource"] == {"Fn::GetAtt": ["HistoryTable", "Arn"]}


def test_functions_get_the_history_table_when_enabled(template: dict[str, Any]) -> None:
    variables = template["Globals"]["Function"]["Environment"]["Variables"]

    assert variables["GRIP_HISTORY_TABLE"] == {
        "Fn::If": ["HistoryEnabled", {"Ref": "HistoryTable"}, {"Ref": "AWS::NoValue"}]
    }
    assert variables["GRIP_HISTORY_TTL"] == {
        "Fn::If": ["HistoryEnabled", {"Ref": "HistoryTtl"}, {"Ref": "AWS::NoValue"}]
    }
    assert template["Parameters"]["EnableHistory"]["Default"] == "false"


def test_examples_without_history_get_no_access_to_its_table(translated: dict[str, Any]) -> None:
    for name in ("ChatFunctionRole", "StreamFunctionRole", "LongPollFunctionRole"):
        arns = json.dumps(translated["Resources"][name]["Properties"]["ManagedPolicyArns"])

        assert "HistoryAccessPolicy" not in arns
