"""Every function's policy in template.yaml grants what its code calls, and nothing more.

Sufficiency is enforced on every unit test: each handler runs under its own policy (tests/unit/iam.py), so a
path that makes a call its function is not granted fails where it is played (faults, the last-unit deduct, the
login reset, the moderation markers ...). Here each function plays its paths (its sample events from events/,
plus the paths that reach what the samples do not) and the permissions its calls used must be exactly the
ones its policy grants, less what Lambda itself uses the role for (reading the stream, the on-failure queue).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import partial
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from shopctl.template import ROOT, handler_module
from tests.apigw import rest_event
from tests.streams import EventSourceMapping, StreamReader, invoke
from tests.unit import iam
from tests.unit.conftest import EVENTS_DIR, handler_module_for, invoke_event, load_event

Tokens = dict[str, str]
Play = Callable[[Tokens], None]


def sample_events(function_name: str) -> list[Path]:
    return [
        path
        for path in sorted(EVENTS_DIR.rglob("*.json"))
        if iam.function_for_handler(handler_module_for(path)) == function_name
    ]


def play_sample(event_file: Path, tokens: Tokens, *, token: str | None = None) -> None:
    """The sample event through its handler, as is or (`token`) sent with that token by a caller who has one."""
    event = load_event(str(event_file.relative_to(EVENTS_DIR)), tokens)
    if token is not None:
        event["headers"] = {**(event.get("headers") or {}), "Authorization": f"Bearer {tokens[token]}"}
        event["multiValueHeaders"] = {name: [value] for name, value in event["headers"].items()}
    response = invoke_event(handler_module_for(event_file), event)
    assert response.status < 400, (event_file.name, response.status, response.body)


def with_employee_token(sample: str) -> Play:
    """A public route whose sample is anonymous: a token, when sent, is verified (the signing key is read)."""
    return lambda tokens: play_sample(EVENTS_DIR / sample, tokens, token="EMPLOYEE_TOKEN")


def docs_page(_: Tokens) -> None:
    response = invoke_event("swagger_ui", rest_event("GET", "/docs", query={"format": "json"}))
    assert response.status == 200


def moderation_of_a_submitted_review(tokens: Tokens) -> None:
    """A review submitted through its route, judged by the job from the table's real stream: the verdict, then
    the approved review's rating marker and the good's aggregate (what the sample's lone record cannot reach)."""
    reader = StreamReader()
    reader.read()  # the seed
    play_sample(EVENTS_DIR / "reviews" / "submit_review.json", tokens)
    mapping = EventSourceMapping(reader, shards=1)
    mapping.drain()
    assert mapping.given_up == []


def stream_sample(tokens: Tokens) -> None:
    """The moderation job's sample batch, under its role (through the stream delivery's handler)."""
    event = load_event("reviews/moderation.json", tokens)
    assert invoke(event["Records"]) == []


# Paths a function's sample events do not take, and that use a permission its policy grants.
EXTRA_PATHS: dict[str, list[Play]] = {
    "DocsFunction": [docs_page],
    "GetReviewFunction": [with_employee_token("reviews/get_review.json")],
    "ListProductReviewsFunction": [with_employee_token("reviews/list_product_reviews.json")],
    "ReviewModerationFunction": [stream_sample, moderation_of_a_submitted_review],
}


def paths(function_name: str) -> list[Play]:
    samples: list[Play] = [
        partial(play_sample, path) for path in sample_events(function_name) if '"Records"' not in path.read_text()
    ]
    return samples + EXTRA_PATHS.get(function_name, [])


def test_every_function_plays_at_least_one_path() -> None:
    assert {name for name in iam.FUNCTIONS if paths(name)} == set(iam.FUNCTIONS)
    assert set(EXTRA_PATHS) <= set(iam.FUNCTIONS)


@pytest.mark.parametrize("name", sorted(iam.FUNCTIONS))
def test_the_policy_grants_exactly_what_the_code_calls(name: str, seed: Tokens) -> None:
    with iam.permissions_used() as used:
        for play in paths(name):
            play(seed)

    needed = iam.granted(name) - iam.event_source_permissions(name)
    assert used.get(name, set()) == needed, (
        f"{name}: granted but never called: {sorted(needed - used.get(name, set()))}; "
        f"called but not granted: {sorted(used.get(name, set()) - needed)}"
    )


@pytest.mark.parametrize("name", sorted(iam.FUNCTIONS))
def test_what_lambda_itself_needs_for_the_event_sources_is_granted(name: str) -> None:
    """Reading its stream and sending to its on-failure queue; with the test above: granted = called + these."""
    missing = iam.event_source_permissions(name) - iam.granted(name)
    assert not missing, f"{name}: its event source mapping needs {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(iam.FUNCTIONS))
def test_every_handler_is_loaded_from_its_functions_code_uri(name: str) -> None:
    function = iam.FUNCTIONS[name]
    module = importlib.import_module(handler_module(function))
    code_uri = ROOT / str(function["Properties"]["CodeUri"])
    assert Path(str(module.__file__)).resolve().is_relative_to(code_uri.resolve()), name


def test_a_call_to_a_service_no_policy_models_is_refused(aws: None) -> None:
    """Code that starts calling another AWS service is refused until its permissions are modelled here."""
    with iam.running_as("GetGoodFunction") as role, pytest.raises(ClientError) as refused:
        boto3.client("sqs").list_queues()
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert role.denied == [("sqs:ListQueues", "(a resource this harness does not model)")]
