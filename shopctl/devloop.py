"""The Docker-less development loop against a deployed stack (the local MiniStack one, or AWS).

- `seed`: the data every sample event in events/ assumes (local stacks only: the seed passwords are public).
- `fill_event`: a sample event with fresh tokens for its CUSTOMER_TOKEN / EMPLOYEE_TOKEN placeholders.
- `invoke`: one function on one event through the Lambda Invoke API (what `sam remote invoke` does).

Code changes need nothing here: `sam sync --code` works against MiniStack as it does on AWS (see the README).

AWS clients honour AWS_ENDPOINT_URL, so everything here works against whichever stack the environment names.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3

from shop_shared import auth
from shop_shared.accounts import new_account_item
from shop_shared.data.goods import stored_good
from shop_shared.data.reviews import review_id_for
from shop_shared.models.customers import RegisterRequest
from shopctl.template import ROOT, resources

EVENTS_DIR = ROOT / "events"
# The seed the sample events assume (tests/unit/conftest.py seed_data builds the same on moto).
SEED_CUSTOMER = "ada"
SEED_EMPLOYEE = "boss"
SEED_PASSWORD = "engine1843"
SEED_GOOD_ID = "0b5f3c2e-1d4a-4c8e-9f00-000000000001"
SEED_RETIRED_GOOD_ID = "0b5f3c2e-1d4a-4c8e-9f00-000000000002"
SEED_REVIEW_ID = "b0fd1a7b-7737-59f9-a196-347cd3140c53"
PLACEHOLDERS = {"CUSTOMER_TOKEN": SEED_CUSTOMER, "EMPLOYEE_TOKEN": SEED_EMPLOYEE}
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class DevLoopError(Exception):
    """A failure the command reports in one line (no traceback)."""


def require_local_endpoint() -> str:
    """The seed's passwords are in this repository, so it may only ever be written to an emulator."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    if urlparse(endpoint).hostname not in _LOCAL_HOSTS:
        raise DevLoopError(
            "refusing to seed: AWS_ENDPOINT_URL must point at a local stack (export the line `make run` prints)"
        )
    return endpoint


def stack_resources(stack_name: str) -> dict[str, str]:
    """Logical id -> physical id of the stack's resources."""
    cloudformation = boto3.client("cloudformation")
    found: dict[str, str] = {}
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name):
        for summary in page["StackResourceSummaries"]:
            found[summary["LogicalResourceId"]] = summary.get("PhysicalResourceId", "")
    return found


def seed_items() -> dict[str, list[Mapping[str, Any]]]:
    """Items per table output name; bcrypt cost from BCRYPT_ROUNDS like every other hash the code makes."""
    accounts: list[Mapping[str, Any]] = []
    for username, role in ((SEED_CUSTOMER, auth.CUSTOMER), (SEED_EMPLOYEE, auth.EMPLOYEE)):
        request = RegisterRequest(
            full_name=username.title(),
            username=username,
            password=SEED_PASSWORD,
            age=36,
            address="1 Seed Street",
            gender="n/a",
            marital_status="single",
        )
        item = new_account_item(request, role)
        if username == SEED_CUSTOMER:
            item["wallet_balance"] = Decimal("100.00")
        accounts.append(item)
    good = stored_good(
        {
            "id": SEED_GOOD_ID,
            "name": "Espresso beans",
            "category": "food",
            "price": Decimal("12.50"),
            "description": "1 kg, dark roast",
            "count": 10,
            "created_at": "2026-11-01T00:00:00.000Z",
        }
    )
    review = {
        "review_id": SEED_REVIEW_ID,
        "product_id": SEED_RETIRED_GOOD_ID,
        "username": SEED_CUSTOMER,
        "rating": 4,
        "comment": "Smooth and not too bitter.",
        "status": "approved",
        "review_date": "2026-11-02T00:00:00.000Z",
        "updated_at": "2026-11-02T00:00:00.000Z",
        "version": 1,
        "moderation_source": "auto",
        "moderated_by": "auto-moderator",
        "moderated_at": "2026-11-02T00:00:01.000Z",
        "moderation_reason": "passed the automatic checks",
        "moderation_rule": "clean",
    }
    return {"CustomersTableName": accounts, "InventoryTableName": [good], "ReviewsTableName": [review]}


def event_created_keys() -> dict[str, list[dict[str, str]]]:
    """What the sample events create under fixed keys (register.json's user, submit_review.json's review)."""
    registered = json.loads(json.loads((EVENTS_DIR / "customers" / "register.json").read_text())["body"])["username"]
    return {
        "CustomersTableName": [{"username": registered}],
        "ReviewsTableName": [{"review_id": review_id_for(SEED_GOOD_ID, SEED_CUSTOMER)}],
    }


def seed(outputs: dict[str, str]) -> list[str]:
    """Put the seed items, overwriting earlier copies, and remove what the sample events create: running it again
    restores the seed state exactly, so every sample event can run again."""
    dynamodb = boto3.resource("dynamodb")
    written = []
    for output, keys in event_created_keys().items():
        for key in keys:
            dynamodb.Table(outputs[output]).delete_item(Key=key)
    for output, items in seed_items().items():
        table = dynamodb.Table(outputs[output])
        for item in items:
            table.put_item(Item=item)
            written.append(f"{outputs[output]}: {next(iter(item.values()))}")
    return written


@dataclass
class Invocation:
    function: str
    payload: Any
    function_error: str | None = None
    log_tail: str = ""
    status: int | None = None


def invoke(function_name: str, event: dict[str, Any]) -> Invocation:
    response = boto3.client("lambda").invoke(
        FunctionName=function_name, Payload=json.dumps(event).encode(), LogType="Tail"
    )
    raw = response["Payload"].read()
    payload = json.loads(raw) if raw else None
    log_tail = base64.b64decode(response["LogResult"]).decode(errors="replace") if response.get("LogResult") else ""
    status = payload.get("statusCode") if isinstance(payload, dict) else None
    return Invocation(function_name, payload, response.get("FunctionError"), log_tail, status)


def _login_event(username: str, password: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS_DIR / "customers" / "login.json").read_text())
    event["body"] = json.dumps({"username": username, "password": password})
    return event


def tokens(resources_by_id: dict[str, str]) -> dict[str, str]:
    """Fresh tokens of the seeded users, from the stack's own login function."""
    found = {}
    for placeholder, username in PLACEHOLDERS.items():
        result = invoke(resources_by_id["LoginFunction"], _login_event(username, SEED_PASSWORD))
        if result.status != 200:
            raise DevLoopError(
                f"login of seeded user {username!r} failed ({result.status}: {result.payload}); "
                "run `make seed` (shopctl local seed) first"
            )
        found[placeholder] = json.loads(result.payload["body"])["access_token"]
    return found


def fill_event(event_file: Path, resources_by_id: dict[str, str]) -> dict[str, Any]:
    text = event_file.read_text()
    needed = [placeholder for placeholder in PLACEHOLDERS if placeholder in text]
    if needed:
        for placeholder, token in tokens(resources_by_id).items():
            text = text.replace(placeholder, token)
    event: dict[str, Any] = json.loads(text)
    return event


def function_for_event(event_file: Path) -> str:
    """events/<service>/<module>.json is the sample event of the function whose handler is <service>_api.<module>."""
    module = f"{event_file.resolve().parent.name}_api.{event_file.name.split('.')[0]}"
    for logical_id, function in resources("AWS::Serverless::Function").items():
        if str(function["Properties"]["Handler"]).rsplit(".", 1)[0] == module:
            return logical_id
    raise DevLoopError(f"no function in template.yaml has the handler module {module}")
