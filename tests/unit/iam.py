"""Each function's IAM policy from template.yaml, enforced in-process on every AWS call its code makes.

On AWS every function runs under its own role, and a call its policy does not grant fails with AccessDenied. The
unit harness plays that: while a handler runs (`running_as`, which `invoke_event` and the stream delivery use),
a botocore hook on the clients the code uses (the data layer's DynamoDB client, the Secrets Manager client that
reads the signing key, any other client it makes) turns each call into the IAM permissions AWS would check,
and refuses one its function's policy does not grant with the error AWS answers (`AccessDeniedException`). The
refusal is also recorded, so a test fails even when the code swallows the error (the moderation job reports it
as a batch failure).

How AWS authorises a call (what `required_permissions` returns):

- single-table calls (GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan): the action of the same name on the
  table, or on `<table>/index/<name>` for a Query or Scan of an index;
- BatchGetItem / BatchWriteItem: the action of that name on every table in `RequestItems`;
- TransactWriteItems / TransactGetItems have no IAM action of their own: each member is authorised as the
  single-item action it is (Put: PutItem, Update: UpdateItem, Delete: DeleteItem, ConditionCheck:
  ConditionCheckItem, Get: GetItem) on its own table;
- Secrets Manager GetSecretValue: on the secret.

Resources are named by their logical ids in template.yaml (`CustomersTable`, `InventoryTable/index/in_stock`,
`JwtSecret`, `ReviewsTable/stream`, `ReviewModerationDLQ`): the unit tables carry the logical ids as names, and
the environment variables the template sets (`CUSTOMERS_TABLE: !Ref CustomersTable`, ...) say which physical name
is which resource.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import boto3
from botocore.exceptions import ClientError

from shop_shared import auth
from shop_shared.data import dynamo
from shopctl.template import handler_module, resources, template

Permission = tuple[str, str]  # (IAM action, logical resource), e.g. ("dynamodb:Query", "SalesTable/index/by_customer")

FUNCTIONS = resources("AWS::Serverless::Function")
TRANSACTION_MEMBER_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
    "Get": "dynamodb:GetItem",
}
SECRET_ARN_PREFIX = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:"
MULTI_TABLE_OPERATIONS = {"BatchGetItem", "BatchWriteItem"}
TRANSACTIONS = {"TransactWriteItems", "TransactGetItems"}


# ---------------------------------------------------------------- what template.yaml grants


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def inline_statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s for policy in function["Properties"].get("Policies", []) if "Statement" in policy for s in policy["Statement"]
    ]


def policy_resource(resource: Any) -> str:
    """A policy's Resource as the logical resource it names; anything this cannot resolve fails loudly."""
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        target = resource["Fn::GetAtt"]
        logical, attribute = target.split(".", 1) if isinstance(target, str) else target
        suffix = {"Arn": "", "StreamArn": "/stream"}[attribute]
        return f"{logical}{suffix}"
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        text = str(resource["Fn::Sub"])
        for logical in resources("AWS::DynamoDB::Table"):
            prefix = "${" + logical + ".Arn}/index/"
            if text.startswith(prefix):
                return f"{logical}/index/{text.removeprefix(prefix)}"
        for logical, secret in resources("AWS::SecretsManager::Secret").items():
            # Secrets Manager appends "-" and 6 random characters to a secret's name in its ARN.
            name = secret["Properties"]["Name"]["Fn::Sub"]
            if text == f"{SECRET_ARN_PREFIX}{name}-??????":
                return logical
    raise AssertionError(f"policy resource names no stack resource this check knows: {resource!r}")


# The SAM policy templates the functions use, as the statements SAM expands them into.
POLICY_TEMPLATE_ACTIONS = {
    "AWSSecretsManagerGetSecretValuePolicy": ("SecretArn", ["secretsmanager:GetSecretValue"]),
}


@cache
def granted(function_name: str) -> frozenset[Permission]:
    """Every (action, resource) the function's policies in template.yaml allow."""
    function = FUNCTIONS[function_name]
    permissions: set[Permission] = set()
    for statement in inline_statements(function):
        assert statement["Effect"] == "Allow", function_name
        permissions |= {
            (action, policy_resource(resource))
            for action in as_list(statement["Action"])
            for resource in as_list(statement["Resource"])
        }
    for policy in function["Properties"].get("Policies", []):
        if "Statement" in policy:
            continue
        ((template_name, argument),) = policy.items()
        parameter, actions = POLICY_TEMPLATE_ACTIONS[template_name]
        permissions |= {(action, policy_resource(argument[parameter])) for action in actions}
    return frozenset(permissions)


def event_source_permissions(function_name: str) -> frozenset[Permission]:
    """What Lambda itself does with the function's role for its event sources, not its code: read a DynamoDB
    stream (DescribeStream, GetRecords, GetShardIterator) and send what it gave up on to the on-failure queue."""
    permissions: set[Permission] = set()
    for event in FUNCTIONS[function_name]["Properties"].get("Events", {}).values():
        if event["Type"] != "DynamoDB":
            continue
        stream = policy_resource(event["Properties"]["Stream"])
        permissions |= {(f"dynamodb:{a}", stream) for a in ("DescribeStream", "GetRecords", "GetShardIterator")}
        destination = event["Properties"].get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if destination is not None:
            permissions.add(("sqs:SendMessage", policy_resource(destination)))
    return frozenset(permissions)


