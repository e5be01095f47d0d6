"""Every sample event under events/ (what `make invoke` and `sam local invoke -e` send) does what its route
promises against the seed: the one 2xx the OpenAPI document gives the route, and a body of exactly the
documented shape (every required field, no field the document does not name); the moderation job's stream
batch judges the review it carries. There is a sample for every function of every service."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer
from openapi_schema_validator import OAS31Validator

from shopctl.openapi import SPEC_PATH
from shopctl.template import ROOT
from tests.streams import invoke
from tests.unit import iam
from tests.unit.conftest import EVENTS_DIR, handler_module_for, invoke_event, load_event

EVENT_FILES = sorted(EVENTS_DIR.rglob("*.json"))
API_EVENT_FILES = [path for path in EVENT_FILES if '"Records"' not in path.read_text()]
STREAM_EVENT_FILES = [path for path in EVENT_FILES if path not in API_EVENT_FILES]
SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text())


def closed(schema: Any) -> Any:
    """The schema with every object closed (additionalProperties: false unless it says otherwise), so a body
    carrying a field the document does not name (a password hash, an internal marker) does not validate."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: closed(value) for key, value in schema.items()}
    if "properties" in result and "additionalProperties" not in result:
        result["additionalProperties"] = False
    return result


def promise(event: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
    """The one 2xx the document gives the event's route, and its body's schema (None: no body)."""
    operation = SPEC["paths"][event["resource"]][str(event["httpMethod"]).lower()]
    (status,) = [code for code in operation["responses"] if code.startswith("2")]
    content = operation["responses"][status].get("content")
    if content is None:
        return int(status), None
    schema = content["application/json"]["schema"]
    return int(status), {**closed(schema), "components": closed(copy.deepcopy(SPEC["components"]))}


def function_dirs() -> set[str]:
    return {str(fn["Properties"]["CodeUri"]).strip("/") for fn in iam.FUNCTIONS.values()}


def test_there_is_a_sample_event_for_every_function_of_every_service() -> None:
    services = {Path(uri).name for uri in function_dirs() if uri.startswith("functions/")}
    assert {path.parent.name for path in EVENT_FILES} == services == {"customers", "inventory", "sales", "reviews"}
    sampled = {iam.function_for_handler(handler_module_for(path)) for path in EVENT_FILES}
    with_code = {
        name for name, fn in iam.FUNCTIONS.items() if str(fn["Properties"]["CodeUri"]).startswith("functions/")
    }
    assert sampled == with_code
    assert (ROOT / "events").resolve() == EVENTS_DIR.resolve()


@pytest.mark.parametrize("event_file", API_EVENT_FILES, ids=lambda p: str(p.relative_to(EVENTS_DIR)))
def test_sample_event_answers_what_its_route_promises(event_file: Path, seed: dict[str, str]) -> None:
    event = load_event(str(event_file.relative_to(EVENTS_DIR)), seed)
    status, schema = promise(event)

    response = invoke_event(handler_module_for(event_file), event)

    assert response.status == status, response.body
    if schema is None:
        assert response.raw_body == ""
        return
    errors = [error.message for error in OAS31Validator(schema).iter_errors(response.body)]
    assert errors == [], response.body


@pytest.mark.parametrize("event_file", STREAM_EVENT_FILES, ids=lambda p: str(p.relative_to(EVENTS_DIR)))
def test_stream_sample_is_judged_by_the_moderation_job(event_file: Path, seed: dict[str, str]) -> None:
    """The batch carries the INSERT of a pending review: with that review in the table (as the write the record
    reports left it), the job reports no failure and the review is no longer pending."""
    records = load_event(str(event_file.relative_to(EVENTS_DIR)), seed)["Records"]
    reviews = boto3.resource("dynamodb").Table("ReviewsTable")
    deserializer = TypeDeserializer()
    for record in records:
        image = {key: deserializer.deserialize(value) for key, value in record["dynamodb"]["NewImage"].items()}
        assert image["status"] == "pending", "a sample for the job must carry a review it has to judge"
        reviews.put_item(Item=image)

    assert invoke(records) == []

    for record in records:
        review_id = record["dynamodb"]["Keys"]["review_id"]["S"]
        judged = reviews.get_item(Key={"review_id": review_id})["Item"]
        assert judged["status"] == "approved", judged
        assert judged["moderation_source"] == "auto"
