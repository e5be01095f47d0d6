"""shopctl's development-loop helpers: the local seed matches what the sample events assume, every event maps
to a function, and the seed (whose passwords are public) can only be written to a local endpoint."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from shop_shared import auth
from shopctl import devloop
from shopctl.cli import main
from shopctl.template import resources
from tests.unit.conftest import EVENTS_DIR, handler_module_for

VOLATILE = {"password_hash", "created_at", "updated_at"}


def stored(table: str, key: dict[str, str]) -> dict[str, object]:
    item = boto3.resource("dynamodb").Table(table).get_item(Key=key)["Item"]
    return {k: v for k, v in item.items() if k not in VOLATILE}


def test_local_seed_writes_what_the_unit_seed_writes(seed: dict[str, str]) -> None:
    expected = {
        "CustomersTable": [stored("CustomersTable", {"username": u}) for u in ("ada", "boss")],
        "InventoryTable": [stored("InventoryTable", {"id": devloop.SEED_GOOD_ID})],
        "ReviewsTable": [stored("ReviewsTable", {"review_id": devloop.SEED_REVIEW_ID})],
    }
    outputs = {f"{name}Name": name for name in expected}

    devloop.seed(outputs)

    assert expected["CustomersTable"] == [stored("CustomersTable", {"username": u}) for u in ("ada", "boss")]
    assert expected["InventoryTable"] == [stored("InventoryTable", {"id": devloop.SEED_GOOD_ID})]
    assert expected["ReviewsTable"] == [stored("ReviewsTable", {"review_id": devloop.SEED_REVIEW_ID})]
    ada = boto3.resource("dynamodb").Table("CustomersTable").get_item(Key={"username": "ada"})["Item"]
    assert auth.check_password(devloop.SEED_PASSWORD, str(ada["password_hash"]))


@pytest.mark.parametrize("event_file", sorted(EVENTS_DIR.rglob("*.json")), ids=lambda p: p.name)
def test_every_sample_event_names_a_deployed_function(event_file: Path) -> None:
    logical_id = devloop.function_for_event(event_file)
    handler = resources("AWS::Serverless::Function")[logical_id]["Properties"]["Handler"]
    assert handler == f"{handler_module_for(event_file)}.handler"


@pytest.mark.parametrize("endpoint", ["", "https://dynamodb.eu-west-1.amazonaws.com", "http://10.0.0.5:4566"])
def test_seed_refuses_anything_but_a_local_endpoint(
    endpoint: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)

    assert main(["local", "seed"]) == 1

    assert "refusing to seed" in capsys.readouterr().err
