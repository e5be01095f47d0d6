"""template.yaml checks the linter cannot make: routes match handlers, and every role is least-privilege."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shopctl.template import ROOT, api_functions, handler_module, resources, template
from tests.unit import iam
from tests.unit.iam import as_list, inline_statements

FUNCTIONS = iam.FUNCTIONS
API_FUNCTIONS = api_functions()
# SAM policy templates a function may use, and the only resource each may point at.
# The signing key, by the ARN pattern of its fixed name (Secrets Manager appends "-" + 6 characters): that and
# nothing else. template.yaml explains why not `!Ref JwtSecret`.
JWT_SECRET_ARN = (
    "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:"
    "${AWS::StackName}-jwt-signing-key-??????"
)
ALLOWED_POLICY_TEMPLATES = {
    "AWSSecretsManagerGetSecretValuePolicy": {"SecretArn": {"Fn::Sub": JWT_SECRET_ARN}},
}
READ_ONLY_ACTIONS = {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem"}


def api_event(function: dict[str, Any]) -> dict[str, Any]:
    events = [e for e in function["Properties"]["Events"].values() if e["Type"] == "Api"]
    assert len(events) == 1, "one route per function"
    props: dict[str, Any] = events[0]["Properties"]
    return props


def test_every_api_function_serves_exactly_its_templated_route() -> None:
    assert API_FUNCTIONS
    for name, function in API_FUNCTIONS.items():
        event = api_event(function)
        app = importlib.import_module(handler_module(function)).app
        paths = app.get_openapi_schema().paths or {}
        routes = {(path, method) for path, item in paths.items() for method in item.model_dump(exclude_none=True)}
        assert routes == {(event["Path"], event["Method"])}, name
        assert event["RestApiId"] == {"Ref": "ShopApi"}, name


def test_routes_are_unique() -> None:
    routes = [(api_event(f)["Path"], api_event(f)["Method"]) for f in API_FUNCTIONS.values()]
    assert len(routes) == len(set(routes))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_policies_are_least_privilege(name: str) -> None:
    function = FUNCTIONS[name]
    for policy in function["Properties"].get("Policies", []):
        if "Statement" in policy:
            continue
        (template_name, argument), *_ = policy.items()
        if template_name in ALLOWED_POLICY_TEMPLATES:
            assert argument == ALLOWED_POLICY_TEMPLATES[template_name], name
    for statement in inline_statements(function):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            assert "*" not in action, f"{name}: wildcard action {action}"
        for resource in as_list(statement["Resource"]):
            assert resource != "*", f"{name}: wildcard resource"
            assert isinstance(resource, dict), f"{name}: resources must reference stack resources"


def test_read_routes_cannot_write() -> None:
    for name, function in API_FUNCTIONS.items():
        if api_event(function)["Method"] != "get":
            continue
        actions = {a for s in inline_statements(function) for a in as_list(s["Action"])}
        assert actions <= READ_ONLY_ACTIONS, name


def test_tables_are_on_demand_with_point_in_time_recovery() -> None:
    for name, table in resources("AWS::DynamoDB::Table").items():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, name
        assert table["DeletionPolicy"] == "Retain", name


def test_runtime_and_layer_are_global() -> None:
    globals_ = template()["Globals"]["Function"]
    assert globals_["Runtime"] == "python3.11"
    # The X-Ray SDK's layer only when tracing is on: with it off no function ships or unpacks the SDK.
    assert globals_["Layers"] == [
        {"Ref": "SharedLayer"},
        {"Fn::If": ["TracingActive", {"Ref": "TracingLayer"}, {"Ref": "AWS::NoValue"}]},
    ]
    assert resources("AWS::Serverless::LayerVersion")["TracingLayer"]["Condition"] == "TracingActive"


def test_sam_validate_lint_passes() -> None:
    sam = Path(sys.executable).parent / "sam"
    result = subprocess.run(  # noqa: S603
        [str(sam), "validate", "--lint", "--template-file", str(ROOT / "template.yaml")],
        capture_output=True,
        text=True,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_signing_key_policy_names_the_secret_the_functions_read() -> None:
    secret = resources("AWS::SecretsManager::Secret")["JwtSecret"]["Properties"]
    assert secret["Name"] == {"Fn::Sub": "${AWS::StackName}-jwt-signing-key"}
    assert JWT_SECRET_ARN.endswith(":secret:${AWS::StackName}-jwt-signing-key-??????")
