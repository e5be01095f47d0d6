"""IAM is enforced on the local stack (MiniStack with AUTH=true, as `make run` and the e2e suite start it).

Every other end-to-end test therefore runs each function under its own role: a permission missing from
template.yaml fails there. This test makes sure the enforcement is real: the register function's role may put
an account but not read or list the customers table.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from shopctl import localstack


def test_a_function_role_may_do_only_what_its_policy_grants(deployment: localstack.Deployment) -> None:
    cloudformation = boto3.client(
        "cloudformation", endpoint_url=deployment.endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cloudformation.describe_stack_resources(StackName=deployment.stack_name)["StackResources"]
    }
    lambda_client = boto3.client(
        "lambda", endpoint_url=deployment.endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    role_arn = lambda_client.get_function_configuration(FunctionName=physical["RegisterFunction"])["Role"]
    sts = boto3.client(
        "sts", endpoint_url=deployment.endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="iam-e2e")["Credentials"]
    as_register = boto3.client(
        "dynamodb",
        endpoint_url=deployment.endpoint,
        region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    table = deployment.outputs["CustomersTableName"]

    for denied in (
        lambda: as_register.scan(TableName=table, Limit=1),
        lambda: as_register.get_item(TableName=table, Key={"username": {"S": "nobody"}}),
        as_register.list_tables,
    ):
        with pytest.raises(ClientError) as refused:
            denied()
        assert refused.value.response["Error"]["Code"] in {"AccessDeniedException", "AccessDenied"}
    # What the policy grants goes through (a conditional put that changes nothing: the name never exists).
    with pytest.raises(ClientError) as conditional:
        as_register.put_item(
            TableName=table,
            Item={"username": {"S": "iam_probe"}},
            ConditionExpression="attribute_exists(username)",
        )
    assert conditional.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