@cache
def function_for_handler(module: str) -> str:
    """The template function whose Handler is `<module>.handler`."""
    names = [name for name, function in FUNCTIONS.items() if handler_module(function) == module]
    assert len(names) == 1, f"template.yaml has {len(names)} functions with the handler {module}.handler"
    return names[0]


# ---------------------------------------------------------------- what a call needs


def physical_names() -> dict[str, str]:
    """Physical resource name (as the code reads it from its environment) -> logical id in template.yaml."""
    variables = template()["Globals"]["Function"]["Environment"]["Variables"]
    return {
        os.environ[variable]: value["Ref"]
        for variable, value in variables.items()
        if isinstance(value, dict) and "Ref" in value and variable in os.environ
    }


def _table_resource(request: dict[str, Any]) -> str:
    logical = physical_names()[request["TableName"]]
    return f"{logical}/index/{request['IndexName']}" if "IndexName" in request else logical


def required_permissions(service: str, operation: str, params: dict[str, Any]) -> list[Permission]:
    """The permissions AWS checks for one call (module doc)."""
    if service == "secretsmanager":
        return [(f"secretsmanager:{operation}", physical_names()[params["SecretId"]])]
    if service != "dynamodb":  # no function's code calls another service: one that starts must be modelled here
        return [(f"{service}:{operation}", "(a resource this harness does not model)")]
    if operation in MULTI_TABLE_OPERATIONS:
        return [(f"dynamodb:{operation}", physical_names()[name]) for name in params["RequestItems"]]
    if operation in TRANSACTIONS:
        return [
            (TRANSACTION_MEMBER_ACTIONS[kind], _table_resource(request))
            for member in params["TransactItems"]
            for kind, request in member.items()
        ]
    return [(f"dynamodb:{operation}", _table_resource(params))]


# ---------------------------------------------------------------- enforcement


@dataclass
class Role:
    """One invocation of one function under its role: what it used, and what AWS would have refused."""

    function: str
    grants: frozenset[Permission]
    used: set[Permission] = field(default_factory=set)
    denied: list[Permission] = field(default_factory=list)


_local = threading.local()  # the role of the handler running in this thread (tests run handlers in threads)


def _current() -> Role | None:
    role: Role | None = getattr(_local, "role", None)
    return role


def _observers() -> list[dict[str, set[Permission]]]:
    if not hasattr(_local, "observers"):
        _local.observers = []
    observers: list[dict[str, set[Permission]]] = _local.observers
    return observers


def _authorise(service: str, params: dict[str, Any], model: Any, **_: Any) -> None:
    role = _current()
    if role is None:  # the test's own calls (seeding, assertions) run with no role
        return
    for permission in required_permissions(service, model.name, params):
        role.used.add(permission)
        if permission not in role.grants:
            role.denied.append(permission)
            action, resource = permission
            message = (
                f"User: arn:aws:sts::123456789012:assumed-role/{role.function}Role/{role.function} is not "
                f"authorized to perform: {action} on resource: {resource} because no identity-based policy "
                f"allows the {action} action"
            )
            error: Any = {
                "Error": {"Code": "AccessDeniedException", "Message": message},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            }
            raise ClientError(error, model.name)


def _authorise_call(params: dict[str, Any], model: Any, **kw: Any) -> None:
    _authorise(model.service_model.service_name, params, model, **kw)


def _install() -> None:
    # On the default session (every client the code makes in this test inherits it: the signing key's) and on
    # the data layer's cached DynamoDB client, which may predate this test's session; the shared unique_id keeps
    # a client that inherited the hook from getting it twice. Again on every invocation (a no-op once done):
    # mock_aws gives every test a fresh default session.
    boto3._get_default_session().events.register("before-parameter-build", _authorise_call, unique_id="tests-iam")
    dynamo.client().meta.events.register("before-parameter-build.dynamodb", _authorise_call, unique_id="tests-iam")


@contextmanager
def running_as(function_name: str) -> Iterator[Role]:
    """Run the body as one invocation of `function_name`: its AWS calls are checked against its own policy.

    The signing key is read once per process, so each invocation starts without it (as a function's first
    request does): every function that checks or issues a token must be granted the secret itself.
    """
    _install()
    auth._signing_key.cache_clear()  # each function is its own process on Lambda
    role = Role(function_name, granted(function_name))
    outer = _current()
    _local.role = role
    try:
        yield role
    finally:
        _local.role = outer
        for observer in _observers():
            observer.setdefault(function_name, set()).update(role.used)


@contextmanager
def someone_else() -> Iterator[None]:
    """A test's own calls made while a handler runs (another writer between the handler's read and its write):
    not the function's, so not checked against its policy."""
    outer = _current()
    _local.role = None
    try:
        yield
    finally:
        _local.role = outer


def assert_authorised(role: Role) -> None:
    assert not role.denied, (
        f"{role.function} made calls its policy in template.yaml does not grant (AWS answers AccessDenied): "
        + ", ".join(f"{action} on {resource}" for action, resource in role.denied)
    )


@contextmanager
def permissions_used() -> Iterator[dict[str, set[Permission]]]:
    """Function name -> every permission its invocations in this thread used while the block ran."""
    used: dict[str, set[Permission]] = {}
    _observers().append(used)
    try:
        yield used
    finally:
        _observers().remove(used)
